// SPDX-License-Identifier: GPL-2.0
/* The kernel half of the eBPF tracer (ebpf_tracer.cpp is the user half).
 *
 * Only raw tracepoints, which load on the project's machines; fentry/kprobes
 * are never needed. Raw rather than BTF-typed (tp_btf) ones, and no kfuncs:
 * then libbpf needs the kernel's BTF for CO-RE relocations only, and takes
 * them from the few KB that ebpf_btf.cpp caches instead of parsing all of
 * /sys/kernel/btf/vmlinux at every start (~40 ms). Scope: a process is traced from
 * its first execve inside the learning container's cgroup (or pid namespace,
 * or the armed pid with --no-container) and every process it forks; the
 * container's supervisor never execs and so is never traced.
 *
 * Work per traced syscall, all at sys_exit: bump a per-CPU counter for
 * (arch, nr), look up the syscall's spec (filled by user space from
 * libseccomp) and, for the few syscalls that need it, build a key (argument
 * tuple, endpoint, or file access with its outcome) and count it (a hash
 * map, or for file accesses the slot table file_slots). Only
 * a file-access key seen for the first time becomes a ring-buffer event: it
 * carries the absolute base directory, which only the kernel can resolve
 * reliably while the process still exists. */
// vmlinux.h must come before the libbpf headers, which use its types.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "learn_events.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

#define TS_COMPAT 0x0002
#define AT_FDCWD -100
#define O_CREAT 0100
#define FMODE_CREATED 0x100000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define EEXIST 17
#define MAX_DEPTH 64

/* Set by user space after load (the container is spawned after the programs
 * are known to load, so these cannot be read-only data). */
volatile __u64 target_cgroup = 0; /* 0: no cgroup filter */
volatile __u64 pidns_dev = 0;
volatile __u64 pidns_ino = 0; /* 0: no pid namespace filter */
volatile __u64 ringbuf_wake_bytes = 1 << 22;

/* One element per CPU holding every (arch, nr) counter: the kernel makes a
 * per-CPU allocation per element, and 3,072 of them cost ~2 ms per start. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pl_counts);
} counts SEC(".maps");

/* Numbers outside the tables (invalid syscalls such as syscall(-1)). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u64); /* arch << 32 | nr */
  __type(value, __u64);
} counts_other SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PL_NARCH* PL_MAX_NR);
  __type(key, __u32);
  __type(value, struct pl_sys_spec);
} specs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  /* not preallocated: 65,536 elements made up front cost milliseconds at every start */
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32); /* tgid */
  __type(value, __u8);
} traced SEC(".maps");

/* --no-container: the pid whose execve starts tracing. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u8);
} armed SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct pl_args_key);
  __type(value, __u64);
} args_seen SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct pl_net_key);
  __type(value, __u64);
} net_seen SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, PL_MAX_FILE_KEYS);
  __uint(map_flags, BPF_F_MMAPABLE);
  __type(key, __u32);
  __type(value, struct pl_file_slot);
} file_slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, PL_NSTATS);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

struct scratch {
  __u64 a[8]; /* the syscall's arguments, zero-extended for i386 */
  __s64 ret;  /* and its return value, number and architecture */
  __u32 nr;
  __u32 arch;
  struct pl_event ev;
  char data[2 * PL_PATH_MAX]; /* base directory then path: the event's tail */
  char walk[2 * PL_PATH_MAX]; /* the directory walk writes backwards from walk[PL_PATH_MAX] */
  char path[PL_PATH_MAX];     /* the path argument as read from the process */
  __u64 walk_dentry;          /* walk_path's arguments: global functions take no kernel pointers */
  __u64 walk_mnt;
  __u64 opened; /* mode_of's: the struct file an open returned */
  __u32 path_len;
  __u32 opens; /* the call returns a new fd (open, creat) */
  __u32 emits; /* events this CPU emitted: the buffer's fill is looked at every 16th */
  struct pl_args_key args;
  struct pl_net_key net;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch_map SEC(".maps");

/* The hard limit a setrlimit or prlimit64 is about to replace, by thread
 * (pid_tgid): sys_exit sees the limits only after a successful call replaced
 * them, and whether the call raised the hard limit (CAP_SYS_RESOURCE) is
 * the comparison of the two. LRU: a thread killed inside the call leaves its
 * entry behind. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, __u64);
} rlim_before SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 24); /* resized by user space before load */
} events SEC(".maps");

static __always_inline void stat_inc(__u32 which) {
  __u64* v = bpf_map_lookup_elem(&stats, &which);
  if (v) *v += 1;
}

/* Bumped whenever `traced` changes, so that a CPU's cached answer for a tgid
 * is never used after the process was added (exec, fork) or removed. */
volatile __u64 traced_gen = 1;

struct scope_cache {
  __u64 gen;
  __u32 tgid;
  __u32 traced;
};

/* One entry per CPU: the last process seen there. A syscall storm comes from
 * one process, so most checks are an array read instead of a hash lookup. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scope_cache);
} scope SEC(".maps");

static __always_inline void traced_changed(void) {
  __sync_fetch_and_add(&traced_gen, 1);
}

/* Every syscall of every process on the machine asks this, with the task
 * pointer it needs anyway: the cached answer costs no helper call; the cgroup
 * check (one) is made only when the answer is computed again. */
static __always_inline bool in_scope(struct task_struct* task) {
  __u32 tgid = task->tgid; /* a typed load: no helper call */
  __u32 zero = 0;
  struct scope_cache* c = bpf_map_lookup_elem(&scope, &zero);
  __u64 gen = traced_gen;
  if (c && c->tgid == tgid && c->gen == gen) return c->traced != 0;
  bool traced_now = (target_cgroup == 0 || bpf_get_current_cgroup_id() == target_cgroup) &&
                    bpf_map_lookup_elem(&traced, &tgid) != NULL;
  if (c) {
    c->tgid = tgid;
    c->gen = gen;
    c->traced = traced_now;
  }
  return traced_now;
}

