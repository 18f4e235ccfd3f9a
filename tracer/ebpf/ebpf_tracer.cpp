// The eBPF tracer: libbpf CO-RE programs on tracepoints (learn.bpf.c)
// count syscalls in the kernel and report file accesses, argument tuples and
// endpoints as deduplicated keys. This file loads them, scopes them to the
// learning container, reaps the container's first process while draining the
// ring buffer, and turns the maps into a Recording.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include "common/fd.h"
#include "common/log.h"
#include "common/syscalls.h"
#include "learn.skel.h"
#include "tracer/ebpf/ebpf_btf.h"
#include "tracer/ebpf/ebpf_paths.h"
#include "tracer/ebpf/ebpf_specs.h"
#include "tracer/factory.h"

namespace profile {
namespace {

using ebpf::arch_name;
using ebpf::Resolved;
using ebpf::seccomp_nr;

// Sized so that the benchmarks (10,000 distinct files in a burst) lose nothing:
// an event is ~150 bytes (an 80-byte header, the base directory and the path),
// only first sightings are events, and the consumer drains the buffer every
// 20 ms or when a quarter of it is full. Smaller is faster to set up: the
// kernel allocates and maps every page of it before the workload starts.
constexpr uint32_t kRingBufferBytes = 8u << 20;

// libbpf prints its own diagnostics to stderr by default; keep the last lines
// for our error messages and show them only with debug logging.
std::mutex g_libbpf_log_mutex;
std::string g_libbpf_last;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap) {
  // The verifier's log comes as one message of many kilobytes: sized to fit.
  va_list again;
  va_copy(again, ap);
  int n = std::vsnprintf(nullptr, 0, fmt, again);
  va_end(again);
  std::string line(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(line.data(), line.size() + 1, fmt, ap);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (level != LIBBPF_DEBUG) {
    std::lock_guard<std::mutex> lock(g_libbpf_log_mutex);
    g_libbpf_last = line;
  }
  log::debug("libbpf: " + line);
  return 0;
}

std::string last_libbpf_message() {
  std::lock_guard<std::mutex> lock(g_libbpf_log_mutex);
  return g_libbpf_last;
}

std::string read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Whether this process holds CAP_BPF or CAP_SYS_ADMIN (effective), from
// /proc/self/status: tells a refusal for lack of privilege from a verifier
// rejection, which both come back as EACCES or EPERM.
bool may_load_bpf() {
  // Capabilities inside a user namespace (rootless podman runs hooks in one)
  // show in CapEff but count for nothing towards BPF: the kernel checks them
  // in the initial namespace, whose uid_map is the identity over all ids.
  if (read_first_line("/proc/self/uid_map").find("4294967295") == std::string::npos) return false;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
    constexpr uint64_t kCapSysAdmin = 1ULL << 21, kCapBpf = 1ULL << 39;
    return (caps & (kCapSysAdmin | kCapBpf)) != 0;
  }
  return false;
}

// The lockdown LSM's mode when securityfs shows it ("none [integrity] confidentiality").
bool locked_down_confidentiality() {
  std::string s = read_first_line("/sys/kernel/security/lockdown");
  return s.find("[confidentiality]") != std::string::npos;
}

struct SkelDeleter {
  void operator()(learn_bpf* s) const { learn_bpf__destroy(s); }
};
struct RingBufferDeleter {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};

// One decoded file access, recorded once when its event arrives; the rest of
// its count comes from the kernel's slot for its key at the end.
struct FileAccess {
  std::string path;
  std::vector<Access> kinds;
  Outcome outcome;
  std::string type;
};

struct MunmapDeleter {
  size_t len;
  void operator()(void* p) const {
    if (p != nullptr) ::munmap(p, len);
  }
};

// Every (key, count) of a seen-map (a hash map of u64 counts): in batches of
// thousands per syscall where the kernel has BPF_MAP_LOOKUP_BATCH (5.6+), else
// one get_next_key + lookup per entry. A run with 10,000 new files leaves
// ~30,000 keys, all read after the workload ended, so this is on the wall clock.
template <typename Key>
std::vector<std::pair<Key, uint64_t>> read_counts_of(int fd) {
  constexpr uint32_t kBatch = 4096;
  std::vector<std::pair<Key, uint64_t>> out;
  out.reserve(kBatch);
  std::vector<Key> keys(kBatch);
  std::vector<uint64_t> values(kBatch);
  uint32_t in_batch = 0, out_batch = 0;
  for (bool first = true;; first = false) {
    uint32_t count = kBatch;
    int err =
        bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch, keys.data(), values.data(), &count, nullptr);
    int e = err != 0 ? errno : 0;
    if (err != 0 && e != ENOENT) break;  // no batch support, or a bucket larger than a batch
    for (uint32_t i = 0; i < count; ++i) out.emplace_back(keys[i], values[i]);
    if (e == ENOENT) return out;
    in_batch = out_batch;
  }
  out.clear();
  Key key{}, next{};
  uint64_t value = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    key = next;
    prev = &key;
    if (bpf_map_lookup_elem(fd, &key, &value) == 0) out.emplace_back(key, value);
  }
  return out;
}

