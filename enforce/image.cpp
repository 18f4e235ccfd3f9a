#include "enforce/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/fd.h"
#include "common/log.h"

namespace profile {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct ToolRun {
  int status = -1;  // exit code; -1 when it could not be run or was killed
  std::string out, err;
};

std::string read_all(int fd) {
  std::string text;
  ::lseek(fd, 0, SEEK_SET);
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return text;
}

// Runs argv (PATH lookup), stdin from /dev/null, stdout and stderr into
// unlinked temporary files (no pipe to drain, however much the tool prints).
Result<ToolRun> run_tool(const std::vector<std::string>& argv) {
  char out_name[] = "/tmp/profile-image-out-XXXXXX";
  char err_name[] = "/tmp/profile-image-err-XXXXXX";
  Fd out(::mkostemp(out_name, O_CLOEXEC));
  if (!out) return Errno().error("mkostemp(\"/tmp/profile-image-out-XXXXXX\")");
  ::unlink(out_name);
  Fd err(::mkostemp(err_name, O_CLOEXEC));
  if (!err) return Errno().error("mkostemp(\"/tmp/profile-image-err-XXXXXX\")");
  ::unlink(err_name);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Errno().error("fork for " + argv[0]);
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    if (::dup2(out.get(), 1) < 0 || ::dup2(err.get(), 2) < 0) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Errno().error("waitpid(" + std::to_string(pid) + ")");
  }
  ToolRun r;
  r.out = read_all(out.get());
  r.err = read_all(err.get());
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (r.status == 127 && r.err.empty())
    return make_error(argv[0] + " could not be run: is it installed? (scripts/install-deps.sh installs it)");
  return r;
}

// The tool's last non-empty line of stderr, for a one-sentence error.
std::string last_line(const std::string& text) {
  std::string s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto pos = s.rfind('\n');
  std::string line = pos == std::string::npos ? s : s.substr(pos + 1);
  // skopeo and umoci log as time="..." level=fatal msg="...": the message is what counts.
  if (auto m = line.find("msg=\""); m != std::string::npos) {
    line = line.substr(m + 5);
    if (!line.empty() && line.back() == '"') line.pop_back();
    std::string plain;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      plain += line[i];
    }
    line = plain;
  }
  return line;
}

bool has_transport(const std::string& ref) {
  for (const char* t :
       {"containers-storage:", "docker-daemon:", "docker-archive:", "oci:", "oci-archive:", "dir:", "docker://"})
    if (ref.rfind(t, 0) == 0) return true;
  return false;
}

std::optional<std::string> sha256_of(const std::string& data) {
  char name[] = "/tmp/profile-image-config-XXXXXX";
  Fd fd(::mkostemp(name, O_CLOEXEC));
  if (!fd) return std::nullopt;
  bool written = ::write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size());
  auto r = written ? run_tool({"sha256sum", name}) : Result<ToolRun>(make_error("write"));
  ::unlink(name);
  if (!r || r->status != 0 || r->out.size() < 64) return std::nullopt;
  return r->out.substr(0, 64);
}

