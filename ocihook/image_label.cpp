#include "ocihook/image_label.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "profilegen/selinux/tool.h"

namespace profile {

Result<std::string> label_value_of(const std::string& text, const std::string& source) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("defaultAction") || !j["defaultAction"].is_string())
    return make_error(source + " is not a seccomp profile (a JSON object with \"defaultAction\")")
        .with_kind(ErrorKind::BadInput);
  return j.dump();
}

std::vector<std::string> label_build_argv(const LabelRequest& req, const std::string& value,
                                          const std::string& containerfile, const std::string& context_dir) {
  std::vector<std::string> argv{"podman"};
  argv.insert(argv.end(), req.podman_opts.begin(), req.podman_opts.end());
  argv.insert(argv.end(),
              {"build", "--pull=never", "--quiet", "--label", std::string(kSeccompProfileLabel) + "=" + value, "--tag",
               req.tag.empty() ? req.image : req.tag, "--file", containerfile, context_dir});
  return argv;
}

Result<std::string> label_image(const LabelRequest& req) {
  if (req.image.empty() || req.image.find_first_of(" \t\r\n") != std::string::npos)
    return make_error("\"" + req.image + "\" is not an image reference").with_kind(ErrorKind::BadInput);
  const std::string path = req.bundle + "/seccomp.json";
  auto text = read_file(path);
  if (!text) return text.error().wrap(req.bundle + " is not a profile bundle").with_kind(ErrorKind::BadInput);
  auto value = label_value_of(*text, path);
  if (!value) return value.error();
  char templ[] = "/tmp/profile-label-XXXXXX";
  if (::mkdtemp(templ) == nullptr) return Errno().error("mkdtemp(\"/tmp/profile-label-XXXXXX\")");
  const std::string dir = templ;
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  const std::string containerfile = dir + "/Containerfile";
  if (auto st = write_file_atomic(containerfile, "FROM " + req.image + "\n"); !st) return st.error();
  auto out = run_selinux_tool(label_build_argv(req, *value, containerfile, dir), dir);
  if (!out) return out.error().wrap("label " + req.image);
  return req.tag.empty() ? req.image : req.tag;
}

}  // namespace profile
