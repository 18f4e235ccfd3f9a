/* Shared between learn.bpf.c (kernel) and the eBPF tracer (user space): plain C,
 * fixed-width types only, no kernel or libc headers. Everything the kernel side
 * keeps is either a counter in a map (syscalls, argument tuples, network
 * endpoints: the key says it all, the value counts) or, for file accesses and
 * executions, one ring-buffer event the first time a key is seen. */
#ifndef PROFILE_TRACER_EBPF_LEARN_EVENTS_H
#define PROFILE_TRACER_EBPF_LEARN_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h> /* user space; the BPF side has them from vmlinux.h */
#endif

/* Architectures, in the order of the counter array. */
#define PL_ARCH_X86_64 0
#define PL_ARCH_X86 1
#define PL_ARCH_X32 2
#define PL_NARCH 3
/* Syscall numbers per architecture covered by the tables (x32 without its bit). */
#define PL_MAX_NR 1024
#define PL_X32_BIT 0x40000000ULL

/* sys_spec.what bits */
#define PL_SPEC_PATH 1u   /* takes one or two paths: file access */
#define PL_SPEC_ARGS 2u   /* scalar arguments selected by policies/args.toml */
#define PL_SPEC_NET 4u    /* sockaddr argument: bind/connect/sendto */
#define PL_SPEC_EXEC 8u   /* execve/execveat: the path is recorded at sys_exit only on failure */
#define PL_SPEC_MMAP 16u  /* mmap/mmap2: PROT_EXEC of a file is an Exec access of the fd's path */
#define PL_SPEC_LOCAL 32u /* listen/accept: the endpoint is the socket's own local address */
#define PL_SPEC_FORK 64u  /* fork/vfork/clone/clone3: a return of 0 is the child's, not a call */

/* Syscalls the kernel half counts without their sys_exit, which never comes
 * for them (kernel ABI numbers, checked against libseccomp's by a unit test):
 * exit and exit_group at the task's exit, sigreturn when a handler is entered. */
#define PL_NR_X86_64_EXIT 60
#define PL_NR_X86_64_EXIT_GROUP 231
#define PL_NR_X86_64_RT_SIGRETURN 15
#define PL_NR_X32_RT_SIGRETURN 513
#define PL_NR_I386_EXIT 1
#define PL_NR_I386_EXIT_GROUP 252
#define PL_NR_I386_SIGRETURN 119
#define PL_NR_I386_RT_SIGRETURN 173

/* Where a value comes from; -1 = not used. */
#define PL_FLAGS_FROM_OPEN_HOW 0x40 /* flags_idx | this: *(u64 *)arg[idx] (openat2) */

/* pl_sys_spec.arg_src: where a recorded argument value comes from. */
#define PL_SRC_REG 0        /* the register itself */
#define PL_SRC_MEM0 1       /* *(u64 *)arg[idx]: clone_args.flags, timex.modes */
#define PL_SRC_MEM8 2       /* *(u64 *)(arg[idx] + 8): struct rlimit's rlim_max */
#define PL_SRC_CUR_RLIM 3   /* the caller's hard limit of resource arg[idx] before the call (sys_enter) */
#define PL_SRC_XATTR_FCAP 4 /* 1 when the string at arg[idx] is "security.capability", else 0 */

/* Syscalls whose sys_enter keeps the caller's hard limit for PL_SRC_CUR_RLIM
 * (x86_64 numbers; x32 the same with PL_X32_BIT; i386's prlimit64: its
 * setrlimit takes 32-bit limits and is not judged). */
#define PL_NR_X86_64_SETRLIMIT 160
#define PL_NR_X86_64_PRLIMIT64 302
#define PL_NR_I386_PRLIMIT64 340

/* Syscall counts, per CPU: n[arch * PL_MAX_NR + nr]. */
struct pl_counts {
  __u64 n[PL_NARCH * PL_MAX_NR];
};