std::vector<std::string> strings_of(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return out;
  for (const auto& v : j[key])
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string string_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

// An OCI image config's "config" part.
Result<ImageConfig> parse_image_config(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(what + " is not a JSON image config");
  ImageConfig c;
  if (!j.contains("config") || !j["config"].is_object()) return c;  // FROM scratch without any
  const json& cfg = j["config"];
  c.entrypoint = strings_of(cfg, "Entrypoint");
  c.cmd = strings_of(cfg, "Cmd");
  c.env = strings_of(cfg, "Env");
  c.working_dir = string_of(cfg, "WorkingDir");
  c.user = string_of(cfg, "User");
  return c;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Removes a directory tree that `umoci --rootless` may have left without write
// permission on some directories (as the image had them).
void remove_tree(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(dir, ec);
}

Status make_dirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error("cannot create the image cache " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return {};
}

Error not_found(const std::string& ref, const std::string& why) {
  std::string msg = "image \"" + ref + "\" was not found (" + why + ")";
  // Only podman's storage differs between root and users.
  if (has_transport(ref) && ref.rfind("containers-storage:", 0) != 0) return Error{msg, ENOENT, ErrorKind::BadInput};
  if (::geteuid() == 0) {
    msg +=
        "; root's podman storage is /var/lib/containers/storage: an image built or pulled by rootless podman is "
        "in that user's ~/.local/share/containers/storage, which root's profile does not see; run profile as that "
        "user, or export it with 'podman save --format oci-archive -o FILE " +
        ref + "' and pass --image oci-archive:FILE";
  } else {
    msg +=
        "; as a user, profile sees your own podman storage (~/.local/share/containers/storage), not root's: run "
        "profile as root for an image root built, or pass oci:DIR[:TAG], oci-archive:FILE or docker-archive:FILE";
  }
  return Error{msg, ENOENT, ErrorKind::BadInput};
}

// skopeo inspect --config --raw: the config blob exactly as stored, whose
// sha256 is the image ID whatever transport it came through.
Result<std::pair<std::string, std::string>> inspect(const std::string& ref) {
  std::vector<std::string> tried;
  std::vector<std::string> sources;
  if (has_transport(ref)) {
    sources.push_back(ref);
  } else {
    sources.push_back("containers-storage:" + ref);
    // docker's daemon, when one is listening (a name there needs its tag).
    if (::access("/var/run/docker.sock", F_OK) == 0)
      sources.push_back("docker-daemon:" + ref + (ref.find(':') == std::string::npos ? ":latest" : ""));
  }
  std::string why;
  for (const auto& source : sources) {
    auto r = run_tool({"skopeo", "inspect", "--config", "--raw", source});
    if (!r) return r.error();
    if (r->status == 0) return std::make_pair(source, r->out);
    why += (why.empty() ? "" : "; ") + std::string("skopeo inspect ") + source + ": " + last_line(r->err);
  }
  return not_found(ref, why);
}

}  // namespace

std::string default_image_cache_dir() {
  if (const char* d = std::getenv("PROFILE_CACHE_DIR"); d != nullptr && d[0] == '/') return std::string(d) + "/images";
  if (::geteuid() == 0) return "/var/cache/profile/images";
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && x[0] == '/')
    return std::string(x) + "/profile/images";
  if (const char* h = std::getenv("HOME"); h != nullptr && h[0] == '/')
    return std::string(h) + "/.cache/profile/images";
  return "/tmp/profile-" + std::to_string(::geteuid()) + "/images";
}