/* i386 syscalls run with TS_COMPAT set; x32 ones carry the x32 bit in their
 * number. A number is x32 only when the kernel would dispatch it to the x32
 * table (the bit plus a number below PL_MAX_NR): others with the bit set, such
 * as 0x7fffffff, are failing x86_64 numbers and must not add x32. */
static __always_inline __u32 syscall_arch(struct task_struct* task, __u64* nr) {
  if (task->thread_info.status & TS_COMPAT) return PL_ARCH_X86;
  if ((*nr & PL_X32_BIT) && (*nr & ~(__u64)PL_X32_BIT) < PL_MAX_NR) {
    *nr &= ~PL_X32_BIT;
    return PL_ARCH_X32;
  }
  return PL_ARCH_X86_64;
}

static __always_inline void count_syscall(__u32 arch, __u64 nr) {
  if (nr < PL_MAX_NR) {
    __u32 idx = arch * PL_MAX_NR + (__u32)nr;
    __u32 zero = 0;
    struct pl_counts* c = bpf_map_lookup_elem(&counts, &zero);
    if (c && idx < PL_NARCH * PL_MAX_NR) c->n[idx] += 1;
    return;
  }
  __u64 key = ((__u64)arch << 32) | (nr & 0xffffffffULL);
  __u64* v = bpf_map_lookup_elem(&counts_other, &key);
  if (v) {
    __sync_fetch_and_add(v, 1);
  } else {
    __u64 one = 1;
    if (bpf_map_update_elem(&counts_other, &key, &one, BPF_NOEXIST) != 0) {
      v = bpf_map_lookup_elem(&counts_other, &key);
      if (v)
        __sync_fetch_and_add(v, 1);
      else
        stat_inc(PL_STAT_LOST);
    }
  }
}

/* Counts `key` in a seen-map of counts. Returns 1 when the key is new, 0
 * when it was there, -1 when the map is full. */
static __always_inline int count_key(void* map, void* key) {
  __u64* v = bpf_map_lookup_elem(map, key);
  if (v) {
    __sync_fetch_and_add(v, 1);
    return 0;
  }
  __u64 one = 1;
  long err = bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
  if (err == 0) return 1;
  if (err == -EEXIST) {
    v = bpf_map_lookup_elem(map, key);
    if (v) __sync_fetch_and_add(v, 1);
    return 0;
  }
  return -1;
}

/* The syscall's arguments, read through the task's typed pt_regs pointer: the
 * fields are plain loads, not a probe-read helper call each. */
static __always_inline void load_args(struct scratch* s, struct pt_regs* regs, __u32 arch) {
  if (arch == PL_ARCH_X86) {
    /* compat entry stores the 32-bit registers zero-extended */
    s->a[0] = (__u32)regs->bx;
    s->a[1] = (__u32)regs->cx;
    s->a[2] = (__u32)regs->dx;
    s->a[3] = (__u32)regs->si;
    s->a[4] = (__u32)regs->di;
    s->a[5] = (__u32)regs->bp;
  } else {
    s->a[0] = regs->di;
    s->a[1] = regs->si;
    s->a[2] = regs->dx;
    s->a[3] = regs->r10;
    s->a[4] = regs->r8;
    s->a[5] = regs->r9;
  }
}

#define ARG(i) (s->a[(i)&7])

/* Probe reads, not loads through the task's typed pointer: loading these
 * pointers that way would save the helper calls, but made the verifier take
 * 52 ms instead of 8 ms on pl_sys_exit (measured; typed loads of scalars,
 * such as orig_ax, cost it nothing like that). The fd table's size and array
 * are read together. */
static __always_inline struct file* task_file(struct task_struct* task, int fd) {
  if (fd < 0) return NULL;
  struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return NULL;
  struct {
    unsigned int max_fds;
    struct file** fd;
  } head = {};
  if (bpf_core_field_offset(struct fdtable, max_fds) == 0 && bpf_core_field_offset(struct fdtable, fd) == 8) {
    bpf_probe_read_kernel(&head, sizeof head, fdt);
  } else {
    head.max_fds = BPF_CORE_READ(fdt, max_fds);
    head.fd = BPF_CORE_READ(fdt, fd);
  }
  if ((unsigned int)fd >= head.max_fds || !head.fd) return NULL;
  struct file* f = NULL;
  bpf_probe_read_kernel(&f, sizeof f, &head.fd[fd]);
  return f;
}

struct walk_ctx {
  struct scratch* s;
  struct dentry* dentry;
  struct mount* mnt;
  __u64 mnt_parent; /* the current mount's fields */
  __u64 mnt_mountpoint;
  __u64 mnt_root;
  __u32 off;
  bool complete;
};

/* The fields a walk reads lie next to each other in struct dentry (d_parent,
 * then d_name's hash, len and name) and struct mount (mnt_parent,
 * mnt_mountpoint, then mnt.mnt_root): one read of each window instead of a
 * helper call per field. The layout is checked against the kernel's (the
 * offsets are relocated constants); another one takes a field at a time. */
struct dentry_window {
  __u64 parent;
  __u32 hash;
  __u32 len;
  __u64 name;
};
struct mount_window {
  __u64 parent;
  __u64 mountpoint;
  __u64 root;
};

