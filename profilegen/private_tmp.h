// What a bundle binds into the workload's private temporary directories.
//
// Enforce gives the workload a fresh tmpfs on /tmp, /var/tmp and /dev/shm
// (profile.toml private_tmp = true, the default), so another service's files in
// the host's shared ones are out of its reach. What the workload used there
// without creating it (an input in /tmp/job, its working directory under /tmp)
// is bound in from the host: exactly the Landlock rule paths below those roots,
// read-only unless a rule grants writing there. The binds are optional: a source
// gone at enforce time is skipped (the workload sees it missing, as on a host
// without it). Pure logic: no system calls.
#pragma once

#include <string>
#include <vector>

#include "common/recording.h"
#include "profilegen/landlock_gen.h"
#include "profilegen/manifest.h"

namespace profile {

// "/tmp", "/var/tmp", "/dev/shm": the roots enforce makes private.
const std::vector<std::string>& private_tmp_roots();

// The binds the recording needs, sorted by target (a parent before what is below it).
std::vector<BindMount> private_tmp_binds(const Recording& rec, const LandlockModel& lm);

// Adds to m.bind each of `binds` whose target m does not bind yet; returns how
// many were added. Regeneration keeps what the manifest already binds.
size_t add_missing_binds(Manifest& m, const std::vector<BindMount>& binds);

}  // namespace profile
