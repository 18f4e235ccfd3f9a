/* A program whose only system call is exit_group(42): no libc, no loader. Used to
 * measure which syscalls the launcher itself makes after loading seccomp. */
void _start(void) {
  __asm__ volatile("mov $231, %%eax\n\tmov $42, %%edi\n\tsyscall" ::: "rax", "rdi", "rcx", "r11", "memory");
  for (;;) {
  }
}
