// JSON output whose strings are bytes. Paths, argv, cwd and the messages that
// quote them come from the workload and need not be valid UTF-8, and
// nlohmann::json::dump() throws type_error.316 on such a string. dump_bytes()
// writes every string and key of the document through bytes_to_json_text
// (common/json_text.h): valid UTF-8 passes unchanged, anything else is stored
// losslessly as profile-recording(5) describes. Applied to the whole tree at the
// dump, not at each insertion, so that a field added later cannot bring the
// exception back; the error_handler of dump() would replace or drop bytes instead.
#pragma once

#include <string>
#include <utility>

#include "common/json_text.h"

namespace profile {
namespace json_bytes_detail {

template <class Json>
void encode(Json& j) {
  if (j.is_string()) {
    auto& s = j.template get_ref<typename Json::string_t&>();
    if (!json_text_is_plain(s)) s = bytes_to_json_text(s);
  } else if (j.is_array()) {
    for (auto& e : j) encode(e);
  } else if (j.is_object()) {
    bool keys_plain = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      keys_plain = keys_plain && json_text_is_plain(it.key());
      encode(it.value());
    }
    if (keys_plain) return;
    // Keys cannot be changed in place; the encoding is injective, so no two keys merge.
    Json out = Json::object();
    for (auto it = j.begin(); it != j.end(); ++it) out[bytes_to_json_text(it.key())] = std::move(it.value());
    j = std::move(out);
  }
}

}  // namespace json_bytes_detail

// j.dump(indent) with every string and key taken as bytes. Never throws
// type_error.316. Works for nlohmann::json and nlohmann::ordered_json.
template <class Json>
std::string dump_bytes(Json j, int indent = -1) {
  json_bytes_detail::encode(j);
  return j.dump(indent);
}

}  // namespace profile
