#include "common/json_text.h"

namespace profile {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] (Unicode Table 3-7: no
// overlongs, no surrogates, nothing past U+10FFFF), or 0 when there is none.
// The same rules as nlohmann's and python's decoders.
size_t utf8_len(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [](unsigned c, unsigned lo = 0x80, unsigned hi = 0xBF) { return c >= lo && c <= hi; };
  unsigned c = at(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(at(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    bool second = c == 0xE0 ? cont(at(1), 0xA0) : c == 0xED ? cont(at(1), 0x80, 0x9F) : cont(at(1));
    return second && cont(at(2)) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    bool second = c == 0xF0 ? cont(at(1), 0x90) : c == 0xF4 ? cont(at(1), 0x80, 0x8F) : cont(at(1));
    return second && cont(at(2)) && cont(at(3)) ? 4 : 0;
  }
  return 0;
}

// U+10FF80..U+10FFFF are F4 8F BE 80..F4 8F BF BF.
bool reserved_at(std::string_view s, size_t i) {
  return i + 3 < s.size() && static_cast<unsigned char>(s[i]) == 0xF4 && static_cast<unsigned char>(s[i + 1]) == 0x8F &&
         (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF);
}

void append_byte_code_point(std::string& out, unsigned char b) {
  // U+10FF00+b in UTF-8; b >= 0x80 always (ASCII is never invalid).
  const char enc[4] = {'\xF4', '\x8F', static_cast<char>(b >= 0xC0 ? 0xBF : 0xBE),
                       static_cast<char>(0x80 | (b & 0x3F))};
  out.append(enc, 4);
}

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

}  // namespace

bool json_text_is_plain(std::string_view s) {
  if (ascii(s)) return true;
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_len(s, i);
    if (n == 0 || (n == 4 && reserved_at(s, i))) return false;
    i += n;
  }
  return true;
}

std::string bytes_to_json_text(std::string_view s) {
  if (json_text_is_plain(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() * 2);
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_len(s, i);
    if (n == 0 || (n == 4 && reserved_at(s, i))) {
      // An invalid byte alone (the next one is looked at afresh), or each byte of a reserved code point.
      for (size_t k = 0; k < (n == 0 ? 1 : n); ++k) append_byte_code_point(out, static_cast<unsigned char>(s[i + k]));
      i += n == 0 ? 1 : n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string json_text_to_bytes(std::string_view s) {
  size_t i = s.find('\xF4');
  if (i == std::string_view::npos) return std::string(s);
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    if (reserved_at(s, i)) {
      auto third = static_cast<unsigned char>(s[i + 2]);
      auto last = static_cast<unsigned char>(s[i + 3]);
      out += static_cast<char>((third == 0xBF ? 0xC0 : 0x80) | (last & 0x3F));
      i += 4;
    } else {
      out += s[i++];
    }
  }
  return out;
}

void append_json_escaped(std::string& out, std::string_view s) {
  out += '"';
  size_t run = 0;  // start of the pending stretch that needs no escape
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static const char hex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_json_string(std::string& out, std::string_view s) {
  if (json_text_is_plain(s))
    append_json_escaped(out, s);
  else
    append_json_escaped(out, bytes_to_json_text(s));
}

}  // namespace profile