static __always_inline void load_mount(struct walk_ctx* w) {
  struct mount* mnt = w->mnt;
  __u32 p = bpf_core_field_offset(struct mount, mnt_parent);
  if (bpf_core_field_offset(struct mount, mnt_mountpoint) == p + 8 &&
      bpf_core_field_offset(struct mount, mnt.mnt_root) == p + 16) {
    struct mount_window mw = {};
    bpf_probe_read_kernel(&mw, sizeof mw, (void*)mnt + p);
    w->mnt_parent = mw.parent;
    w->mnt_mountpoint = mw.mountpoint;
    w->mnt_root = mw.root;
  } else {
    w->mnt_parent = (__u64)BPF_CORE_READ(mnt, mnt_parent);
    w->mnt_mountpoint = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
    w->mnt_root = (__u64)BPF_CORE_READ(mnt, mnt.mnt_root);
  }
}

/* One step of the walk: a bpf_loop callback, so that the verifier checks it
 * once rather than once per level. 0 = go on, 1 = stop. */
static long walk_step(__u32 i, void* data) {
  struct walk_ctx* w = data;
  struct scratch* s = w->s;
  if (!s) return 1;
  struct dentry* dentry = w->dentry;
  struct mount* mnt = w->mnt;
  if (!dentry || !mnt) return 1;
  if ((__u64)dentry == w->mnt_root) {
    if (w->mnt_parent == (__u64)mnt) {
      w->complete = true;
      return 1;
    }
    w->dentry = (struct dentry*)w->mnt_mountpoint;
    w->mnt = (struct mount*)w->mnt_parent;
    load_mount(w);
    return 0;
  }
  struct dentry_window dw = {};
  __u32 p = bpf_core_field_offset(struct dentry, d_parent);
  if (bpf_core_field_offset(struct dentry, d_name) == p + 8) {
    bpf_probe_read_kernel(&dw, sizeof dw, (void*)dentry + p);
  } else {
    dw.parent = (__u64)BPF_CORE_READ(dentry, d_parent);
    dw.len = BPF_CORE_READ(dentry, d_name.len);
    dw.name = (__u64)BPF_CORE_READ(dentry, d_name.name);
  }
  if ((__u64)dentry == dw.parent) { /* root of a tree that is not mounted here */
    w->complete = true;
    return 1;
  }
  __u32 len = dw.len & 255;
  __u32 off = w->off;
  if (off < len + 2 || off > PL_PATH_MAX) return 1;
  off -= len + 1;
  s->walk[off & (PL_PATH_MAX - 1)] = '/';
  bpf_probe_read_kernel(&s->walk[(off + 1) & (PL_PATH_MAX - 1)], len, (const void*)dw.name);
  w->off = off;
  w->dentry = (struct dentry*)dw.parent;
  return 0;
}

/* Writes the absolute path of (dentry, vfsmount) into s->data[0..len) and
 * returns len; -1 when the file has no path name (a pipe, socket, memfd: its
 * mount is the kernel's own, in no namespace). Walks dentries up to the mount
 * root, then crosses to the parent mount, as d_path does. */
__noinline int walk_path(struct scratch* s) {
  if (!s) return -1;
  __u64 dentry_addr = s->walk_dentry, vfsmnt_addr = s->walk_mnt;
  if (!dentry_addr || !vfsmnt_addr) return -1;
  struct dentry* dentry = (struct dentry*)dentry_addr;
  struct mount* start = (struct mount*)(vfsmnt_addr - bpf_core_field_offset(struct mount, mnt));
  __u64 ns = (__u64)BPF_CORE_READ(start, mnt_ns);
  if (ns == 0 || ns >= (__u64)-4095) return -1; /* NULL or MNT_NS_INTERNAL */
  struct walk_ctx w = {
      .s = s,
      .dentry = dentry,
      .mnt = start,
      .off = PL_PATH_MAX,
      .complete = false,
  };
  load_mount(&w);
  bpf_loop(MAX_DEPTH, walk_step, &w, 0);
  if (!w.complete) stat_inc(PL_STAT_TRUNCATED);
  __u32 off = w.off;
  if (off >= PL_PATH_MAX) { /* the root itself */
    s->data[0] = '/';
    return 1;
  }
  __u32 len = (PL_PATH_MAX - off) & (PL_PATH_MAX - 1);
  bpf_probe_read_kernel(s->data, len, &s->walk[off & (PL_PATH_MAX - 1)]);
  return len;
}

static __always_inline int walk_path_of(struct scratch* s, struct dentry* d, struct vfsmount* m) {
  s->walk_dentry = (__u64)d;
  s->walk_mnt = (__u64)m;
  return walk_path(s);
}

static __always_inline void emit(struct scratch* s, __u32 base_len, __u32 path_len) {
  __u32 tail = (base_len + path_len) & (2 * PL_PATH_MAX - 1);
  s->ev.base_len = base_len;
  s->ev.path_len = path_len;
  /* No wakeup per event: the consumer polls every few milliseconds, and is
   * woken early only when a quarter of the buffer is waiting. A wakeup per
   * event costs the workload a context switch per new file; asking how full
   * the buffer is costs a helper call, so it is asked every 16th event. */
  __u64 flags = BPF_RB_NO_WAKEUP;
  if ((++s->emits & 15) == 0 && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > ringbuf_wake_bytes)
    flags = BPF_RB_FORCE_WAKEUP;
  if (bpf_ringbuf_output(&events, &s->ev, sizeof(struct pl_event) + tail, flags) != 0) stat_inc(PL_STAT_LOST);
}

