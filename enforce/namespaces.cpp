#include "enforce/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.h"

namespace profile {
namespace {

Status write_proc(pid_t pid, const char* file, const std::string& value) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Errno().error("open(\"" + path + "\", O_WRONLY)");
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return Errno().error("write(\"" + path + "\", \"" + value.substr(0, value.size() - 1) + "\")");
  }
  return {};
}

}  // namespace

unsigned long NamespacePlan::clone_flags() const {
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (user) flags |= CLONE_NEWUSER;
  if (net) flags |= CLONE_NEWNET;
  return flags;
}

std::string NamespacePlan::names() const {
  std::string out = user ? "user,pid,mount,uts,ipc" : "pid,mount,uts,ipc";
  if (net) out += ",net";
  return out;
}

NamespacePlan plan_namespaces(const LaunchSpec& spec) {
  NamespacePlan plan;
  switch (spec.user_ns) {
    case UserNsMode::Auto:
      plan.user = ::geteuid() != 0;
      break;
    case UserNsMode::Always:
      plan.user = true;
      break;
    case UserNsMode::Never:
      plan.user = false;
      break;
  }
  plan.net = spec.net != NetMode::Host;
  return plan;
}

Status write_id_maps_from_parent(pid_t pid) {
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  if (uid == 0) {
    // Root may map the whole range identically: ids inside mean what they mean outside.
    if (auto st = write_proc(pid, "uid_map", "0 0 4294967295\n"); !st) return st;
    return write_proc(pid, "gid_map", "0 0 4294967295\n");
  }
  // An unprivileged writer may map only its own ids, and gid_map only after
  // setgroups is denied (else it could drop supplementary groups it is denied by).
  if (auto st = write_proc(pid, "setgroups", "deny\n"); !st) return st;
  if (auto st = write_proc(pid, "gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1\n"); !st) return st;
  return write_proc(pid, "uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1\n");
}

Result<std::pair<uint64_t, uint64_t>> namespace_id(pid_t pid, const char* name) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Errno().error("stat(\"" + path + "\")");
  return std::make_pair(static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_dev));
}

int bring_up_loopback() noexcept {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  struct ifreq ifr {};
  std::memcpy(ifr.ifr_name, "lo", 3);
  int err = 0;
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    err = errno;
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) err = errno;
  }
  ::close(fd);
  return err;
}

}  // namespace profile
