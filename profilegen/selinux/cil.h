// Writes the CIL form of a SelinuxModel (<name>.cil): the form udica and the
// security-profiles-operator install. Every rule is raw (CIL has no refpolicy
// interfaces), so it grants exactly the recorded accesses plus the baseline.
// `mls`: whether contexts carry a level (the reference policy is MLS).
#pragma once

#include <string>

#include "profilegen/selinux/model.h"

namespace profile {

std::string write_cil_module(const SelinuxModel& m, bool mls);

}  // namespace profile