/* Base directory of a relative path: the dirfd's file, or the cwd. */
static __always_inline bool base_of(struct task_struct* task, int dirfd, struct dentry** d, struct vfsmount** m) {
  struct path p = {}; /* mnt and dentry in one read */
  if (dirfd == AT_FDCWD) {
    struct fs_struct* fs = BPF_CORE_READ(task, fs);
    if (!fs) return false;
    BPF_CORE_READ_INTO(&p, fs, pwd);
  } else {
    struct file* f = task_file(task, dirfd);
    if (!f) return false;
    BPF_CORE_READ_INTO(&p, f, f_path);
  }
  *d = p.dentry;
  *m = p.mnt;
  return *d != NULL && *m != NULL;
}

/* st_mode as the call reported it: from the new fd of an open, or from the
 * stat buffer the call filled. 0 when the call failed or says nothing. */
__noinline __u32 mode_of(struct scratch* s, const struct pl_sys_spec* spec) {
  if (!s || !spec || s->ret < 0) return 0;
  if (s->opened) {
    struct file* opened = (struct file*)s->opened;
    return BPF_CORE_READ(opened, f_inode, i_mode);
  }
  int si = spec->stat_idx;
  if (si < 0) return 0;
  __u16 mode = 0;
  const char* buf = (const char*)ARG(si);
  if (bpf_probe_read_user(&mode, sizeof mode, buf + spec->stat_off) != 0) return 0;
  return mode;
}

struct hash_ctx {
  struct scratch* s;
  __u32 len;
  __u64 a, b;
};

/* One word of the hash: a bpf_loop callback, checked once by the verifier
 * however long the path. 0 = go on, 1 = stop. */
static long hash_step(__u32 i, void* data) {
  struct hash_ctx* h = data;
  struct scratch* s = h->s;
  if (!s) return 1;
  __u32 off = i * 8;
  if (off >= h->len) return 1;
  __u64 w = *(__u64*)&s->path[off & (PL_PATH_MAX - 8)];
  __u32 rest = h->len - off;
  if (rest < 8) w &= (1ULL << (rest * 8)) - 1;
  __u64 a = (h->a ^ w) * 0x100000001b3ULL;
  h->a = a ^ (a >> 29);
  __u64 b = (h->b + w) * 0xff51afd7ed558ccdULL;
  h->b = (b << 31) | (b >> 33);
  return 0;
}

/* The key's two hashes of s->path[0..s->path_len), a word at a time. The
 * bytes after the NUL are whatever an earlier path left there: the last word
 * is masked. */
__noinline int hash_path(struct scratch* s) {
  if (!s) return 0;
  __u32 len = s->path_len & (PL_PATH_MAX - 1);
  struct hash_ctx h = {.s = s, .len = len, .a = 0x9e3779b97f4a7c15ULL, .b = 0xc2b2ae3d27d4eb4fULL};
  bpf_loop((len + 7) / 8, hash_step, &h, 0);
  s->ev.key.hash[0] = h.a ^ len;
  s->ev.key.hash[1] = h.b + len;
  s->ev.key.path_len = len;
  return 0;
}

struct probe_ctx {
  struct scratch* s;
  __u64 hash;
  int result;
};

/* Slot `i` of the key's probe sequence: a bpf_loop callback (checked once).
 * 0 = go on, 1 = stop with ctx->result set. */
static long probe_slot(__u32 i, void* data) {
  struct probe_ctx* p = data;
  struct scratch* s = p->s;
  if (!s) return 1;
  __u64 busy = p->hash | 1, ready = p->hash | 3;
  busy &= ~2ULL;
  __u32 idx = (__u32)(p->hash + i) & (PL_MAX_FILE_KEYS - 1);
  struct pl_file_slot* slot = bpf_map_lookup_elem(&file_slots, &idx);
  if (!slot) return 1;
  __u64 t = slot->tag;
  if (t == 0) {
    t = __sync_val_compare_and_swap(&slot->tag, 0, busy);
    if (t == 0) { /* ours: write the key, then publish it */
      __builtin_memcpy(&slot->key, &s->ev.key, sizeof slot->key);
      slot->count = 1;
      __sync_lock_test_and_set(&slot->tag, ready);
      s->ev.id = idx;
      p->result = 1;
      return 1;
    }
  }
  if (t == ready) {
    const __u64* a = (const __u64*)&slot->key;
    const __u64* b = (const __u64*)&s->ev.key;
#pragma clang loop unroll(full)
    for (int w = 0; w < (int)(sizeof(struct pl_file_key) / 8); w++)
      if (a[w] != b[w]) return 0;
    __sync_fetch_and_add(&slot->count, 1);
    p->result = 0;
    return 1;
  }
  /* Another CPU is writing a key with this hash, maybe this very one: this
   * access becomes an event with its own count rather than wait. */
  if (t == busy) return 1;
  return 0;
}

/* Counts the file key in s->ev.key: new (1, s->ev.id set), seen (0), or no
 * slot for it (-1: the event carries its own count). Global functions such
 * as this one are verified once, not once for every path through their
 * callers: that keeps the tracer's start-up short. */
__noinline int count_file_key(struct scratch* s) {
  if (!s) return -1;
  struct probe_ctx p = {.s = s, .hash = s->ev.key.hash[0], .result = -1};
  bpf_loop(PL_FILE_PROBES, probe_slot, &p, 0);
  return p.result;
}

/* The key of path argument `slot` into s->ev.key, and what its event would
 * need into s (the path and its length, the base directory, the opened
 * file). Returns 0 when the argument names no file, 1 when the key is ready,
 * 2 when the path was cut at PL_PATH_MAX (never deduplicated). The three
 * steps of a file access are global functions, each verified once. */
