#include "enforce/denials.h"

#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/syscalls.h"

namespace profile {
namespace {

// Calls whose first argument is the fd they act on.
bool acts_on_fd(const std::string& s) {
  static const std::set<std::string> kFdCalls = {
      "read",      "write",      "pread64",      "pwrite64",    "readv",       "writev",     "preadv",     "pwritev",
      "preadv2",   "pwritev2",   "close",        "fstat",       "fstatfs",     "fsync",      "fdatasync",  "ftruncate",
      "fchmod",    "fchown",     "fchdir",       "flock",       "getdents64",  "getdents",   "lseek",      "sendto",
      "recvfrom",  "sendmsg",    "recvmsg",      "sendmmsg",    "recvmmsg",    "connect",    "bind",       "listen",
      "accept",    "accept4",    "shutdown",     "getsockname", "getpeername", "setsockopt", "getsockopt", "dup",
      "dup2",      "dup3",       "fallocate",    "fadvise64",   "sendfile",    "splice",     "tee",        "fgetxattr",
      "fsetxattr", "flistxattr", "fremovexattr", "syncfs",      "epoll_ctl",   "ioctl",      "fcntl"};
  return kFdCalls.count(s) != 0;
}

std::string family_name(uint64_t family) {
  switch (family) {
    case AF_UNIX:
      return "AF_UNIX";
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    case AF_BLUETOOTH:
      return "AF_BLUETOOTH";
    case AF_ALG:
      return "AF_ALG";
    case AF_VSOCK:
      return "AF_VSOCK";
    case AF_KEY:
      return "AF_KEY";
    default:
      return "family " + std::to_string(family);
  }
}

std::string signal_name(uint64_t sig) {
  if (sig == 0) return "signal 0";
  const char* abbrev = sig < 65 ? ::sigabbrev_np(static_cast<int>(sig)) : nullptr;
  if (abbrev != nullptr) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(sig);
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string denial_detail(const std::string& s, const uint64_t args[6]) {
  if (s == "socket" || s == "socketpair") return family_name(args[0]);
  if (s == "kill" || s == "tkill") return signal_name(args[1]);
  if (s == "tgkill") return signal_name(args[2]);
  if (s == "prctl") return "option " + std::to_string(args[0]);
  if (s == "personality") return hex(args[0]);
  // Only the low 32 bits of these are an int.
  auto fd = [&] { return "fd " + std::to_string(static_cast<int32_t>(args[0])); };
  if (s == "ioctl") return fd() + ", " + hex(args[1] & 0xffffffffULL);
  if (s == "fcntl") return fd() + ", cmd " + std::to_string(static_cast<int32_t>(args[1]));
  if (acts_on_fd(s)) return fd();
  return "";
}

bool DenialTally::contains(const Denial& d) const {
  return index_.count(std::make_tuple(d.mechanism, d.arch, d.syscall, d.detail)) != 0;
}

bool DenialTally::add(const Denial& d) {
  auto key = std::make_tuple(d.mechanism, d.arch, d.syscall, d.detail);
  auto [it, fresh] = index_.emplace(key, list_.size());
  if (fresh) {
    list_.push_back(d);
    if (list_.back().count == 0) list_.back().count = 1;
  } else {
    list_[it->second].count += d.count == 0 ? 1 : d.count;
  }
  return fresh;
}

std::string denial_line(const Denial& d) {
  std::string out = d.count > 1 ? "denied " + std::to_string(d.count) + "x: " : "denied: ";
  out += d.syscall + "(" + d.detail + ")";
  if (d.arch != native_arch() && !d.arch.empty()) out += " [" + d.arch + "]";
  if (d.first_pid > 0) {
    out += d.count > 1 ? ", first by pid " : ", by pid ";
    out += std::to_string(d.first_pid);
    if (!d.first_comm.empty()) out += " (" + d.first_comm + ")";
  }
  out += " \u2014 " + d.mechanism + ": ";
  if (d.args_restricted)
    out += d.syscall + " is in the profile only with the arguments seen while learning";
  else
    out += d.syscall + " is not in the profile" + (d.arch != native_arch() && !d.arch.empty() ? " for " + d.arch : "");
  if (d.error != 0) out += " (" + errno_name(d.error) + ")";
  return out;
}

std::string unexpected_signal_line(int signal, bool seccomp_kills, bool had_denials) {
  if (signal == SIGSYS)
    return std::string("the workload was killed by SIGSYS: ") +
           (seccomp_kills ? "the seccomp profile kills a process that makes a call outside it"
                          : "a seccomp rule of the profile kills on that call") +
           "; the call is not named here (the kernel kills before anyone can ask)";
  if ((signal == SIGSEGV || signal == SIGABRT) && had_denials)
    return "the workload was killed by " + signal_name(static_cast<uint64_t>(signal)) +
           " after denied calls: a program that cannot handle the error (abort() whose raise was denied ends "
           "in SIGSEGV) likely died of a denial above";
  return "";
}

Result<Fd> receive_seccomp_listener(int socket) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return Errno().error("recvmsg(the seccomp listener from the supervisor)");
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) continue;
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return Fd(fd);
  }
  if (n == 0) return Fd();
  return make_error("the supervisor sent no seccomp listener");
}

