// Writes a security-profiles-operator SelinuxProfile resource (selinuxprofile.yaml,
// security-profiles-operator.x-k8s.io/v1alpha2) from a SelinuxModel: the allow rules
// on the reference policy's types and on "@self" (the profile's own type). SPO cannot
// declare extra types, so rules on the module's private types are listed in a comment.
#pragma once

#include <string>

#include "profilegen/selinux/model.h"

namespace profile {

std::string write_selinux_profile_yaml(const SelinuxModel& m);

}  // namespace profile
