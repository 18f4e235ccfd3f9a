// Which capabilities(7) a workload exercised, inferred from its recording.
//
// The capability check itself cannot be traced on the kernels profile targets
// (no kprobes; fentry and lsm programs refused), so this reads the calls, their
// recorded arguments and outcomes, and the files' modes, and names the
// capability each one needs (man/profile-learn.1 lists the rules). Inference
// errs towards granting nothing: an observation that a capability-free path
// could explain gives no evidence.
//
// Pure: no system calls except through the injected FileInfoFn, which learn()
// backs with lstat(2) at the end of the run (files gone by then give no evidence).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/recording.h"

namespace profile {

// What lstat(2) says of a path: mode (type and permission bits), owner, group.
struct FileInfo {
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
};
using FileInfoFn = std::function<std::optional<FileInfo>(const std::string& path)>;

struct CapabilityContext {
  // lstat of a path now; nullopt when it is gone (no evidence then). May be
  // empty: no file-based evidence at all.
  FileInfoFn file_info;
  // Supplementary groups of the process that started the workload (not in the
  // recording): access granted through them needs no capability.
  std::vector<uint32_t> groups;
  // Also count accesses refused with EACCES or EPERM as evidence (`enforce
  // --complain`: a call that failed for lack of a capability the profile did
  // not keep). Learning counts only what succeeded: a refusal the workload
  // lived with shows no need.
  bool failures = false;
  // kernel.dmesg_restrict at the end of the run: 1 makes reading the kernel
  // log (syslog(2) actions 3 and 10, reads of /dev/kmsg) need CAP_SYSLOG too.
  bool dmesg_restrict = false;
};

using CapabilityEvidence = std::map<std::string, std::set<std::string>>;  // "CAP_SETUID" -> evidence

// The capabilities `rec` shows, with evidence. Uses the runs' uid/gid (the ids
// the workload started with); runs of unknown ids give no id or file evidence.
// Deterministic: the same recording and file information give the same result.
CapabilityEvidence infer_capabilities(const Recording& rec, const CapabilityContext& ctx);

}  // namespace profile