__noinline int file_key(struct scratch* s, const struct pl_sys_spec* spec, int slot) {
  if (!s || !spec) return 0;
  __u32 arch = s->arch;
  __u32 nr = s->nr;
  long ret = s->ret;
  struct task_struct* task = bpf_get_current_task_btf();
  int path_idx = slot == 0 ? spec->path_idx[0] : spec->path_idx[1];
  int dirfd_idx = slot == 0 ? spec->dirfd_idx[0] : spec->dirfd_idx[1];
  if (path_idx < 0) return 0;
  struct pl_file_key* key = &s->ev.key;
  __builtin_memset(key, 0, sizeof *key);
  key->arch = arch;
  key->nr = nr;
  key->err = ret < 0 ? (__s32)ret : 0;
  key->slot = slot;
  if (spec->flags_idx >= 0) {
    int fi = spec->flags_idx;
    if (fi & PL_FLAGS_FROM_OPEN_HOW) {
      const void* how = (const void*)ARG(fi);
      bpf_probe_read_user(&key->flags, sizeof key->flags, how);
    } else {
      key->flags = ARG(fi);
    }
  }
  /* fd_idx -2: open (O_CREAT in its flags) or creat (no flags argument, always creates). */
  bool may_create = spec->flags_idx < 0 || (key->flags & O_CREAT);
  /* the new fd's file: looked up here only when the key depends on it, and
   * after the seen-map only for a key seen for the first time */
  bool opens = (spec->what & PL_SPEC_EXEC) == 0 && ret >= 0 && spec->fd_idx == -2;
  struct file* opened = NULL;
  if (opens && may_create) {
    opened = task_file(task, (int)ret);
    if (opened && (BPF_CORE_READ(opened, f_mode) & FMODE_CREATED)) key->created = 1;
  }
  const char* upath = (const char*)ARG(path_idx);
  long n = 0;
  key->null_path = upath == NULL;
  if (upath) {
    n = bpf_probe_read_user_str(s->path, PL_PATH_MAX, upath);
    if (n < 0) return 0; /* unreadable: the call failed with EFAULT, there is no path */
  }
  __u32 path_len = n > 0 ? (__u32)(n - 1) & (PL_PATH_MAX - 1) : 0;
  if (n == PL_PATH_MAX) stat_inc(PL_STAT_TRUNCATED);
  s->path_len = path_len;
  hash_path(s);
  bool relative = n <= 1 || s->path[0] != '/';
  struct dentry* bd = NULL;
  struct vfsmount* bm = NULL;
  if (relative) {
    int dirfd = dirfd_idx >= 0 ? (int)ARG(dirfd_idx) : AT_FDCWD;
    if (!base_of(task, dirfd, &bd, &bm)) {
      /* a bad dirfd: the call failed with EBADF and names no file */
      if (ret < 0) return 0;
      relative = false;
    }
    key->base = (__u64)bd;
  }
  s->walk_dentry = relative ? (__u64)bd : 0;
  s->walk_mnt = (__u64)bm;
  s->opened = (__u64)opened;
  s->opens = opens;
  return n < PL_PATH_MAX ? 1 : 2;
}

/* The event of a file key seen for the first time (or not deduplicated). */
__noinline int file_event(struct scratch* s, const struct pl_sys_spec* spec, int slot) {
  if (!s || !spec) return 0;
  s->ev.type = PL_EV_FILE;
  if (s->opens && !s->opened) s->opened = (__u64)task_file(bpf_get_current_task_btf(), (int)s->ret);
  s->ev.mode = slot == 0 ? mode_of(s, spec) : 0;
  __u32 base_len = 0;
  if (s->walk_dentry) {
    int w = walk_path(s);
    if (w < 0) return 0; /* fstat of a pipe or socket: not a file access */
    base_len = w;
  }
  __u32 path_len = s->path_len & (PL_PATH_MAX - 1);
  if (path_len > 0) bpf_probe_read_kernel(&s->data[base_len & (PL_PATH_MAX - 1)], path_len, s->path);
  emit(s, base_len & (PL_PATH_MAX - 1), path_len);
  return 0;
}

static __always_inline void file_access(struct scratch* s, const struct pl_sys_spec* spec, int slot) {
  int k = file_key(s, spec, slot);
  if (k == 0) return;
  s->ev.counted = 0;
  if (k == 1) {
    int r = count_file_key(s);
    if (r == 0) return;
    if (r < 0) s->ev.counted = 1; /* the seen-map is full: this event carries its own count */
  } else {
    s->ev.counted = 1;
  }
  file_event(s, spec, slot);
}

/* mmap(PROT_EXEC) of a file: an Exec access of the file the fd names. */
__noinline int mmap_exec(struct scratch* s, const struct pl_sys_spec* spec) {
  if (!s || !spec) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  __u32 arch = s->arch, nr = s->nr;
  long ret = s->ret;
  if ((ARG(2) & 0x4 /* PROT_EXEC */) == 0) return 0;
  if (ARG(3) & 0x20 /* MAP_ANONYMOUS */) return 0;
  struct file* f = task_file(task, (int)ARG(4));
  if (!f) return 0;
  struct dentry* d = BPF_CORE_READ(f, f_path.dentry);
  struct vfsmount* m = BPF_CORE_READ(f, f_path.mnt);
  if (!d || !m) return 0;
  struct pl_file_key* key = &s->ev.key;
  __builtin_memset(key, 0, sizeof *key);
  key->arch = arch;
  key->nr = nr;
  key->err = ret < 0 ? (__s32)ret : 0;
  key->base = (__u64)d;
  s->ev.counted = 0;
  int r = count_file_key(s);
  if (r == 0) return 0;
  if (r < 0) s->ev.counted = 1;
  s->ev.type = PL_EV_FILE;
  s->ev.mode = BPF_CORE_READ(f, f_inode, i_mode);
  int w = walk_path_of(s, d, m);
  if (w < 0) return 0; /* an anonymous or memfd mapping: no path */
  __u32 base_len = w;
  emit(s, base_len & (PL_PATH_MAX - 1), 0);
  return 0;
}

