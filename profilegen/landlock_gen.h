// landlock.json from a recording (format in profile-bundle(5) and FORMATS.md).
//
// Per recorded path (successful accesses only; stat-like probes need no right):
//   read -> read_file (read_dir for a directory); write -> write_file+truncate;
//   exec -> execute+read_file; create/delete/rename/link -> make_*/remove_*/refer on
//   the parent directory, and the new file's own rights on the parent too (it does
//   not exist yet when the rules are made); character devices also get ioctl_dev.
// Generalised by policies/paths.toml: [[rewrite]] (/proc/<pid> -> /proc/self),
// [[scratch]] (the private temporary roots: one rule with the root's rights, only
// when enforce gives private ones), [[tree]] (library trees: the tree's rights
// when what was used fits within them), and with `directories` (the default):
// read-only data directories and written directories get subtree rules, with
// evidence, never on a [[shared_root]] nor reaching a [[sensitive]] path. Each
// widening is listed in LandlockModel::generalised with its reason.
// Compacted: rules for one path are merged, and a rule whose rights an ancestor
// directory rule already grants is dropped.
// Network: TCP ports bound and connected to (ABI >= 4); a server that bound port
// 0 and connected to the port it got gets connect over the local port range at
// enforce time (connect_tcp_ephemeral). Scoping of signals and abstract unix
// sockets (ABI >= 6), minus abstract sockets if one was used.
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

// One widening beyond the recorded paths (or one refused), for `profile show`.
struct PathGeneralisation {
  std::string path;
  uint32_t access = 0;
  std::string kind;      // "data", "written", "scratch"; for a refused one: what it would have been
  std::string reason;    // why the rule has this shape (or why it was refused)
  std::string evidence;  // what the recording showed: "read 5 files in it", "created 3 files"
};

struct LandlockGenOptions {
  bool directories = true;  // false: --paths exact (per-path rules; scratch roots only)
  // The manifest gives private /tmp, /var/tmp and /dev/shm (profile.toml
  // private_tmp): only then may a [[scratch]] root get a rule as a whole.
  bool private_tmp = true;
  // The manifest shares the host's network namespace (net = "host"): then
  // abstract unix sockets outside the container are reachable, which only
  // Landlock's scope would refuse.
  bool host_network = false;
};

// Why a Landlock feature is required or not (landlock.json "coverage", shown
// by `profile show`): required only where the recording shows a use that no
// other active mechanism confines.
struct LandlockFeatureCoverage {
  std::string feature;  // fs, refer, truncate, net_tcp, ioctl_dev, scope
  int abi = 1;          // the Landlock ABI that brought it
  bool required = false;
  std::string why;  // the observed use, or the mechanism that covers it
};

struct LandlockModel {
  int min_abi = 1;
  std::vector<std::string> handled_fs;   // every fs right, bit order
  std::vector<LandlockFsRule> fs;        // sorted by path
  std::vector<std::string> handled_net;  // empty: network not restricted
  std::set<uint16_t> bind_tcp, connect_tcp;
  std::vector<std::string> scoped;
  std::vector<std::string> required;              // manifest landlock_required: fs, refer, truncate, ...
  std::vector<LandlockFeatureCoverage> coverage;  // the six features in ABI order, with the reason
  std::vector<PathGeneralisation> generalised;    // rules wider than what was used, sorted by path
  std::vector<PathGeneralisation> refused;        // candidates kept per-file (shared root, sensitive), sorted
  bool assumes_private_tmp = false;               // a [[scratch]] root got a rule: needs private_tmp
  bool connect_tcp_ephemeral = false;             // connect over ip_local_port_range at enforce
  std::string ephemeral_evidence;                 // why, for show
};

LandlockModel build_landlock_model(const Recording& rec, const GenPolicy& policy, const LandlockGenOptions& opts = {});
std::string landlock_to_json(const LandlockModel& m);
// The coverage of the six features for a model built from `rec` (its rules and ports).
std::vector<LandlockFeatureCoverage> landlock_coverage(const Recording& rec, const LandlockModel& m,
                                                       const LandlockGenOptions& opts);

}  // namespace profile
