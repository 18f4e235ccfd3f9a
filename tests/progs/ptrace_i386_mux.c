// i386 multiplexers and bogus syscall numbers from 64-bit code, for the tracers.
//   mux:   socketcall(SYS_SOCKET, NULL) and ipc(SEMCTL | version 1 << 16, -1)
//          through int 0x80 (both fail: EFAULT, EINVAL; the call number is what
//          a profile filters on)
//   bogus: syscall(-1) (x86_64 and i386), and 0x7fffffff (the x32 bit set, but
//          no x32 syscall): none of them may add an architecture to a recording
// Prints the raw results.
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long i386_call(long nr, long a, long b) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
  return ret;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "mux") == 0) {
    long s = i386_call(102, 1, 0);                 // socketcall(SYS_SOCKET, NULL)
    long i = i386_call(117, (1L << 16) | 3, -1L);  // ipc(SEMCTL, semid -1)
    printf("socketcall=%ld ipc=%ld\n", s, i);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "bogus") == 0) {
    long a = syscall(-1L);
    long b = syscall(0x7fffffffL);
    long c = i386_call(-1L, 0, 0);
    printf("x86_64(-1)=%ld 0x7fffffff=%ld i386(-1)=%ld\n", a, b, c);
    return 0;
  }
  fprintf(stderr, "usage: ptrace_i386_mux mux|bogus\n");
  return 2;
}