/* listen/accept: the socket's local address, as getsockname would give it. */
__noinline int record_local(struct scratch* s, const struct pl_sys_spec* spec) {
  if (!s || !spec) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  __u32 arch = s->arch, nr = s->nr;
  long ret = s->ret;
  struct file* f = task_file(task, (int)ARG(spec->fd_idx));
  if (!f) return 0;
  __u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
  if ((mode & S_IFMT) != S_IFSOCK) return 0;
  struct socket* sock = BPF_CORE_READ(f, private_data);
  struct sock* sk = BPF_CORE_READ(sock, sk);
  if (!sk) return 0;
  struct pl_net_key* key = &s->net;
  __builtin_memset(key, 0, sizeof *key);
  key->arch = arch;
  key->nr = nr;
  key->err = ret < 0 ? (__s32)ret : 0;
  key->socktype = BPF_CORE_READ(sock, type);
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  __builtin_memcpy(key->addr, &family, sizeof family);
  key->addrlen = sizeof family;
  if (family == 2 /* AF_INET */) {
    __u16 port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_num));
    __u32 addr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
    __builtin_memcpy(key->addr + 2, &port, 2);
    __builtin_memcpy(key->addr + 4, &addr, 4);
    key->addrlen = 16;
  } else if (family == 10 /* AF_INET6 */) {
    __u16 port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_num));
    __builtin_memcpy(key->addr + 2, &port, 2);
    BPF_CORE_READ_INTO(key->addr + 8, sk, __sk_common.skc_v6_rcv_saddr);
    key->addrlen = 28;
  } else if (family == 1 /* AF_UNIX */) {
    struct unix_address* ua = BPF_CORE_READ((struct unix_sock*)sk, addr);
    if (ua) {
      __u64 len = (__u32)BPF_CORE_READ(ua, len);
      if (len > PL_SOCKADDR_MAX) len = PL_SOCKADDR_MAX;
      barrier_var(len);
      bpf_probe_read_kernel(key->addr, len & 0xff, &ua->name);
      key->addrlen = len;
    }
  }
  if (count_key(&net_seen, key) < 0) stat_inc(PL_STAT_LOST);
  return 0;
}

__noinline int record_args(struct scratch* s, const struct pl_sys_spec* spec) {
  if (!s || !spec) return 0;
  __u32 arch = s->arch, nr = s->nr;
  struct pl_args_key* key = &s->args;
  __builtin_memset(key, 0, sizeof *key);
  key->arch = arch;
  key->nr = nr;
#pragma clang loop unroll(full)
  for (int i = 0; i < 3; i++) {
    if (i >= spec->nargs) break;
    int idx = spec->arg_idx[i];
    __u8 src = spec->arg_src[i];
    __u64 v = 0;
    if (src == PL_SRC_MEM0 || src == PL_SRC_MEM8) {
      /* The child of clone3 returns from it too (ret 0), with the parent's
       * pointer to struct clone_args, which lives on the parent's stack: by then
       * the parent may have reused it, and the garbage read as flags (seen:
       * CLONE_NEWUSER|NEWUTS|NEWNS|NEWTIME from Python threads) would become an
       * allowed clone. The parent's own return reads it intact. */
      if ((spec->what & PL_SPEC_FORK) && s->ret == 0) return 0;
      const char* p = (const char*)ARG(idx);
      if (src == PL_SRC_MEM8) {
        /* prlimit64 with no new limit only reads them: nothing to record */
        if (!p) return 0;
        p += 8;
      }
      bpf_probe_read_user(&v, sizeof v, p);
    } else if (src == PL_SRC_CUR_RLIM) {
      /* kept by pl_sys_enter: by now a successful call has replaced it */
      __u64 tid = bpf_get_current_pid_tgid();
      __u64* before = bpf_map_lookup_elem(&rlim_before, &tid);
      if (!before) return 0;
      v = *before;
      bpf_map_delete_elem(&rlim_before, &tid);
    } else if (src == PL_SRC_XATTR_FCAP) {
      static const char fcap[] = "security.capability";
      char name[sizeof fcap + 1] = {}; /* one more: a longer name is not it */
      long n = bpf_probe_read_user_str(name, sizeof name, (const void*)ARG(idx));
      if (n < 0) return 0;
      v = n == sizeof fcap;
#pragma clang loop unroll(full)
      for (int k = 0; k < (int)sizeof fcap; k++)
        if (name[k] != fcap[k]) v = 0;
    } else {
      v = ARG(idx);
    }
    key->v[i] = v & spec->arg_mask[i];
  }
  if (count_key(&args_seen, key) < 0) stat_inc(PL_STAT_LOST);
  return 0;
}

__noinline int record_net(struct scratch* s, const struct pl_sys_spec* spec) {
  if (!s || !spec) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  __u32 arch = s->arch, nr = s->nr;
  long ret = s->ret;
  const void* addr = (const void*)ARG(spec->addr_idx);
  if (!addr) return 0;
  __u64 len = ARG(spec->addrlen_idx) & 0xffffffffULL; /* socklen_t */
  if (len > PL_SOCKADDR_MAX) len = PL_SOCKADDR_MAX;
  struct pl_net_key* key = &s->net;
  __builtin_memset(key, 0, sizeof *key);
  key->arch = arch;
  key->nr = nr;
  key->err = ret < 0 ? (__s32)ret : 0;
  key->addrlen = len;
  barrier_var(len); /* keep the bound in the register the verifier checks */
  if (bpf_probe_read_user(key->addr, len & 0xff, addr) != 0) return 0;
  struct file* f = task_file(task, (int)ARG(spec->fd_idx));
  if (f) {
    __u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
    if ((mode & S_IFMT) == S_IFSOCK) {
      struct socket* sock = BPF_CORE_READ(f, private_data);
      key->socktype = BPF_CORE_READ(sock, type);
    }
  }
  if (count_key(&net_seen, key) < 0) stat_inc(PL_STAT_LOST);
  return 0;
}

