// A scratch directory for an integration test, removed with everything in it
// when the test ends. Below /var/tmp by default: `profile enforce` gives the
// workload a private /tmp, so what a test shares with its workload lives there.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace profile::testing {

class WorkDir {
 public:
  explicit WorkDir(const std::string& name = "profile-test", const std::string& parent = "/var/tmp") {
    std::string tmpl = parent + "/" + name + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~WorkDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  [[nodiscard]] std::string file(const std::string& n) const { return path_ + "/" + n; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The whole content of a file ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace profile::testing
