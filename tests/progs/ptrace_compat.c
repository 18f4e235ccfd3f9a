// Syscalls in the other x86 ABIs from 64-bit code: i386 getpid via int 0x80
// (number 20) and x32 getpid (number 39 | 0x40000000), which returns ENOSYS when
// the kernel lacks CONFIG_X86_X32_ABI. Prints "i386=<pid> x32=<ret>".
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  long i386_ret;
  __asm__ volatile("int $0x80" : "=a"(i386_ret) : "a"(20L) : "memory");
  long x32_ret = syscall(0x40000000L | 39);
  printf("i386=%ld x32=%ld pid=%d\n", i386_ret, x32_ret, (int)getpid());
  return i386_ret == getpid() ? 0 : 1;
}