/* Entry of every syscall of the machine, for the two calls above only: the
 * number is compared before anything else, so that the others pay for the
 * dispatch and two comparisons. */
SEC("raw_tp/sys_enter")
int BPF_PROG(pl_sys_enter, struct pt_regs* raw_regs, long id) {
  __u64 low = (__u64)id & ~(__u64)PL_X32_BIT;
  if (low != PL_NR_X86_64_SETRLIMIT && low != PL_NR_X86_64_PRLIMIT64 && low != PL_NR_I386_PRLIMIT64) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  if (!in_scope(task)) return 0;
  __u64 nr = (__u64)id;
  __u32 arch = syscall_arch(task, &nr);
  struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(task);
  __u64 pid = 0, res = 0;
  if (arch == PL_ARCH_X86) {
    /* i386's setrlimit takes 32-bit limits (its libc uses prlimit64): not judged */
    if (nr == PL_NR_I386_PRLIMIT64) {
      pid = (__u32)regs->bx;
      res = (__u32)regs->cx;
    } else {
      return 0;
    }
  } else if (nr == PL_NR_X86_64_SETRLIMIT) {
    res = (__u32)regs->di;
  } else if (nr == PL_NR_X86_64_PRLIMIT64) {
    pid = (__u32)regs->di;
    res = (__u32)regs->si;
  } else {
    return 0;
  }
  /* another process's limits: whose they are is not traced (as in ptrace) */
  if (pid != 0 || res >= 16 /* RLIM_NLIMITS */) return 0;
  struct signal_struct* sig = BPF_CORE_READ(task, signal);
  __u64 max = 0;
  /* the field's offset relocated (CO-RE), the index added by hand: struct
   * rlimit is two unsigned longs on every kernel */
  const char* max_of_first = (const char*)&sig->rlim[0].rlim_max;
  if (bpf_probe_read_kernel(&max, sizeof max, max_of_first + (res & 15) * 16) != 0) return 0;
  __u64 tid = bpf_get_current_pid_tgid();
  bpf_map_update_elem(&rlim_before, &tid, &max, BPF_ANY);
  return 0;
}

/* The one program every syscall of the machine runs, at its exit: a
 * program on sys_enter as well cost each syscall a second tracepoint
 * dispatch, about as much as this program's own work. The syscall counts
 * here; the few that never reach their exit are counted where they end
 * (pl_exit: exit, exit_group; pl_signal: sigreturn). */
