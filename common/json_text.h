// Bytes in JSON strings. Linux paths, argv and cwd are bytes, JSON strings are
// Unicode, and nlohmann::json (like python's json) refuses invalid UTF-8. So a
// string that is not valid UTF-8 is stored losslessly as valid UTF-8: each byte b
// of an invalid sequence becomes the code point U+10FF00+b (b is 0x80..0xFF, so
// U+10FF80..U+10FFFF, in Supplementary Private Use Area-B). To stay unambiguous a
// literal U+10FF80..U+10FFFF in the input is written byte by byte the same way.
// Valid UTF-8 without those code points passes unchanged. See man/profile-recording.5.
#pragma once

#include <string>
#include <string_view>

namespace profile {

// True when `s` is stored unchanged (valid UTF-8, no code point in U+10FF80..U+10FFFF).
bool json_text_is_plain(std::string_view s);
// Bytes -> the valid UTF-8 stored in JSON. The identity on plain strings.
std::string bytes_to_json_text(std::string_view s);
// The inverse: every U+10FF80..U+10FFFF becomes its byte again. `s` is what a JSON
// parser returned (valid UTF-8).
std::string json_text_to_bytes(std::string_view s);

// Appends `utf8` (valid UTF-8) as a JSON string literal, quotes included, escaped
// exactly as nlohmann::json::dump() does: \" \\ \b \f \n \r \t, other controls as
// \u00xx (lowercase hex); 0x7f and non-ASCII as is.
void append_json_escaped(std::string& out, std::string_view utf8);
// Appends the bytes `s` as a JSON string literal: bytes_to_json_text, then escaped.
void append_json_string(std::string& out, std::string_view s);

}  // namespace profile