Result<std::unique_ptr<DenialMonitor>> DenialMonitor::start(Fd listener_socket, Options options) {
  if (!listener_socket) return make_error("no socket for the seccomp listener");
  Fd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop) return Errno().error("eventfd");
  std::unique_ptr<DenialMonitor> m(new DenialMonitor(std::move(listener_socket), std::move(stop), std::move(options)));
  m->thread_ = std::thread([raw = m.get()] { raw->run(); });
  return m;
}

DenialMonitor::DenialMonitor(Fd socket, Fd stop, Options options)
    : socket_(std::move(socket)), stop_(std::move(stop)), options_(std::move(options)) {}

DenialMonitor::~DenialMonitor() {
  (void)stop();
}

std::vector<Denial> DenialMonitor::stop() {
  if (!stopped_) {
    stopped_ = true;
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    if (thread_.joinable()) thread_.join();
  }
  return tally_.denials();
}

std::string DenialMonitor::error() const {
  return error_;
}

namespace {

struct NotifFree {
  void operator()(seccomp_notif* p) const { seccomp_notify_free(p, nullptr); }
};
struct RespFree {
  void operator()(seccomp_notif_resp* p) const { seccomp_notify_free(nullptr, p); }
};

std::string comm_of(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!text) return "";
  std::string s = *text;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

void DenialMonitor::run() {
  // Until the workload has exec'd, its listener is on its way from the supervisor.
  pollfd first[2] = {{socket_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
  while (true) {
    if (::poll(first, 2, -1) < 0) {
      if (errno == EINTR) continue;
      error_ = Errno().error("poll").message;
      return;
    }
    // The listener first: a workload that ended at once still had one.
    if (first[0].revents != 0) break;
    if (first[1].revents != 0) return;
  }
  auto got = receive_seccomp_listener(socket_.get());
  socket_.reset();
  if (!got) {
    error_ = got.error().message;
    return;
  }
  Fd listener = std::move(got).value();
  if (!listener) return;  // the workload made no listener (it failed before its filter)
  had_listener_ = true;

  seccomp_notif* req_raw = nullptr;
  seccomp_notif_resp* resp_raw = nullptr;
  if (int rc = seccomp_notify_alloc(&req_raw, &resp_raw); rc != 0) {
    // Without an answer, every denied call would wait forever: answer nothing
    // and let the listener go, so that they fail (ENOSYS) rather than hang.
    error_ = sys_error("seccomp_notify_alloc", -rc).message;
    return;
  }
  std::unique_ptr<seccomp_notif, NotifFree> req(req_raw);
  std::unique_ptr<seccomp_notif_resp, RespFree> resp(resp_raw);
  pollfd fds[2] = {{listener.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      error_ = Errno().error("poll(the seccomp listener)").message;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) {
      // POLLHUP: every process under the filter is gone; wait for stop().
      if (fds[0].revents != 0) fds[0].fd = -1;
      continue;
    }
    // seccomp_notify_receive wants a zeroed request (the kernel checks).
    std::memset(req.get(), 0, sizeof *req);
    if (int rc = seccomp_notify_receive(listener.get(), req.get()); rc != 0) {
      if (rc == -ENOENT || rc == -EINTR) continue;  // the caller died, or a signal
      error_ = sys_error("seccomp_notify_receive", -rc).message;
      return;
    }
    Denial d;
    d.mechanism = "seccomp";
    d.arch = arch_from_audit(req->data.arch, req->data.nr);
    d.syscall = d.arch.empty() ? std::to_string(req->data.nr) : syscall_name(d.arch, req->data.nr);
    uint64_t args[6];
    for (int i = 0; i < 6; ++i) args[i] = req->data.args[i];
    d.detail = denial_detail(d.syscall, args);
    d.error = options_.answer_errno;
    d.args_restricted = options_.allowed_with_args.count(d.syscall) != 0;
    d.count = 1;
    d.first_pid = static_cast<pid_t>(req->pid);
    // The caller waits for our answer, so its pid still names it: its comm is
    // read now (only for a new kind of denial), and kept only if the
    // notification is still pending afterwards (the pid was not reused).
    if (!tally_.contains(d)) {
      d.first_comm = comm_of(d.first_pid);
      if (seccomp_notify_id_valid(listener.get(), req->id) != 0) d.first_comm.clear();
    }
    resp->id = req->id;
    resp->val = 0;
    resp->error = -options_.answer_errno;
    resp->flags = 0;
    if (int rc = seccomp_notify_respond(listener.get(), resp.get()); rc != 0 && rc != -ENOENT) {
      error_ = sys_error("seccomp_notify_respond", -rc).message;
      return;
    }
    if (tally_.add(d) && options_.live) log::info(denial_line(d));
  }
}

}  // namespace profile