// A pidfd polls readable once its process has exited, child or not (kernels
// without pidfds: kill(pid, 0) is polled, which a recycled pid can fool).
bool pidfd_ended(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

class EbpfTracer final : public Tracer {
 public:
  explicit EbpfTracer(std::unique_ptr<learn_bpf, SkelDeleter> skel) : skel_(std::move(skel)) {
    ncpus_ = libbpf_num_possible_cpus();
  }

  [[nodiscard]] std::string name() const override { return "ebpf"; }

  Status prepare(const TracerOptions& options) override {
    options_ = options;
    if (options_.args == nullptr) options_.args = &builtin_arg_policy();
    int fd = bpf_map__fd(skel_->maps.specs);
    auto specs = ebpf::build_specs(*options_.args);
    std::vector<uint32_t> keys;
    std::vector<pl_sys_spec> values;
    for (const auto& e : specs) {
      keys.push_back(e.index);
      values.push_back(e.spec);
    }
    // One call for all of them (a call each cost ~2 ms of every start).
    uint32_t n = static_cast<uint32_t>(keys.size());
    if (n != 0 && bpf_map_update_batch(fd, keys.data(), values.data(), &n, nullptr) == 0 && n == keys.size()) return {};
    for (const auto& e : specs) {  // kernels without batch operations on arrays
      if (bpf_map_update_elem(fd, &e.index, &e.spec, BPF_ANY) != 0)
        return Errno().error("bpf_map_update_elem(specs, " + std::to_string(e.index) + ")");
    }
    return {};
  }

  Status attach_from_parent(const TraceTarget& target) override {
    target_ = target;
    if (target.root_dir.empty())
      resolver_.set_root(target.top_pid);
    else
      resolver_.set_root_dir(target.root_dir);
    // Scope: the container's cgroup when it has one; else its pid namespace;
    // the top pid is armed in every mode (it is the workload with --no-container).
    skel_->bss->target_cgroup = target.cgroup_id;
    skel_->data->ringbuf_wake_bytes = kRingBufferBytes / 4;
    if (target.container && target.cgroup_id == 0) {
      skel_->bss->pidns_dev = target.pidns_dev;
      skel_->bss->pidns_ino = target.pidns_inode;
    }
    uint32_t top = static_cast<uint32_t>(target.top_pid);
    uint8_t one = 1;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.armed), &top, &one, BPF_ANY) != 0)
      return Errno().error("bpf_map_update_elem(armed, " + std::to_string(top) + ")");
    if (int err = learn_bpf__attach(skel_.get()); err != 0)
      return sys_error("attach the BPF programs (" + last_libbpf_message() + ")", -err);
    rb_.reset(ring_buffer__new(bpf_map__fd(skel_->maps.events), &EbpfTracer::on_event, this, nullptr));
    if (!rb_) return Errno().error("ring_buffer__new");
    return {};
  }

  int before_exec_in_child() noexcept override { return 0; }

  Result<int> wait_from_parent() override {
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, target_.top_pid, 0)));
    Fd ep(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep) return Errno().error("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = 1;
    if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, ring_buffer__epoll_fd(rb_.get()), &ev) != 0)
      return Errno().error("epoll_ctl(ring buffer)");
    if (pidfd) {
      ev.data.u32 = 2;
      if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, pidfd.get(), &ev) != 0) return Errno().error("epoll_ctl(pidfd)");
    }
    // Without a pidfd (kernels before 5.3) waitpid is polled at the same interval.
    // The kernel side wakes us only when the ring buffer fills up (a quarter
    // of it); otherwise events wait for this poll interval.
    int timeout_ms = 20;
    int status = 0;
    unsigned polls = 0;
    for (;;) {
      epoll_event got[2];
      int n = ::epoll_wait(ep.get(), got, 2, timeout_ms);
      if (n < 0 && errno != EINTR) return Errno().error("epoll_wait");
      if (int c = ring_buffer__consume(rb_.get()); c < 0) return sys_error("ring_buffer__consume", -c);
      pid_t r = ::waitpid(target_.top_pid, &status, WNOHANG | __WALL);
      if (r == target_.top_pid) break;
      // Not our child (the OCI hook's recorder watches the runtime's init): its
      // pidfd says when it is gone, and its wait status is not ours to read.
      if (r < 0 && errno == ECHILD && (pidfd ? pidfd_ended(pidfd.get()) : ::kill(target_.top_pid, 0) != 0)) {
        status = 0;
        break;
      }
      if (r < 0 && errno != EINTR && errno != ECHILD)
        return Errno().error("waitpid(" + std::to_string(target_.top_pid) + ")");
      if (++polls % 10 == 0) update_counters();  // the status line needs no more than 5 Hz
    }
    // In container mode the pid namespace died with its first process, so every
    // traced process is gone: what is in the ring buffer now is all there is.
    if (int c = ring_buffer__consume(rb_.get()); c < 0) return sys_error("ring_buffer__consume", -c);
    learn_bpf__detach(skel_.get());
    if (int c = ring_buffer__consume(rb_.get()); c < 0) return sys_error("ring_buffer__consume", -c);
    update_counters();
    return status;
  }

  Recording take_recording() override {
    Recording rec = std::move(rec_);
    rec_ = Recording{};
    read_syscalls(rec);
    read_args(rec);
    read_network(rec);
    read_files(rec);
    uint64_t truncated = stat_sum(PL_STAT_TRUNCATED);
    if (truncated != 0)
      log::warn("the eBPF tracer cut " + std::to_string(truncated) +
                " path(s) longer than PATH_MAX or deeper than its directory walk");
    lost_ = stat_sum(PL_STAT_LOST) + user_lost_;
    return rec;
  }

  [[nodiscard]] uint64_t lost_events() const override { return stat_sum(PL_STAT_LOST) + user_lost_; }

 private:
  static int on_event(void* ctx, void* data, size_t size) {
    static_cast<EbpfTracer*>(ctx)->handle_event(data, size);
    return 0;
  }

  void handle_event(const void* data, size_t size) {
    if (size < sizeof(pl_event)) {
      ++user_lost_;
      return;
    }
    pl_event ev{};
    std::memcpy(&ev, data, sizeof ev);
    const char* tail = static_cast<const char*>(data) + sizeof ev;
    if (sizeof ev + ev.base_len + ev.path_len > size) {
      ++user_lost_;
      return;
    }
    std::string base(tail, ev.base_len);
    std::string arg(tail + ev.base_len, ev.path_len);
    if (ev.type == PL_EV_EXEC) {
      // bprm->filename is the path as given (made absolute against the cwd in
      // the kernel); execve follows symlinks, so the binary is its target.
      Resolved r = resolver_.resolve(ebpf::absolute_path(base, arg), true);
      rec_.add_exec(r.path);
      rec_.add_file(r.path, Access::Exec, kOk, r.exists ? r.type : "file");
      return;
    }
    const pl_file_key& key = ev.key;
    std::string syscall = name_of(key.arch, key.nr);
    if (!ebpf::names_a_file(syscall, key.flags, arg.empty(), key.null_path != 0)) return;
    bool failed = key.err < 0;
    // The kernel side resolves at sys_exit: after a successful chdir the cwd
    // it walked is already the new directory, which is the path itself.
    if (!failed && syscall == "chdir" && !base.empty()) arg.clear();
    bool follow = ebpf::follows(syscall, key.slot, key.flags);
    Resolved r = resolver_.resolve(ebpf::absolute_path(base, arg), follow, ev.mode);
    // Whether the file was there before the call: a successful open says so
    // itself (FMODE_CREATED); after a failed one, it is whether it is there now.
    bool existed = r.exists;
    if (ebpf::creates(syscall, key.flags) && !failed) existed = key.created == 0;
    FileAccess fa;
    fa.path = r.path;
    fa.kinds = ebpf::access_kinds(syscall, key.slot, key.flags, existed);
    fa.outcome = ebpf::outcome_of(key.err);
    fa.type = r.type;
    if (!failed && fa.type.empty()) fa.type = ebpf::created_type(syscall, key.flags);
    // Recorded now, while the workload runs (this thread has a core of its own
    // then; after the workload ends it is on the wall clock).
    for (Access a : fa.kinds) rec_.add_file(fa.path, a, fa.outcome, fa.type);
    if (ev.counted != 0 || ev.id >= PL_MAX_FILE_KEYS) return;
    pending_files_[ev.id] = std::move(fa);
  }

  // libseccomp resolves a number to its name by scanning its table and returns
  // a fresh string: once per (arch, number) rather than once per event.
  std::string name_of(uint32_t arch, uint32_t nr) {
    if (arch >= PL_NARCH || nr >= PL_MAX_NR) return syscall_name(arch_name(arch), seccomp_nr(arch, nr));
    std::string& n = names_[arch * PL_MAX_NR + nr];
    if (n.empty()) n = syscall_name(arch_name(arch), seccomp_nr(arch, nr));
    return n;
  }

  uint64_t percpu_sum(int fd, const void* key) const {
    std::vector<uint64_t> values(static_cast<size_t>(ncpus_ > 0 ? ncpus_ : 1));
    if (bpf_map_lookup_elem(fd, key, values.data()) != 0) return 0;
    uint64_t sum = 0;
    for (uint64_t v : values) sum += v;
    return sum;
  }

  [[nodiscard]] uint64_t stat_sum(uint32_t which) const { return percpu_sum(bpf_map__fd(skel_->maps.stats), &which); }

  // The per-CPU syscall counters summed over CPUs: one batch lookup (one
  // syscall for the whole array) where the kernel has it, else one per entry.
  [[nodiscard]] std::vector<uint64_t> read_counts() const {
    constexpr uint32_t kEntries = PL_NARCH * PL_MAX_NR;
    const size_t ncpus = static_cast<size_t>(ncpus_ > 0 ? ncpus_ : 1);
    std::vector<uint64_t> sums(kEntries, 0);
    std::vector<pl_counts> values(ncpus);
    uint32_t zero = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counts), &zero, values.data()) != 0) return sums;
    for (const pl_counts& v : values)
      for (uint32_t i = 0; i < kEntries; ++i) sums[i] += v.n[i];
    return sums;
  }

  void update_counters() {
    if (options_.counters == nullptr) return;
    uint64_t total = 0, distinct = 0;
    for (uint64_t c : read_counts()) {
      total += c;
      distinct += c != 0 ? 1 : 0;
    }
    options_.counters->syscalls.store(total, std::memory_order_relaxed);
    options_.counters->distinct_syscalls.store(distinct, std::memory_order_relaxed);
    options_.counters->files.store(rec_.files.size(), std::memory_order_relaxed);
  }

  void read_syscalls(Recording& rec) const {
    auto counts = read_counts();
    for (uint32_t i = 0; i < PL_NARCH * PL_MAX_NR; ++i) {
      uint64_t c = counts[i];
      if (c == 0) continue;
      uint32_t arch = i / PL_MAX_NR;
      rec.add_syscall(arch_name(arch), syscall_name(arch_name(arch), seccomp_nr(arch, i % PL_MAX_NR)), c);
    }
    int ofd = bpf_map__fd(skel_->maps.counts_other);
    uint64_t key = 0, next = 0, count = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(ofd, prev, &next) == 0) {
      key = next;
      prev = &key;
      if (bpf_map_lookup_elem(ofd, &key, &count) != 0) continue;
      uint32_t arch = static_cast<uint32_t>(key >> 32);
      uint64_t nr = key & 0xffffffffULL;
      // The kernel passes -1 and other out-of-range numbers through as given;
      // they are recorded by number like any syscall libseccomp cannot name.
      rec.add_syscall(arch_name(arch), std::to_string(seccomp_nr(arch, nr)), count);
    }
  }

  void read_args(Recording& rec) const {
    for (const auto& [key, count] : read_counts_of<pl_args_key>(bpf_map__fd(skel_->maps.args_seen))) {
      std::string arch = arch_name(key.arch);
      std::string syscall = syscall_name(arch, seccomp_nr(key.arch, key.nr));
      auto layout = ebpf::arg_layout(*options_.args, syscall);
      if (!layout) continue;
      ArgValues& values = rec.args[arch][syscall];
      values.indices = layout->indices;
      values.masks = layout->masks;
      values.tuples.insert(std::vector<uint64_t>(key.v, key.v + layout->indices.size()));
    }
  }

  void read_network(Recording& rec) {
    for (const auto& [key, count] : read_counts_of<pl_net_key>(bpf_map__fd(skel_->maps.net_seen))) {
      std::string syscall = syscall_name(arch_name(key.arch), seccomp_nr(key.arch, key.nr));
      auto ep = ebpf::endpoint_of(key, syscall);
      if (!ep) continue;
      rec.add_endpoint(*ep, count);
      // A unix socket path is a file: bind creates it, connect and sendto write
      // to it. (Relative socket paths are not made absolute: the key has no cwd.)
      if (ep->family == "AF_UNIX" && !ep->path.empty() && ep->path[0] == '/' &&
          (ep->op == "bind" || ep->op == "connect" || ep->op == "sendto")) {
        bool bind = ep->op == "bind";
        Resolved r = resolver_.resolve(ebpf::absolute_path("", ep->path), !bind);
        std::string type = r.exists ? r.type : (ep->result == kOk ? "sock" : "");
        rec.add_file(r.path, bind ? Access::Create : Access::Write, ep->result, type, count);
      }
    }
  }

  void read_files(Recording& rec) {
    // Each key's first sighting was recorded with its event; only the keys
    // seen again add to the counts, read from the slot the event named. A
    // slot without a decoded event is one whose event was lost (counted in
    // stats[PL_STAT_LOST]) or whose path named no file.
    if (pending_files_.empty()) return;
    const size_t len = size_t{PL_MAX_FILE_KEYS} * sizeof(pl_file_slot);
    int fd = bpf_map__fd(skel_->maps.file_slots);
    // Mapping the table maps all of its pages (~1.5 ms); a few thousand keys
    // are read sooner one lookup each.
    void* mem = pending_files_.size() < 2048 ? MAP_FAILED : ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
    std::unique_ptr<void, MunmapDeleter> mapping(mem == MAP_FAILED ? nullptr : mem, MunmapDeleter{len});
    const auto* slots = static_cast<const pl_file_slot*>(mapping.get());
    for (const auto& [id, fa] : pending_files_) {
      pl_file_slot slot{};
      if (slots != nullptr)
        slot.count = slots[id].count;
      else if (bpf_map_lookup_elem(fd, &id, &slot) != 0)  // one lookup per key
        continue;
      if (slot.count <= 1) continue;
      for (Access a : fa.kinds) rec.add_file(fa.path, a, fa.outcome, fa.type, slot.count - 1);
    }
    pending_files_.clear();
  }

  std::unique_ptr<learn_bpf, SkelDeleter> skel_;
  std::unique_ptr<ring_buffer, RingBufferDeleter> rb_;
  TracerOptions options_;
  TraceTarget target_;
  int ncpus_ = 1;
  Recording rec_;
  std::unordered_map<uint32_t, FileAccess> pending_files_;  // by the slot of its key
  ebpf::PathResolver resolver_;
  std::vector<std::string> names_ = std::vector<std::string>(size_t{PL_NARCH} * PL_MAX_NR);
  uint64_t user_lost_ = 0;
  uint64_t lost_ = 0;
};

}  // namespace

