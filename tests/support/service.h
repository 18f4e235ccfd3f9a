// Running long-lived workloads (servers) from integration tests: a child
// process with its output in pipes that can be signalled and is killed by pid
// when the test leaves it behind, a free loopback port, one HTTP GET, and the
// "was it denied / did the control work" assertions of the workload tests.
//
// Servers listen on 127.0.0.1 only and are stopped through their pid; nothing
// here looks a process up by name.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run.h"

extern char** environ;

namespace profile::testing {

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

inline bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string show(const RunResult& r) {
  return "exit " + std::to_string(r.status) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

// A process started by the test, with stdin from /dev/null and stdout/stderr
// in pipes (no file of the harness ends up in a learned profile). Its working
// directory is `cwd` and PWD says so, as after `cd` in a shell. When it goes
// away unwaited, it is killed by its pid (killing `profile` kills its container).
class Proc {
 public:
  Proc(const std::vector<std::string>& argv, const std::string& cwd) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e)
      if (std::strncmp(*e, "PWD=", 4) != 0) env.emplace_back(*e);
    env.push_back("PWD=" + cwd);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      if (::chdir(cwd.c_str()) != 0) ::_exit(125);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Proc() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Whether it has not ended yet (it is not reaped: wait() still reports it).
  [[nodiscard]] bool running() const {
    siginfo_t info{};
    return pid_ > 0 && ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == 0;
  }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // Reads its output to the end and reaps it. A process that has not ended
  // `timeout` after the call is killed (status 128+9), so a hung server fails
  // its test instead of hanging it.
  RunResult wait(std::chrono::seconds timeout = std::chrono::seconds(300)) {
    RunResult r;
    std::string* bufs[2] = {&r.out, &r.err};
    int fds[2] = {out_, err_};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fds[0] >= 0 || fds[1] >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        signal(SIGKILL);
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        left = std::chrono::milliseconds(10000);
      }
      pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
      if (::poll(p, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i] < 0 || p[i].revents == 0) continue;
        char buf[8192];
        ssize_t n = ::read(fds[i], buf, sizeof buf);
        if (n > 0) {
          bufs[i]->append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          ::close(fds[i]);
          fds[i] = -1;
        }
      }
    }
    out_ = err_ = -1;
    int st = 0;
    if (pid_ > 0 && ::waitpid(pid_, &st, 0) == pid_) r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    pid_ = -1;
    return r;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
};

inline RunResult run_in(const std::string& cwd, const std::vector<std::string>& argv) {
  return Proc(argv, cwd).wait();
}

// A loopback port nothing listens on right now.
inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

// Whether something accepts connections on 127.0.0.1:port, retried until it
// does or `wait` has passed (the server is still starting).
inline bool listening(int port, std::chrono::milliseconds wait = std::chrono::milliseconds(15000)) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

// One HTTP/1.0 GET on 127.0.0.1:port, retried until something listens or 15 s
// have passed; the raw response, or "" (nothing listened, or it answered
// nothing within 5 s: a server whose workers died keeps accepting).
inline std::string http_get(int port, const std::string& path) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(s);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    timeval tv{5, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    std::string resp;
    if (::send(s, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
    }
    ::close(s);
    return resp;
  }
  return "";
}

inline std::string body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

// The status code of an HTTP response ("HTTP/1.1 200 OK" gives 200), 0 if none.
inline int status_of(const std::string& response) {
  auto sp = response.find(' ');
  if (response.rfind("HTTP/", 0) != 0 || sp == std::string::npos) return 0;
  return std::atoi(response.c_str() + sp + 1);
}

// The pids of processes whose command line mentions `text`: what a test must
// not leave running (the workspace's path is in every command it starts).
inline std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == ::getpid()) continue;
    std::string cmdline = slurp("/proc/" + std::string(e->d_name) + "/cmdline");
    if (contains(cmdline, text)) found.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return found;
}

}  // namespace profile::testing

// The attack ran and failed: non-zero exit, and `text` in what it said.
#define EXPECT_DENIED(r, text)                                                                            \
  do {                                                                                                    \
    const ::profile::testing::RunResult& r_ = (r);                                                        \
    EXPECT_NE(r_.status, 0) << "NOT DENIED\n" << ::profile::testing::show(r_);                            \
    EXPECT_TRUE(::profile::testing::contains(r_.out + r_.err, text)) << "expected \"" << (text) << "\"\n" \
                                                                     << ::profile::testing::show(r_);     \
  } while (0)
#define EXPECT_WORKS(r)                                                            \
  do {                                                                             \
    const ::profile::testing::RunResult& r_ = (r);                                 \
    EXPECT_EQ(r_.status, 0) << "control failed\n" << ::profile::testing::show(r_); \
  } while (0)
