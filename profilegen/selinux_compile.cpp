#include "profilegen/selinux_compile.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/fd.h"

namespace profile {

namespace fs = std::filesystem;

namespace {

Result<std::string> make_temp_dir(const std::string& what) {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/profile-" + what + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return sys_error("mkdtemp(\"" + templ + "\")");
  return templ;
}

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
  if (!out) return sys_error("mkostemp(\"/tmp/profile-tool-out-XXXXXX\")");
  ::unlink(templ);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork for " + argv[0]);
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
    if (errno != EINTR) return sys_error("waitpid(" + std::to_string(pid) + ")");
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

Result<std::string> compile_refpolicy_module(const std::string& name, const RefpolicySources& src) {
  std::error_code ec;
  if (!fs::exists(kSelinuxDevelMakefile, ec))
    return make_error(std::string("cannot compile the SELinux module: ") + kSelinuxDevelMakefile +
                      " is missing (install Debian's selinux-policy-dev)");
  auto dir = make_temp_dir("selinux-build");
  if (!dir) return dir.error();
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(d, e);
    }
  } cleanup{*dir};
  for (const auto& [ext, text] : {std::pair{".te", &src.te}, {".fc", &src.fc}, {".if", &src.if_}}) {
    if (auto s = write_file_atomic(*dir + "/" + name + ext, *text); !s) return s.error();
  }
  auto built = run_selinux_tool({"make", "-s", "-f", kSelinuxDevelMakefile, name + ".pp"}, *dir);
  if (!built) return built.error().wrap("compiling " + name + ".te");
  return read_file(*dir + "/" + name + ".pp");
}

Result<TempPolicyStore> TempPolicyStore::create(const SelinuxPolicyPaths& ref) {
  std::error_code ec;
  if (!fs::is_directory(ref.store, ec))
    return make_error("cannot link against the reference policy: its module store " + ref.store +
                      " is missing (install Debian's selinux-policy-default)");
  auto dir = make_temp_dir("selinux-store");
  if (!dir) return dir.error();
  TempPolicyStore s;
  s.dir_ = *dir;
  s.name_ = ref.name;
  const std::string etc = s.dir_ + "/etc/selinux";
  const std::string var = s.dir_ + "/var/lib/selinux";
  fs::create_directories(etc, ec);
  if (!ec) fs::create_directories(var, ec);
  const auto opts = fs::copy_options::recursive | fs::copy_options::copy_symlinks;
  if (!ec) fs::copy(ref.root, etc + "/" + ref.name, opts, ec);
  if (!ec) fs::copy(ref.store, var + "/" + ref.name, opts, ec);
  if (ec) return make_error("copying the reference policy into " + s.dir_ + ": " + ec.message());
  // Lock files of the machine's store must not come along: semanage would wait on them.
  for (const char* lock : {"semanage.read.LOCK", "semanage.trans.LOCK"})
    fs::remove(var + "/" + ref.name + "/" + lock, ec);
  if (auto w = write_file_atomic(etc + "/semanage.conf", "module-store = direct\nexpand-check = 0\n"); !w)
    return w.error();
  return s;
}

TempPolicyStore::TempPolicyStore(TempPolicyStore&& o) noexcept
    : dir_(std::exchange(o.dir_, std::string())), name_(std::move(o.name_)) {}

TempPolicyStore::~TempPolicyStore() {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Status TempPolicyStore::install(const std::string& filename, const std::string& bytes) {
  const std::string path = dir_ + "/" + filename;
  if (auto w = write_file_atomic(path, bytes); !w) return w.error();
  // -p: every path (store, policy root, semanage.conf) under our copy; -n: no reload.
  auto r = run_selinux_tool({"semodule", "-p", dir_, "-s", name_, "-n", "-i", path}, dir_);
  if (!r) return r.error().wrap("linking " + filename + " into a copy of the reference policy");
  return {};
}

Result<SelinuxPolicyPaths> TempPolicyStore::linked() const {
  return find_selinux_policy(dir_ + "/etc/selinux/" + name_);
}

}  // namespace profile
