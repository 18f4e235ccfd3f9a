#include "enforce/selinux_exec.h"

#include <fcntl.h>
#include <selinux/context.h>
#include <selinux/selinux.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace profile {

namespace {

// Said once per process however many workloads a command starts.
std::string once(const std::string& notice) {
  static std::atomic<bool> said{false};
  if (said.exchange(true)) return "";
  return notice;
}

}  // namespace

Result<SelinuxExecPlan> prepare_selinux_exec_from_parent(const std::string& name, const std::string& module,
                                                         bool required) {
  SelinuxExecPlan plan;
  if (module.empty() && !required) return plan;
  const std::string type = name + "_t";
  if (::is_selinux_enabled() <= 0) {
    if (required)
      return make_error(
          "the profile requires SELinux (selinux_required = true) but SELinux is not active on this "
          "machine: refusing to run the workload less confined than asked");
    plan.notice =
        once("SELinux is not active on this machine: the module " + module + " is not enforced (everything else is)");
    return plan;
  }
  char* con = nullptr;
  if (::getcon(&con) != 0) return Errno().error("getcon");
  context_t ctx = ::context_new(con);
  ::freecon(con);
  if (ctx == nullptr) return Errno().error("context_new");
  if (::context_type_set(ctx, type.c_str()) != 0) {
    ::context_free(ctx);
    return Errno().error("context_type_set(" + type + ")");
  }
  // context_str returns NULL when it cannot build the string (out of memory):
  // fail closed rather than build a std::string from NULL.
  const char* str = ::context_str(ctx);
  if (str == nullptr) {
    int err = errno;
    ::context_free(ctx);
    return sys_error("context_str (the SELinux context of type " + type + ")", err != 0 ? err : ENOMEM);
  }
  std::string wanted = str;
  ::context_free(ctx);
  // The loaded policy rejects a context whose type it does not know: that is how we
  // tell that the module is not installed, before the exec would fail with EINVAL.
  if (::security_check_context(wanted.c_str()) != 0) {
    const std::string why = "the SELinux module of this profile is not installed (the policy has no domain " + type +
                            "; run 'profile selinux-install DIR')";
    if (required) return make_error(why + ": refusing to run the workload less confined than asked");
    plan.notice = once(why + ": not enforced (everything else is)");
    return plan;
  }
  plan.context = std::move(wanted);
  return plan;
}

int apply_selinux_exec_in_child(const char* context, const char** step) noexcept {
  if (context == nullptr || *context == '\0') return 0;
  *step = "write(\"/proc/thread-self/attr/exec\") (setexeccon)";
  int fd = ::open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const size_t len = std::strlen(context);
  const int err = ::write(fd, context, len) == static_cast<ssize_t>(len) ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace profile
