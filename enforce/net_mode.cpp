#include "enforce/launcher.h"

namespace profile {

const char* net_mode_name(NetMode m) {
  switch (m) {
    case NetMode::Host:
      return "host";
    case NetMode::Loopback:
      return "loopback";
    case NetMode::None:
      return "none";
  }
  return "?";
}

Result<NetMode> net_mode_from_name(const std::string& name) {
  if (name == "host") return NetMode::Host;
  if (name == "loopback") return NetMode::Loopback;
  if (name == "none") return NetMode::None;
  return make_error("unknown network mode \"" + name + "\" (expected host, loopback or none)");
}

}  // namespace profile

namespace profile {

const char* user_ns_mode_name(UserNsMode m) {
  switch (m) {
    case UserNsMode::Auto:
      return "auto";
    case UserNsMode::Always:
      return "always";
    case UserNsMode::Never:
      return "never";
  }
  return "?";
}

Result<UserNsMode> user_ns_mode_from_name(const std::string& name) {
  if (name == "auto") return UserNsMode::Auto;
  if (name == "always") return UserNsMode::Always;
  if (name == "never") return UserNsMode::Never;
  return make_error("unknown user namespace mode \"" + name + "\" (expected auto, always or never)");
}

}  // namespace profile