// The skeleton opened and sized; `btf_path` (may be empty) is the kernel BTF
// its CO-RE relocations use instead of /sys/kernel/btf/vmlinux.
Result<std::unique_ptr<learn_bpf, SkelDeleter>> open_learn_bpf(const std::string& btf_path) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path.empty() ? nullptr : btf_path.c_str());
  std::unique_ptr<learn_bpf, SkelDeleter> skel(learn_bpf__open_opts(&opts));
  if (!skel) return Errno().error("open the eBPF tracer's BPF object");
  if (int err = bpf_map__set_max_entries(skel->maps.events, kRingBufferBytes); err != 0)
    return sys_error("size the BPF ring buffer", -err);
  // --verbose: the verifier's statistics per program (its time and the
  // instructions it processed), a large part of the tracer's start-up.
  if (log::level() == log::Level::Debug) {
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj) bpf_program__set_log_level(prog, 4);
  }
  return skel;
}

Result<std::unique_ptr<Tracer>> make_ebpf_tracer() {
  libbpf_set_print(libbpf_print);
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return make_error(
        "this kernel exposes no BTF type information (/sys/kernel/btf/vmlinux), which the eBPF tracer needs");
  // The kernel's structs the programs read, as a few KB of BTF from the
  // per-user cache (built on the first run on this kernel) instead of libbpf
  // parsing all of /sys/kernel/btf/vmlinux: ~40 ms of every start-up.
  // (Not for a process that cannot load BPF at all: it would only fill a cache.)
  bool built = false;
  const bool permitted = may_load_bpf();
  Fd subset = permitted ? ebpf::kernel_btf_subset(nullptr) : Fd();
  if (!subset && permitted) {
    std::unique_ptr<learn_bpf, SkelDeleter> probe(learn_bpf__open());
    if (probe) subset = ebpf::kernel_btf_subset(bpf_object__btf(probe->obj), &built);
  }
  std::string subset_path = subset ? "/proc/self/fd/" + std::to_string(subset.get()) : "";
  auto opened = open_learn_bpf(subset_path);
  if (!opened) return opened.error();
  std::unique_ptr<learn_bpf, SkelDeleter> skel = std::move(*opened);
  int err = learn_bpf__load(skel.get());
  if (err != 0 && !subset_path.empty()) {
    // Never trade the tracer for the shortcut: relocate against the full BTF.
    log::debug("eBPF tracer: loading with the cached kernel BTF subset failed (" + errno_name(-err) +
               "); retrying with the full kernel BTF");
    opened = open_learn_bpf("");
    if (!opened) return opened.error();
    skel = std::move(*opened);
    err = learn_bpf__load(skel.get());
  } else if (err == 0 && !subset_path.empty()) {
    log::debug(std::string("eBPF tracer: relocated against the kernel BTF subset ") +
               (built ? "built now and cached" : "from the cache"));
  }
  if (err != 0) {
    int e = -err;
    if ((e == EPERM || e == EACCES) && !permitted) {
      if (locked_down_confidentiality())
        return make_error("the kernel is locked down (lockdown=confidentiality), which forbids the eBPF tracer");
      return make_error("the kernel refused to load BPF programs (" + errno_name(e) +
                        "): the eBPF tracer needs root, or CAP_BPF with CAP_PERFMON, in the initial user namespace");
    }
    if (locked_down_confidentiality())
      return make_error("the kernel is locked down (lockdown=confidentiality), which forbids the eBPF tracer");
    return make_error("the kernel's BPF verifier rejected the eBPF tracer's programs (" + errno_name(e) +
                      "); run with --verbose for libbpf's log");
  }
  return std::unique_ptr<Tracer>(std::make_unique<EbpfTracer>(std::move(skel)));
}

}  // namespace profile