Result<Image> open_image(const std::string& ref, const std::string& cache_dir) {
  if (ref.empty()) return Error{"--image needs an image reference", EINVAL, ErrorKind::BadInput};
  auto found = inspect(ref);
  if (!found) return found.error();
  const auto& [source, config_text] = *found;
  auto hex = sha256_of(config_text);
  if (!hex) return make_error("cannot compute the digest of image \"" + ref + "\"'s config (sha256sum failed)");
  auto config = parse_image_config(config_text, "image \"" + ref + "\"'s config");
  if (!config) return config.error();

  Image image;
  image.ref = ref;
  image.digest = "sha256:" + *hex;
  image.config = *config;
  // The root filesystem is pivoted into by absolute path: a relative
  // --image-cache is the caller's working directory's.
  std::string dir = cache_dir + "/" + *hex;
  if (dir[0] != '/') {
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    if (ec)
      return Error{"--image-cache " + cache_dir + " is relative and the working directory is unknown", EINVAL,
                   ErrorKind::BadInput};
    dir = (cwd / dir).lexically_normal().string();
  }
  image.rootfs = dir + "/rootfs";
  struct stat st {};
  if (::stat(image.rootfs.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    log::debug("image " + ref + " (" + image.digest + ") from the cache: " + dir);
    return image;
  }
  // Unpacked beside the entry and renamed into place: an entry is complete or absent.
  if (auto st2 = make_dirs(cache_dir); !st2) return st2.error();
  std::string tmp = cache_dir + "/.tmp-" + *hex + "-" + std::to_string(::getpid());
  remove_tree(tmp);
  if (::mkdir(tmp.c_str(), 0700) != 0) return Errno().error("mkdir(\"" + tmp + "\")");
  auto cleanup = [&tmp] { remove_tree(tmp); };
  log::info("unpacking image " + ref + " (" + image.digest + ") into " + dir);
  auto copy = run_tool({"skopeo", "copy", "--quiet", source, "oci:" + tmp + "/layout:image"});
  if (!copy || copy->status != 0) {
    cleanup();
    return make_error("skopeo copy " + source + " failed: " + (copy ? last_line(copy->err) : copy.error().message));
  }
  std::vector<std::string> unpack = {"umoci", "unpack"};
  if (::geteuid() != 0) unpack.emplace_back("--rootless");
  unpack.insert(unpack.end(), {"--image", tmp + "/layout:image", tmp + "/bundle"});
  auto un = run_tool(unpack);
  if (!un || un->status != 0) {
    cleanup();
    return make_error("umoci unpack of image \"" + ref +
                      "\" failed: " + (un ? last_line(un->err) : un.error().message));
  }
  {
    std::ofstream out(tmp + "/bundle/image-config.json", std::ios::binary);
    out << config_text;
  }
  if (::rename((tmp + "/bundle").c_str(), dir.c_str()) != 0 && errno != ENOTEMPTY && errno != EEXIST) {
    int err = errno;
    cleanup();
    return sys_error("rename(\"" + tmp + "/bundle\", \"" + dir + "\")", err);
  }
  cleanup();  // a concurrent run that renamed first left its entry, which is the same image
  return image;
}

Result<Image> open_rootfs(const std::string& dir_in) {
  if (dir_in.empty()) return Error{"--rootfs needs a directory", EINVAL, ErrorKind::BadInput};
  char* real = ::realpath(dir_in.c_str(), nullptr);
  if (real == nullptr) {
    int err = errno;
    return Error{
        "root filesystem " + dir_in + (err == ENOENT ? " does not exist" : " cannot be used: " + errno_name(err)), err,
        ErrorKind::BadInput};
  }
  std::string dir = real;
  std::free(real);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error{"root filesystem " + dir_in + " is not a directory", ENOTDIR, ErrorKind::BadInput};
  Image image;
  image.rootfs = dir;
  // An OCI runtime bundle (umoci unpack, or an entry of our own cache).
  struct stat rst {};
  if (::stat((dir + "/rootfs").c_str(), &rst) == 0 && S_ISDIR(rst.st_mode) &&
      ::access((dir + "/config.json").c_str(), R_OK) == 0) {
    image.rootfs = dir + "/rootfs";
    if (::access((dir + "/image-config.json").c_str(), R_OK) == 0) {
      auto c = parse_image_config(read_file(dir + "/image-config.json"), dir + "/image-config.json");
      if (!c) return c.error();
      image.config = *c;
      return image;
    }
    json j = json::parse(read_file(dir + "/config.json"), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{dir + "/config.json is not JSON", EINVAL, ErrorKind::BadInput};
    if (j.contains("process") && j["process"].is_object()) {
      const json& p = j["process"];
      image.config.cmd = strings_of(p, "args");
      image.config.env = strings_of(p, "env");
      image.config.working_dir = string_of(p, "cwd");
      if (p.contains("user") && p["user"].is_object() && p["user"].contains("uid") && p["user"]["uid"].is_number()) {
        image.config.user = std::to_string(p["user"]["uid"].get<uint64_t>());
        if (p["user"].contains("gid") && p["user"]["gid"].is_number())
          image.config.user += ":" + std::to_string(p["user"]["gid"].get<uint64_t>());
      }
    }
  }
  return image;
}

namespace {

// The fields of the first line of an /etc/passwd- or /etc/group-style file
// whose field `key_index` is `key`.
std::optional<std::vector<std::string>> find_entry(const std::string& file, size_t key_index, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t end = line.find(':', start);
      fields.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (fields.size() > key_index && fields[key_index] == key) return fields;
  }
  return std::nullopt;
}

std::optional<uint32_t> number(const std::string& s) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  uint64_t v = std::stoull(s);
  if (v > 0xffffffffULL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

}  // namespace

Result<ImageUser> resolve_image_user(const std::string& rootfs, const std::string& spec) {
  ImageUser u;
  auto colon = spec.find(':');
  std::string user = spec.substr(0, colon), group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  std::string passwd = rootfs + "/etc/passwd", groupf = rootfs + "/etc/group";
  std::optional<std::vector<std::string>> entry;
  if (user.empty()) user = "0";
  if (auto uid = number(user)) {
    u.uid = *uid;
    entry = find_entry(passwd, 2, user);
  } else {
    entry = find_entry(passwd, 0, user);
    if (!entry || entry->size() < 4 || !number((*entry)[2]))
      return Error{"the image's user \"" + user + "\" is not in its /etc/passwd", ENOENT, ErrorKind::BadInput};
    u.uid = *number((*entry)[2]);
  }
  if (entry && entry->size() >= 4 && number((*entry)[3])) u.gid = *number((*entry)[3]);
  if (entry && entry->size() >= 6) u.home = (*entry)[5];
  if (!group.empty()) {
    if (auto gid = number(group)) {
      u.gid = *gid;
    } else {
      auto g = find_entry(groupf, 0, group);
      if (!g || g->size() < 3 || !number((*g)[2]))
        return Error{"the image's group \"" + group + "\" is not in its /etc/group", ENOENT, ErrorKind::BadInput};
      u.gid = *number((*g)[2]);
    }
  }
  u.groups = {u.gid};
  // Supplementary groups: those of the image's /etc/group that list the user by name.
  if (entry && !(*entry)[0].empty()) {
    std::ifstream in(groupf);
    std::string line;
    while (std::getline(in, line)) {
      auto last = line.rfind(':');
      auto third = line.find(':', line.find(':') + 1);
      if (last == std::string::npos || third == std::string::npos) continue;
      std::string members = "," + line.substr(last + 1) + ",";
      auto gid = number(line.substr(third + 1, last - third - 1));
      if (gid && *gid != u.gid && members.find("," + (*entry)[0] + ",") != std::string::npos) u.groups.push_back(*gid);
    }
  }
  return u;
}

Status apply_image(const Image& image, const std::vector<std::string>& command,
                   const std::optional<std::string>& entrypoint, LaunchSpec& spec) {
  const ImageConfig& c = image.config;
  spec.rootfs = image.rootfs;
  std::vector<std::string> argv;
  if (entrypoint) {
    // As podman --entrypoint: it replaces the image's entrypoint and cmd.
    if (!entrypoint->empty()) argv.push_back(*entrypoint);
  } else {
    argv = c.entrypoint;
  }
  if (!command.empty()) {
    argv.insert(argv.end(), command.begin(), command.end());
  } else if (!entrypoint) {
    argv.insert(argv.end(), c.cmd.begin(), c.cmd.end());
  }
  if (argv.empty()) {
    std::string what = image.ref.empty() ? "the root filesystem " + image.rootfs : "image \"" + image.ref + "\"";
    return Error{what + " names no command (no Entrypoint or Cmd): give one after --", EINVAL, ErrorKind::BadInput};
  }
  spec.argv = std::move(argv);

  auto user = resolve_image_user(image.rootfs, c.user);
  if (!user) return user.error();
  bool switch_user = user->uid != 0 || user->gid != 0;
  if (switch_user && ::geteuid() != 0 && user->uid != ::geteuid())
    return Error{"image \"" + image.ref + "\" runs as user " + c.user + " (uid " + std::to_string(user->uid) +
                     "), which only root can switch to: run profile as root, or as that user",
                 EPERM, ErrorKind::BadInput};
  if (switch_user && ::geteuid() == 0) {
    spec.confine.set_user = true;
    spec.confine.uid = user->uid;
    spec.confine.gid = user->gid;
    spec.confine.groups.assign(user->groups.begin(), user->groups.end());
  }

  std::vector<std::string> env = c.env;
  auto has = [&env](const char* name) {
    std::string prefix = std::string(name) + "=";
    for (const auto& kv : env)
      if (kv.rfind(prefix, 0) == 0) return true;
    return false;
  };
  // What podman adds to an image's environment.
  if (!has("PATH")) env.emplace_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!has("HOME")) env.push_back("HOME=" + (user->home.empty() ? std::string("/") : user->home));
  if (!has("container")) env.emplace_back("container=profile");
  spec.env = std::move(env);
  spec.env_exact = true;
  spec.cwd = c.working_dir.empty() ? "/" : c.working_dir;
  return {};
}

}  // namespace profile
