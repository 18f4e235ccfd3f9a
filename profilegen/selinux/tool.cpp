#include "profilegen/selinux/tool.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.h"

namespace profile {
namespace {

std::string tail_lines(const std::string& text, size_t n) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t i = 0; i < n && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  return text.substr(pos == std::string::npos ? 0 : pos + 1);
}

}  // namespace

Result<std::string> run_selinux_tool(const std::vector<std::string>& argv, const std::string& cwd) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  // Output goes to an unlinked temp file: no pipe to drain, however much the tool prints.
  char templ[] = "/tmp/profile-tool-out-XXXXXX";
  Fd out(::mkostemp(templ, O_CLOEXEC));
  if (!out) return Errno().error("mkostemp(\"/tmp/profile-tool-out-XXXXXX\")");
  ::unlink(templ);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Errno().error("fork for " + argv[0]);
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (::dup2(out.get(), 1) < 0 || ::dup2(out.get(), 2) < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Errno().error("waitpid(" + std::to_string(pid) + ")");
  }
  std::string text;
  ::lseek(out.get(), 0, SEEK_SET);
  char buf[8192];
  ssize_t n;
  while ((n = ::read(out.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && text.empty())
    return make_error(argv[0] + " could not be run: is it installed? (scripts/install-deps.sh installs it)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status));
    return make_error(cmd + " failed (" + how + "):\n" + tail_lines(text, 12));
  }
  return text;
}

}  // namespace profile
