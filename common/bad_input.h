// What a parser of untrusted input (recording.json, profile.toml, landlock.json,
// seccomp.json, policy TOML) throws where it finds the input bad. Caught once at
// the parser's Result API and returned as one Error of kind BadInput: it never
// escapes a parser (common/result.h).
#pragma once

#include <string>

#include "common/result.h"

namespace profile {

// The whole sentence, place included ("profile.toml:3: expected a string").
struct BadInput {
  std::string message;
  ErrorKind kind = ErrorKind::BadInput;
  [[nodiscard]] Error error() const { return Error{message, 0, kind}; }
};

// For a parser that names the place apart from the problem: a JSON pointer or a
// TOML key ("/runs/0", "expected an object").
struct BadInputAt {
  std::string where;
  std::string what;
  // "SOURCE: at WHERE: WHAT" ("SOURCE: WHAT" without a place).
  [[nodiscard]] Error error(const std::string& source) const {
    return Error{source + ": " + (where.empty() ? "" : "at " + where + ": ") + what, 0, ErrorKind::BadInput};
  }
};

}  // namespace profile
