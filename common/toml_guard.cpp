#include "common/toml_guard.h"

#include <memory>

namespace profile {

std::optional<TextPosition> toml_unsafe_position(std::string_view text) {
  enum class In { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral } in = In::Code;
  TextPosition pos;
  // Outside strings: whether a value (after '=', in an array) or a key comes
  // next, the inline tables and arrays open in a value, and the last character
  // that was not a space. toml++ also asks "whitespace?" of every character of
  // a bare value (a number, a date, true) up to a space, ',', ']', '}' or '#':
  // inside one, '=', '[', '{' and quotes are part of it (0a="x", 0["x"). A
  // quote opens a string only where one can start: a line, a value, an array
  // or inline-table element, or a dotted key's part.
  bool value = false;
  bool bare = false;  // inside a bare value
  std::string open;   // '[' and '{' of arrays and inline tables
  char prev = '\n';
  // A run of 3 to 5 quotes closes a multi-line string (up to two belong to it).
  auto run = [&](size_t i, char q) {
    size_t n = 0;
    while (i + n < text.size() && text[i + n] == q) ++n;
    return n;
  };
  auto newline = [&] {
    if (open.empty()) value = false;
    prev = '\n';
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    size_t skip = 0;  // bytes consumed beyond text[i]
    switch (in) {
      case In::Code: {
        if (static_cast<unsigned char>(c) >= 0x80) return pos;
        bool ends_bare =
            c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' || c == '#';
        if (bare && !ends_bare) {
          prev = 'x';
          break;
        }
        bare = false;
        bool string_may_start =
            prev == '\n' || prev == '=' || prev == '[' || prev == '{' || prev == ',' || (prev == '.' && !value);
        if (c == ' ' || c == '\t' || c == '\r') break;
        if (c == '\n') {
          newline();
          break;
        }
        char prev_before = prev;
        prev = c;
        if (c == '#') {
          in = In::Comment;
        } else if (c == '=') {
          value = true;
        } else if (c == '[' || c == '{') {
          // Glued to a bare value (0[), a bracket is part of it for toml++.
          bool value_start = prev_before == '=' || prev_before == '[' || prev_before == ',' || prev_before == '\n';
          if (value && value_start) {
            open += c;
            if (c == '{') value = false;
          } else if (value || (prev_before != '\n' && prev_before != '[')) {
            prev = 'x';
          }
        } else if (c == ',') {
          if (!open.empty()) value = open.back() == '[';
        } else if ((c == ']' || c == '}') && !open.empty() && open.back() == (c == ']' ? '[' : '{')) {
          open.pop_back();
          value = true;
        } else if ((c == '"' || c == '\'') && string_may_start) {
          bool multi = run(i, c) >= 3;
          in = c == '"' ? (multi ? In::MultiBasic : In::Basic) : (multi ? In::MultiLiteral : In::Literal);
          skip = multi ? 2 : 0;
        } else if (value && c != ']' && c != '}' && c != ',') {
          bare = true;  // a value that is no string, array or inline table
          prev = 'x';
        }
        break;
      }
      case In::Comment:
        if (c == '\n') {
          in = In::Code;
          newline();
        }
        break;
      case In::Basic:
      case In::Literal:
        // A newline ends a single-line string (an error toml++ reports) so that
        // this scan stays in step with the parser.
        if (c == '\n') {
          in = In::Code;
          newline();
        } else if ((in == In::Basic && c == '"') || (in == In::Literal && c == '\'')) {
          in = In::Code;
        } else if (in == In::Basic && c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          skip = 1;
        }
        break;
      case In::MultiBasic:
        if (c == '\\') {
          // toml++ asks whether the character after a backslash is whitespace
          // (a line-ending backslash), then of each it skips.
          size_t j = i + 1;
          while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n')) ++j;
          if (j < text.size() && static_cast<unsigned char>(text[j]) >= 0x80) {
            for (size_t k = i; k < j; ++k)
              pos = text[k] == '\n' ? TextPosition{pos.line + 1, 1} : TextPosition{pos.line, pos.column + 1};
            return pos;
          }
          if (j == i + 1 && j < text.size()) skip = 1;  // an escape such as \" or \\ .
        } else if (c == '"' && run(i, '"') >= 3) {
          skip = run(i, '"') - 1;
          in = In::Code;
        }
        break;
      case In::MultiLiteral:
        if (c == '\'' && run(i, '\'') >= 3) {
          skip = run(i, '\'') - 1;
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