/* One entry per (arch, nr), filled by user space from libseccomp names. */
struct pl_sys_spec {
  __u8 what;
  __s8 path_idx[2];  /* argument holding the path (second: rename target, link name) */
  __s8 dirfd_idx[2]; /* argument holding its dirfd; -1 = relative to the cwd */
  __s8 flags_idx;    /* argument whose raw value goes into the key (open flags, AT_*) */
  __s8 fd_idx;       /* net: the socket fd; path: an fd whose path is wanted when path is NULL */
  __s8 addr_idx;     /* net: sockaddr pointer */
  __s8 addrlen_idx;  /* net: its length */
  __u8 nargs;        /* args: how many indices are used */
  __s8 arg_idx[3];
  __s8 stat_idx; /* path: argument pointing to the struct stat/statx the call fills; -1 = none */
  __u8 stat_off; /* offset of st_mode (stx_mode) in it */
  __u8 pad[2];
  __u8 arg_src[3]; /* PL_SRC_* of each arg_idx */
  __u8 pad2[5];
  __u64 arg_mask[3];
};

/* A syscall argument tuple seen (map key; value = count). */
struct pl_args_key {
  __u32 arch;
  __u32 nr;
  __u64 v[3];
};

#define PL_SOCKADDR_MAX 128 /* sizeof(struct sockaddr_storage) */
/* A network endpoint seen (map key; value = count). */
struct pl_net_key {
  __u32 arch;
  __u32 nr;
  __s32 err; /* 0 or -errno; EINPROGRESS counts as the attempt it is */
  __u32 socktype;
  __u32 addrlen; /* bytes of addr that are valid */
  __u32 pad;
  __u8 addr[PL_SOCKADDR_MAX];
};

/* A file access seen (the key of a slot of file_slots). The path argument is in the key as its length
 * and two independent 64-bit hashes: a 56-byte key hashes, compares and
 * allocates far faster than the path itself would, and a collision of both
 * hashes between two paths of the same length, syscall, flags and base
 * directory is not a practical concern (2^-128 per pair). Paths cut at
 * PL_PATH_MAX are never deduplicated: each access is its own event. */
struct pl_file_key {
  __u32 arch;
  __u32 nr;
  __s32 err;      /* 0 or -errno */
  __u8 slot;      /* 0: first path argument, 1: second */
  __u8 created;   /* open: the file was created by this call (FMODE_CREATED) */
  __u8 null_path; /* the path pointer was NULL (utimensat(fd, NULL)) */
  __u8 pad;
  __u64 flags; /* raw flags argument */
  __u64 base;  /* identity of the directory a relative path starts from (dentry), 0 if absolute */
  __u64 hash[2];
  __u32 path_len;
  __u32 pad2;
};

/* Distinct file keys deduplicated in the kernel (a power of two); later ones
 * are events of their own. */
#define PL_MAX_FILE_KEYS 131072
/* Slots a key may take from its hash on (linear probing). */
#define PL_FILE_PROBES 16

/* One slot of the kernel's table of file keys: open addressing over an
 * mmap'able array, so that a lookup is a few loads and an insert a
 * compare-and-swap (a hash map insert took ~1 us here), and user space reads
 * each key's count straight from the slot its event named. */
struct pl_file_slot {
  __u64 tag; /* 0: empty; the key's hash[0] with bit 0 set while it is written, bits 0-1 once it is */
  __u64 count;
  struct pl_file_key key;
};

#define PL_PATH_MAX 4096
#define PL_EV_FILE 1 /* a new pl_file_key (or an undeduplicated access) */
#define PL_EV_EXEC 2 /* a successful execve: the filename as given */

/* Ring-buffer event: header, then base_len bytes of the base directory (absolute,
 * no trailing NUL) then path_len bytes of the path argument (no NUL). */
struct pl_event {
  __u32 type;
  __u32 tgid;
  __u32 counted; /* 1: not in the seen map, count it here */
  __u16 base_len;
  __u16 path_len;
  __u32 id;   /* the key's slot in file_slots (when counted == 0) */
  __u32 mode; /* st_mode the call itself saw (a followed symlink's target's); 0 = not known */
  struct pl_file_key key;
};

/* Per-CPU counters in the `stats` array. */
#define PL_STAT_LOST 0      /* ring-buffer reserve failures and full maps */
#define PL_STAT_TRUNCATED 1 /* paths cut at PL_PATH_MAX or directory walks cut short */
#define PL_NSTATS 2

#endif
