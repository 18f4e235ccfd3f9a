// Runs a command under the ptrace tracer without the container launcher: fork,
// pause the child on a pipe, attach, release, wait. This is what learn() does in
// --no-container mode, minus the launcher, so tracer tests do not depend on it.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/policy.h"
#include "common/recording.h"
#include "tracer/ptrace/ptrace_tracer.h"

namespace profile::testing {

struct Traced {
  Recording rec;
  int status = -1;  // raw wait status of the command
  uint64_t lost = 0;
  uint64_t live_syscalls = 0;
};

inline std::string prog(const std::string& name) {
  return std::string(PROFILE_PROGS_DIR) + "/" + name;
}

// With `quiet`, the command's stdout goes to /dev/null.
inline Traced trace_command(const std::vector<std::string>& argv, const std::string& cwd = "", bool quiet = false) {
  Traced out;
  ptrace::PtraceTracer tracer;
  LiveCounters counters;
  TracerOptions options;
  options.args = &builtin_arg_policy();
  options.counters = &counters;
  EXPECT_TRUE(tracer.prepare(options).ok());
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2";
    return out;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[1]);
    char c;
    if (::read(pipefd[0], &c, 1) != 1) ::_exit(121);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(122);
    if (quiet) {
      int null = ::open("/dev/null", O_WRONLY);
      if (null < 0 || ::dup2(null, 1) < 0) ::_exit(123);
    }
    if (tracer.before_exec_in_child() != 0) ::_exit(120);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(pipefd[0]);
  TraceTarget target;
  target.top_pid = pid;
  target.container = false;
  auto attached = tracer.attach_from_parent(target);
  EXPECT_TRUE(attached.ok()) << attached.error().message;
  (void)!::write(pipefd[1], "x", 1);
  ::close(pipefd[1]);
  auto status = tracer.wait_from_parent();
  EXPECT_TRUE(status.ok()) << status.error().message;
  if (status.ok()) out.status = *status;
  out.rec = tracer.take_recording();
  out.lost = tracer.lost_events();
  out.live_syscalls = counters.syscalls.load();
  return out;
}

inline uint64_t syscall_count(const Recording& rec, const std::string& arch, const std::string& name) {
  auto a = rec.syscalls.find(arch);
  if (a == rec.syscalls.end()) return 0;
  auto n = a->second.find(name);
  return n == a->second.end() ? 0 : n->second;
}

inline uint64_t file_count(const Recording& rec, const std::string& path, Access kind, const Outcome& outcome) {
  auto f = rec.files.find(path);
  if (f == rec.files.end()) return 0;
  auto k = f->second.accesses.find(kind);
  if (k == f->second.accesses.end()) return 0;
  auto o = k->second.find(outcome);
  return o == k->second.end() ? 0 : o->second;
}

inline std::string file_type(const Recording& rec, const std::string& path) {
  auto f = rec.files.find(path);
  return f == rec.files.end() ? "<absent>" : f->second.type;
}

}  // namespace profile::testing
