// File-context lookup: the label a path gets from a policy's file_contexts, through
// libselinux's selabel (SELABEL_OPT_PATH, so any policy root works and SELinux need
// not be active). Also loads file_contexts.homedirs/.local beside it, as the kernel's
// userspace does.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/result.h"

struct selabel_handle;

namespace profile {

class FileLabeler {
 public:
  // `file_contexts`: path of a file_contexts file. Error names it.
  static Result<FileLabeler> open(const std::string& file_contexts);

  // The type of `path` for an object of `mode` (S_IFREG, S_IFDIR, ...; 0 = any):
  // "etc_t". "" when the file_contexts says <<none>> or has no entry.
  [[nodiscard]] std::string type_of(const std::string& path, mode_t mode) const;

 private:
  struct Closer {
    void operator()(selabel_handle* h) const;
  };
  std::shared_ptr<selabel_handle> handle_;
};

// "system_u:object_r:etc_t:s0" -> "etc_t" ("" when malformed).
std::string context_type(const std::string& context);

}  // namespace profile
