#include "common/toml_guard.h"

#include <memory>

namespace profile {

std::optional<TextPosition> toml_unsafe_position(std::string_view text) {
  enum class In { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral } in = In::Code;
  TextPosition pos;
  auto starts = [&](size_t i, std::string_view s) { return text.compare(i, s.size(), s) == 0; };
  // A run of 3 to 5 quotes closes a multi-line string (up to two belong to it).
  auto close_run = [&](size_t i, char q) {
    size_t n = 0;
    while (i + n < text.size() && text[i + n] == q) ++n;
    return n;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    size_t skip = 0;  // bytes consumed beyond text[i]
    switch (in) {
      case In::Code:
        if (u >= 0x80) return pos;
        if (c == '#') {
          in = In::Comment;
        } else if (starts(i, "\"\"\"")) {
          in = In::MultiBasic;
          skip = 2;
        } else if (starts(i, "'''")) {
          in = In::MultiLiteral;
          skip = 2;
        } else if (c == '"') {
          in = In::Basic;
        } else if (c == '\'') {
          in = In::Literal;
        }
        break;
      case In::Comment:
        if (c == '\n') in = In::Code;
        break;
      case In::Basic:
      case In::Literal:
        // A newline ends a single-line string (an error toml++ reports) so that
        // this scan stays in step with the parser.
        if (c == '\n' || (in == In::Basic && c == '"') || (in == In::Literal && c == '\'')) {
          in = In::Code;
        } else if (in == In::Basic && c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          skip = 1;
        }
        break;
      case In::MultiBasic:
        if (c == '\\') {
          // A line-ending backslash: toml++ skips whitespace up to the next
          // character, asking of each whether it is whitespace.
          size_t j = i + 1;
          while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n')) ++j;
          if (j > i + 1 && j < text.size() && static_cast<unsigned char>(text[j]) >= 0x80) {
            for (size_t k = i; k < j; ++k)
              pos = text[k] == '\n' ? TextPosition{pos.line + 1, 1} : TextPosition{pos.line, pos.column + 1};
            return pos;
          }
          if (j == i + 1 && j < text.size()) skip = 1;  // an escape such as \" or \\ .
        } else if (c == '"' && close_run(i, '"') >= 3) {
          skip = close_run(i, '"') - 1;
          in = In::Code;
        }
        break;
      case In::MultiLiteral:
        if (c == '\'' && close_run(i, '\'') >= 3) {
          skip = close_run(i, '\'') - 1;
          in = In::Code;
        }
        break;
    }
    for (size_t k = i; k <= i + skip && k < text.size(); ++k)
      pos = text[k] == '\n' ? TextPosition{pos.line + 1, 1} : TextPosition{pos.line, pos.column + 1};
    i += skip;
  }
  return std::nullopt;
}

toml::table toml_parse_checked(std::string_view text, std::string_view source) {
  if (auto at = toml_unsafe_position(text)) {
    toml::source_position p{static_cast<toml::source_index>(at->line), static_cast<toml::source_index>(at->column)};
    throw toml::parse_error("a character that is not ASCII outside a string or comment", p,
                            std::make_shared<const std::string>(source));
  }
  return toml::parse(text, source);
}

}  // namespace profile
