/* Workload for the eBPF tracer's count of calls that never reach their
 * sys_exit, or reach it twice: a signal handler's sigreturn, a thread's exit,
 * a new thread's and a forked child's return from clone, the child's
 * exit_group, and the process's own exit_group made through int 0x80 (i386).
 * Every call it makes is the same on every run (no race decides whether a
 * call happens), so two tracers must record the same set. Exits 0 when every
 * step behaved. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int word;

static void handler(int sig) {
  (void)sig;
  handled = 1;
}

static void* run(void* arg) {
  return arg;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  raise(SIGUSR1);
  if (!handled) return 3;
  /* pthread_join waits on a futex only when the thread is still running: make
   * the call once here so that the set does not depend on that race */
  syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, run, NULL) != 0) return 4;
  if (pthread_join(t, NULL) != 0) return 5;
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return 6;
  /* exit_group(0) as i386 number 252 */
  __asm__ volatile("int $0x80" : : "a"(252L), "b"(0L) : "memory");
  return 7;
}
