#include "profilegen/selinux/fcontext.h"

#include <selinux/label.h>
#include <selinux/selinux.h>

namespace profile {

void FileLabeler::Closer::operator()(selabel_handle* h) const {
  if (h != nullptr) selabel_close(h);
}

Result<FileLabeler> FileLabeler::open(const std::string& file_contexts) {
  selinux_opt opts[] = {{SELABEL_OPT_PATH, file_contexts.c_str()}};
  errno = 0;
  selabel_handle* h = selabel_open(SELABEL_CTX_FILE, opts, 1);
  if (h == nullptr) {
    int err = errno == 0 ? EINVAL : errno;
    return sys_error("selabel_open(\"" + file_contexts + "\")", err);
  }
  FileLabeler l;
  l.handle_ = std::shared_ptr<selabel_handle>(h, Closer{});
  return l;
}

std::string FileLabeler::type_of(const std::string& path, mode_t mode) const {
  char* con = nullptr;
  if (selabel_lookup(handle_.get(), &con, path.c_str(), static_cast<int>(mode)) != 0) return "";
  std::string out = context_type(con);
  freecon(con);
  return out;
}

std::string context_type(const std::string& context) {
  const auto a = context.find(':');
  if (a == std::string::npos) return "";
  const auto b = context.find(':', a + 1);
  if (b == std::string::npos) return "";
  const auto c = context.find(':', b + 1);
  return context.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1);
}

}  // namespace profile
