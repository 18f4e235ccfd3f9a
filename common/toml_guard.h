// toml::parse behind a check for the characters toml++ 3.3 (Debian 12's) cannot
// classify: asked whether a non-ASCII character is whitespace, it reaches
// __builtin_unreachable for most of U+00A1..U+0499, U+2CAE..U+30A7 and
// U+FB06..U+FEFE (marzer/tomlplusplus#190, #295; fixed upstream in 2026). It asks
// outside strings and comments, of every character of a bare value up to its
// end (quotes included: 0"x"), and after a line-ending backslash in a """ string. Built by gcc, the library then takes
// such a character for whitespace and accepts a malformed document (profile.toml included); with UBSan it aborts. No
// valid TOML has a non-ASCII character in those places, so any is refused before toml++ sees the text. Pure logic.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace profile {

struct TextPosition {
  size_t line = 1, column = 1;  // 1-based; the column counts bytes
};

// Where the first non-ASCII byte outside a string or comment (or right after a
// line-ending backslash in a multi-line basic string) is; nullopt when none is.
std::optional<TextPosition> toml_unsafe_position(std::string_view text);

// toml::parse(text, source), throwing toml::parse_error (as toml::parse does, so
// callers report it the same way) also for such a character.
toml::table toml_parse_checked(std::string_view text, std::string_view source);

}  // namespace profile
