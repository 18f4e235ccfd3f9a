// The floor under any tracer built on the raw syscall tracepoints: an empty
// BPF program (r0 = 0; exit) attached to each raw tracepoint named on the
// command line, by default sys_exit alone, where the eBPF tracer attaches its
// one per-syscall program. Every syscall of the machine then pays the
// tracepoints' slow path and a program run that does nothing. Prints
// "attached" and holds the attachment until SIGINT/SIGTERM (bench/ebpf_overhead.sh).
//
//   bench_tracepoint_floor [TRACEPOINT...]   (e.g. sys_enter sys_exit)
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long bpf(int cmd, union bpf_attr* attr) {
  return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int attach(const char* tracepoint) {
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  union bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  load.insns = (unsigned long)insns;
  load.insn_cnt = 2;
  load.license = (unsigned long)"GPL";
  int prog = (int)bpf(BPF_PROG_LOAD, &load);
  if (prog < 0) {
    perror("tracepoint_floor: BPF_PROG_LOAD");
    return -1;
  }
  union bpf_attr open;
  memset(&open, 0, sizeof open);
  open.raw_tracepoint.name = (unsigned long)tracepoint;
  open.raw_tracepoint.prog_fd = (unsigned)prog;
  if (bpf(BPF_RAW_TRACEPOINT_OPEN, &open) < 0) {
    fprintf(stderr, "tracepoint_floor: attach to %s: ", tracepoint);
    perror("BPF_RAW_TRACEPOINT_OPEN");
    return -1;
  }
  return 0;
}

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    if (attach("sys_exit") != 0) return 1;
  }
  for (int i = 1; i < argc; i++)
    if (attach(argv[i]) != 0) return 1;
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  printf("attached\n");
  fflush(stdout);
  for (;;) pause();
}