SEC("raw_tp/sys_exit")
int BPF_PROG(pl_sys_exit, struct pt_regs* raw_regs, long ret) {
  struct task_struct* task = bpf_get_current_task_btf();
  if (!in_scope(task)) return 0;
  /* the raw tracepoint's pt_regs pointer is untyped (a helper call per
   * field); the same registers through the task are plain loads */
  struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(task);
  __u64 nr = regs->orig_ax;
  /* -1: a sigreturn restored the registers of the interrupted code (the
   * handler's entry counted it), or a call numbered -1, which no profile
   * can name and which fails with ENOSYS under any. The kernel takes the
   * number as an int: an i386 -1 is 0xffffffff in orig_ax (zero-extended). */
  if ((__u32)nr == 0xffffffffu) return 0;
  __u32 arch = syscall_arch(task, &nr);
  if (nr >= PL_MAX_NR) {
    count_syscall(arch, nr);
    return 0;
  }
  __u32 idx = arch * PL_MAX_NR + (__u32)nr;
  const struct pl_sys_spec* spec = bpf_map_lookup_elem(&specs, &idx);
  if (!spec) return 0;
  __u8 what = spec->what;
  /* a new process's or thread's first return is the parent's call, counted there */
  if (!(what & PL_SPEC_FORK) || ret != 0) count_syscall(arch, nr);
  if ((what & ~PL_SPEC_FORK) == 0) return 0;
  __u32 zero = 0;
  struct scratch* s = bpf_map_lookup_elem(&scratch_map, &zero);
  if (!s) return 0;
  load_args(s, regs, arch);
  s->ev.tgid = task->tgid;
  s->ret = ret;
  s->nr = (__u32)nr;
  s->arch = arch;
  /* each a global function: the verifier checks it once, not once per
   * combination of the branches before it */
  if (spec->what & PL_SPEC_ARGS) record_args(s, spec);
  if (spec->what & PL_SPEC_NET) record_net(s, spec);
  if (spec->what & PL_SPEC_LOCAL) record_local(s, spec);
  if (spec->what & PL_SPEC_MMAP) mmap_exec(s, spec);
  if (spec->what & PL_SPEC_PATH) {
    /* a successful execve replaced the registers and memory: sched_process_exec records it */
    if ((spec->what & PL_SPEC_EXEC) && ret >= 0) return 0;
    file_access(s, spec, 0);
    file_access(s, spec, 1);
  }
  return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(pl_exec, struct task_struct* task, pid_t old_pid, struct linux_binprm* bprm) {
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (!bpf_map_lookup_elem(&traced, &tgid)) {
    bool start = false;
    if (target_cgroup != 0 && bpf_get_current_cgroup_id() == target_cgroup) start = true;
    if (!start && bpf_map_lookup_elem(&armed, &tgid)) start = true;
    if (!start && pidns_ino != 0) {
      struct bpf_pidns_info ns = {};
      if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof ns) == 0) start = true;
    }
    if (!start) return 0;
    __u8 one = 1;
    if (bpf_map_update_elem(&traced, &tgid, &one, BPF_ANY) != 0) {
      stat_inc(PL_STAT_LOST);
      return 0;
    }
    traced_changed(); /* the execve is counted at its sys_exit, in scope by then */
  }
  __u32 zero = 0;
  struct scratch* s = bpf_map_lookup_elem(&scratch_map, &zero);
  if (!s) return 0;
  __builtin_memset(&s->ev.key, 0, sizeof s->ev.key);
  s->ev.type = PL_EV_EXEC;
  s->ev.tgid = tgid;
  s->ev.counted = 1;
  s->ev.mode = 0;
  const char* filename = BPF_CORE_READ(bprm, filename);
  long n = bpf_probe_read_kernel_str(s->path, 2, filename);
  __u32 base_len = 0;
  if (n > 1 && s->path[0] != '/') {
    struct dentry* d = BPF_CORE_READ(task, fs, pwd.dentry);
    struct vfsmount* m = BPF_CORE_READ(task, fs, pwd.mnt);
    if (d && m) {
      int w = walk_path_of(s, d, m);
      base_len = w > 0 ? w : 0;
    }
  }
  __u32 path_len = 0;
  long m = bpf_probe_read_kernel_str(&s->data[base_len & (PL_PATH_MAX - 1)], PL_PATH_MAX, filename);
  if (m > 0) path_len = (__u32)(m - 1);
  emit(s, base_len & (PL_PATH_MAX - 1), path_len & (PL_PATH_MAX - 1));
  /* A script: the kernel opened its interpreter (#!/usr/bin/env ...) itself,
   * with no syscall to see, and runs it: that is an execution too, of the
   * file now in bprm->file. bprm->interp is bprm->filename until a script
   * handler replaces it. */
  if (BPF_CORE_READ(bprm, interp) != filename) {
    struct file* f = BPF_CORE_READ(bprm, file);
    struct dentry* d = BPF_CORE_READ(f, f_path.dentry);
    struct vfsmount* mnt = BPF_CORE_READ(f, f_path.mnt);
    if (d && mnt) {
      int w = walk_path_of(s, d, mnt);
      if (w > 0) emit(s, w & (PL_PATH_MAX - 1), 0);
    }
  }
  return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(pl_fork, struct task_struct* parent, struct task_struct* child) {
  if (target_cgroup != 0 && bpf_get_current_cgroup_id() != target_cgroup) return 0;
  __u32 ptgid = BPF_CORE_READ(parent, tgid);
  __u32 ctgid = BPF_CORE_READ(child, tgid);
  if (ptgid == ctgid) return 0; /* a thread: its process is already in the map */
  if (!bpf_map_lookup_elem(&traced, &ptgid)) return 0;
  __u8 one = 1;
  if (bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY) != 0) stat_inc(PL_STAT_LOST);
  traced_changed();
  return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(pl_exit, struct task_struct* task) {
  if (target_cgroup != 0 && bpf_get_current_cgroup_id() != target_cgroup) return 0;
  /* exit and exit_group never reach sys_exit: the task ends inside them, and
   * its registers still name the call (a task killed by a signal names its
   * last other call, or none) */
  struct task_struct* cur = bpf_get_current_task_btf();
  if (in_scope(cur)) {
    struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(cur);
    __u64 nr = regs->orig_ax;
    __u32 arch = syscall_arch(cur, &nr);
    if (arch == PL_ARCH_X86 ? nr == PL_NR_I386_EXIT || nr == PL_NR_I386_EXIT_GROUP
                            : nr == PL_NR_X86_64_EXIT || nr == PL_NR_X86_64_EXIT_GROUP)
      count_syscall(arch, nr);
  }
  /* signal->live dropped to 0 before this tracepoint when the whole group is dead */
  if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (bpf_map_delete_elem(&traced, &tgid) == 0) traced_changed();
  return 0;
}

#define SA_SIGINFO 0x00000004
#define SA_X32_ABI 0x01000000
#define SA_IA32_ABI 0x02000000

/* A signal about to run a handler: the handler returns through sigreturn,
 * whose sys_exit sees the interrupted code's registers, not the call.
 * Counted here, in the frame's architecture (sigaction marks a handler set
 * from i386 or x32 code), as the kernel will build it. A handler that leaves
 * by longjmp never calls it: then the profile allows a call not made, which
 * every program that handles signals needs anyway. */
SEC("raw_tp/signal_deliver")
int BPF_PROG(pl_signal, int sig, struct kernel_siginfo* info, struct k_sigaction* ka) {
  if (!in_scope(bpf_get_current_task_btf())) return 0;
  __u64 handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
  if (handler <= 1) return 0; /* SIG_DFL, SIG_IGN */
  unsigned long flags = BPF_CORE_READ(ka, sa.sa_flags);
  if (flags & SA_IA32_ABI)
    count_syscall(PL_ARCH_X86, flags & SA_SIGINFO ? PL_NR_I386_RT_SIGRETURN : PL_NR_I386_SIGRETURN);
  else if (flags & SA_X32_ABI)
    count_syscall(PL_ARCH_X32, PL_NR_X32_RT_SIGRETURN);
  else
    count_syscall(PL_ARCH_X86_64, PL_NR_X86_64_RT_SIGRETURN);
  return 0;
}
