// landlock.json from a recording (format in profile-bundle(5) and FORMATS.md).
//
// Per recorded path (successful accesses only; stat-like probes need no right):
//   read -> read_file (read_dir for a directory); write -> write_file+truncate;
//   exec -> execute+read_file; create/delete/rename/link -> make_*/remove_*/refer on
//   the parent directory, and the new file's own rights on the parent too (it does
//   not exist yet when the rules are made); character devices also get ioctl_dev.
// Generalised by policies/paths.toml: [[rewrite]] (/proc/<pid> -> /proc/self),
// [[scratch]] (temporary directories: one directory rule with the rights used),
// [[tree]] (library trees: the tree's rights when what was used fits within them).
// Compacted: rules for one path are merged, and a rule whose rights an ancestor
// directory rule already grants is dropped. Nothing is widened beyond that.
// Network: TCP ports bound and connected to (ABI >= 4). Scoping of signals and
// abstract unix sockets (ABI >= 6), minus abstract sockets if one was used.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/recording.h"
#include "profilegen/gen_policy.h"

namespace profile {

struct LandlockFsRule {
  std::string path;
  uint32_t access = 0;  // bit i = landlock_fs_access_names()[i] (LANDLOCK_ACCESS_FS_* order)
};

// Bits <-> Landlock access names.
uint32_t landlock_access_bits(const std::vector<std::string>& names);
std::set<std::string> landlock_access_set(uint32_t bits);

struct LandlockModel {
  int min_abi = 1;
  std::vector<std::string> handled_fs;   // every fs right, bit order
  std::vector<LandlockFsRule> fs;        // sorted by path
  std::vector<std::string> handled_net;  // empty: network not restricted
  std::set<uint16_t> bind_tcp, connect_tcp;
  std::vector<std::string> scoped;
  std::vector<std::string> required;  // manifest landlock_required: fs, refer, truncate, ...
};

LandlockModel build_landlock_model(const Recording& rec, const GenPolicy& policy);
std::string landlock_to_json(const LandlockModel& m);

}  // namespace profile
