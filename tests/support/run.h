// Running a command from a test and capturing what it did.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace profile::testing {

struct RunResult {
  int status = -1;  // exit code, or 128+signal
  std::string out;
  std::string err;
};

// Runs argv (argv[0] is a path or looked up in PATH) with optional extra
// environment entries, stdin from /dev/null, and captures stdout and stderr.
inline RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {}) {
  RunResult r;
  char out_tpl[] = "/tmp/profile-test-out-XXXXXX";
  char err_tpl[] = "/tmp/profile-test-err-XXXXXX";
  int out_fd = ::mkstemp(out_tpl);
  int err_fd = ::mkstemp(err_tpl);
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    for (const auto& e : extra_env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  auto slurp = [](int fd) {
    std::string s;
    char buf[8192];
    ::lseek(fd, 0, SEEK_SET);
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return s;
  };
  r.out = slurp(out_fd);
  r.err = slurp(err_fd);
  ::unlink(out_tpl);
  ::unlink(err_tpl);
  return r;
}

// A fresh temporary directory removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    char tpl[] = "/tmp/profile-test-XXXXXX";
    path_ = ::mkdtemp(tpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace profile::testing
