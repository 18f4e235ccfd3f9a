// JSON form of the recording. Written by a streaming writer (byte for byte what
// nlohmann's dump(2) of the same document gives: keys sorted, arrays in the
// Recording's order, so the output is a pure function of the Recording); read with
// nlohmann. Strings are bytes, stored as json text (common/json_text.h).
#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/atomic_file.h"
#include "common/bad_input.h"
#include "common/json_text.h"
#include "common/recording.h"

namespace profile {
namespace {
using nlohmann::json;

const json& need(const json& obj, const char* key, json::value_t type, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) throw BadInputAt{where, std::string("missing \"") + key + "\""};
  bool good = it->type() == type || (type == json::value_t::number_unsigned &&
                                     it->type() == json::value_t::number_integer && it->get<int64_t>() >= 0);
  if (!good)
    throw BadInputAt{where + "/" + key, std::string("expected ") + json(type).type_name() + ", got " + it->type_name()};
  return *it;
}

const json* opt(const json& obj, const char* key, json::value_t type, const std::string& where) {
  if (!obj.contains(key)) return nullptr;
  return &need(obj, key, type, where);
}

uint64_t as_count(const json& v, const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw BadInputAt{where, "expected a non-negative integer"};
  return v.get<uint64_t>();
}

// Every string in the document (keys too) is json text (common/json_text.h): back
// to bytes. Only the form the writer gives is accepted, so that no two spellings
// (a hand-edited U+10FFC3 U+10FFA9 for "\u00e9") can name the same path.
std::string decode(const std::string& text, const std::string& where) {
  std::string b = json_text_to_bytes(text);
  if (b.size() != text.size() && bytes_to_json_text(b) != text)
    throw BadInputAt{where, "U+10FF80..U+10FFFF stand for bytes that are not valid UTF-8, but these spell valid UTF-8"};
  return b;
}

std::string bytes(const json& v, const std::string& where) {
  return decode(v.get_ref<const std::string&>(), where);
}

std::string as_string(const json& v, const std::string& where) {
  if (!v.is_string()) throw BadInputAt{where, "expected a string"};
  return bytes(v, where);
}

NetEndpoint endpoint_from_json(const json& e, const std::string& w) {
  if (!e.is_object()) throw BadInputAt{w, "expected an object"};
  NetEndpoint ep;
  ep.family = bytes(need(e, "family", json::value_t::string, w), w + "/family");
  ep.op = bytes(need(e, "op", json::value_t::string, w), w + "/op");
  if (auto* v = opt(e, "type", json::value_t::string, w)) ep.type = bytes(*v, w + "/type");
  if (auto* v = opt(e, "address", json::value_t::string, w)) ep.address = bytes(*v, w + "/address");
  if (auto* v = opt(e, "path", json::value_t::string, w)) ep.path = bytes(*v, w + "/path");
  if (auto* v = opt(e, "result", json::value_t::string, w)) ep.result = bytes(*v, w + "/result");
  if (e.contains("port")) {
    uint64_t port = as_count(e["port"], w + "/port");
    if (port > 65535) throw BadInputAt{w + "/port", "port must be 0..65535"};
    ep.port = static_cast<uint32_t>(port);
  }
  return ep;
}

// The "coverage" member, read after the items it counts: each count must be
// of an item the recording has, and below the number of runs (an item every run
// saw is not listed).
Coverage coverage_from_json(const json& c, const Recording& rec) {
  Coverage cov;
  uint64_t runs = rec.runs.size();
  if (runs < 2) throw BadInputAt{"/coverage", "coverage is kept only for a recording of several runs"};
  auto count = [&](const json& v, const std::string& w) {
    uint64_t n = as_count(v, w);
    if (n >= runs) throw BadInputAt{w, "a run count must be below the number of runs (" + std::to_string(runs) + ")"};
    return n;
  };
  auto paths = [&](const char* key, const auto& items, std::map<std::string, uint64_t>& out) {
    std::string w = std::string("/coverage/") + key;
    if (auto* m = opt(c, key, json::value_t::object, "/coverage"))
      for (const auto& [k, v] : m->items()) {
        std::string name = decode(k, w + "/" + k);
        if (items.find(name) == items.end()) throw BadInputAt{w + "/" + k, "not an item of the recording"};
        out[name] = count(v, w + "/" + k);
      }
  };
  paths("files", rec.files, cov.files);
  paths("executables", rec.executables, cov.executables);
  paths("capabilities", rec.capabilities, cov.capabilities);
  if (auto* m = opt(c, "syscalls", json::value_t::object, "/coverage"))
    for (const auto& [arch, names] : m->items()) {
      std::string w = "/coverage/syscalls/" + arch;
      if (!names.is_object()) throw BadInputAt{w, "expected an object"};
      auto it = rec.syscalls.find(decode(arch, w));
      for (const auto& [name, v] : names.items()) {
        std::string n = decode(name, w + "/" + name);
        if (it == rec.syscalls.end() || it->second.find(n) == it->second.end())
          throw BadInputAt{w + "/" + name, "not a syscall of the recording"};
        cov.syscalls[it->first][n] = count(v, w + "/" + name);
      }
    }
  if (auto* net = opt(c, "network", json::value_t::array, "/coverage")) {
    int n = 0;
    for (const auto& e : *net) {
      std::string w = "/coverage/network/" + std::to_string(n++);
      NetEndpoint ep = endpoint_from_json(e, w);
      if (rec.network.find(ep) == rec.network.end()) throw BadInputAt{w, "not an endpoint of the recording"};
      cov.network[ep] = count(need(e, "count", json::value_t::number_unsigned, w), w + "/count");
    }
  }
  return cov;
}

RunInfo run_from_json(const json& j, const std::string& w) {
  if (!j.is_object()) throw BadInputAt{w, "expected an object"};
  RunInfo r;
  for (const auto& a : need(j, "command", json::value_t::array, w)) r.command.push_back(as_string(a, w + "/command"));
  r.tracer = bytes(need(j, "tracer", json::value_t::string, w), w + "/tracer");
  if (auto* v = opt(j, "cwd", json::value_t::string, w)) r.cwd = bytes(*v, w + "/cwd");
  if (auto* v = opt(j, "kernel", json::value_t::string, w)) r.kernel = bytes(*v, w + "/kernel");
  if (auto* v = opt(j, "arch", json::value_t::string, w)) r.arch = bytes(*v, w + "/arch");
  if (auto* v = opt(j, "started", json::value_t::string, w)) r.started = bytes(*v, w + "/started");
  if (j.contains("duration_ms")) r.duration_ms = as_count(j["duration_ms"], w + "/duration_ms");
  if (j.contains("lost_events")) r.lost_events = as_count(j["lost_events"], w + "/lost_events");
  if (auto* e = opt(j, "exit", json::value_t::object, w)) {
    // Checked before the cast: 2^32 + 1 must not read as exit code 1.
    auto status = [&](const char* key) {
      uint64_t v = as_count((*e)[key], w + "/exit/" + key);
      if (v > 255) throw BadInputAt{w + "/exit/" + key, "expected a number from 0 to 255"};
      return static_cast<int>(v);
    };
    if (e->contains("signal"))
      r.exit.signal = status("signal");
    else if (e->contains("code"))
      r.exit.code = status("code");
    else
      throw BadInputAt{w + "/exit", "expected \"code\" or \"signal\""};
  }
  if (auto* c = opt(j, "container", json::value_t::object, w))
    for (const auto& [k, v] : c->items())
      r.container[decode(k, w + "/container/" + k)] = as_string(v, w + "/container/" + k);
  // uid, gid and env are absent from recordings made before they were kept.
  auto id = [&](const char* key) -> std::optional<uint32_t> {
    if (!j.contains(key)) return std::nullopt;
    uint64_t v = as_count(j[key], w + "/" + key);
    if (v > 0xffffffffULL) throw BadInputAt{w + "/" + key, "expected a 32-bit id"};
    return static_cast<uint32_t>(v);
  };
  r.uid = id("uid");
  r.gid = id("gid");
  if (auto* e = opt(j, "env", json::value_t::array, w)) {
    std::vector<std::string> names;
    for (const auto& n : *e) names.push_back(as_string(n, w + "/env"));
    // Sorted and distinct, as written, so that the same run gives the same bytes.
    if (!std::is_sorted(names.begin(), names.end()) || std::adjacent_find(names.begin(), names.end()) != names.end())
      throw BadInputAt{w + "/env", "expected sorted, distinct variable names"};
    r.env = std::move(names);
  }
  if (auto* v = opt(j, "home", json::value_t::string, w)) r.home = bytes(*v, w + "/home");
  // Absent from runs on the host's root and from recordings made before images.
  if (auto* v = opt(j, "image", json::value_t::string, w)) r.image = bytes(*v, w + "/image");
  if (auto* v = opt(j, "image_digest", json::value_t::string, w)) r.image_digest = bytes(*v, w + "/image_digest");
  if (auto* v = opt(j, "rootfs", json::value_t::string, w)) r.rootfs = bytes(*v, w + "/rootfs");
  return r;
}
}  // namespace

namespace {
// Streams the bytes nlohmann's dump(2) + "\n" gives for the same document: keys
// sorted by byte (nlohmann objects are std::maps), 2-space indent, one member or
// element per line, {} and [] when empty. Building, dumping and freeing a DOM for
// 10,000 files cost tens of ms on every learn; this walks the ordered containers.
struct Writer {
  std::string out;
  size_t depth = 0;
  bool first = true;  // nothing written yet in the innermost object/array

  void indent() { out.append(2 * depth, ' '); }
  void open(char c) {
    out += c;
    ++depth;
    first = true;
  }
  void close(char c) {
    --depth;
    if (!first) {
      out += '\n';
      indent();
    }
    out += c;
    first = false;  // the enclosing container holds at least this one
  }
  void next() {
    out += first ? "\n" : ",\n";
    first = false;
    indent();
  }
  // `text` is already json text (valid UTF-8, see json_text.h).
  void key_text(std::string_view text) {
    next();
    append_json_escaped(out, text);
    out += ": ";
  }
  void key(std::string_view name) { key_text(name); }  // the document's own ASCII names
  void str(std::string_view s) { append_json_string(out, s); }
  template <class Int>
  void num(Int v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
  void nums(const auto& v) {
    open('[');
    for (auto x : v) {
      next();
      num(x);
    }
    close(']');
  }

  // The members of a string-keyed map, in the order nlohmann would sort their json
  // text. That is the map's own order unless a key had to be encoded (encoding can
  // move a key past others), so only then are the keys sorted again.
  template <class Map, class Value, class Skip>
  void members(const Map& m, Value value, Skip skip) {
    bool plain = true;
    for (const auto& kv : m)
      if (!json_text_is_plain(kv.first)) {
        plain = false;
        break;
      }
    if (plain) {
      for (const auto& [k, v] : m)
        if (!skip(v)) {
          key_text(k);
          value(v);
        }
      return;
    }
    std::vector<std::pair<std::string, const typename Map::mapped_type*>> sorted;
    for (const auto& [k, v] : m)
      if (!skip(v)) sorted.emplace_back(bytes_to_json_text(k), &v);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [k, v] : sorted) {
      key_text(k);
      value(*v);
    }
  }
  template <class Map, class Value>
  void object(const Map& m, Value value) {
    open('{');
    members(m, value, [](const auto&) { return false; });
    close('}');
  }
  void counts(const std::map<std::string, uint64_t>& m) {
    object(m, [this](uint64_t n) { num(n); });
  }
};

void write_run(Writer& w, const RunInfo& r) {
  w.open('{');
  w.key("arch");
  w.str(r.arch);
  w.key("command");
  w.open('[');
  for (const auto& a : r.command) {
    w.next();
    w.str(a);
  }
  w.close(']');
  w.key("container");
  w.object(r.container, [&w](const std::string& v) { w.str(v); });
  w.key("cwd");
  w.str(r.cwd);
  w.key("duration_ms");
  w.num(r.duration_ms);
  if (r.env) {
    w.key("env");
    w.open('[');
    for (const auto& n : *r.env) {
      w.next();
      w.str(n);
    }
    w.close(']');
  }
  w.key("exit");
  w.open('{');
  w.key(r.exit.signal != 0 ? "signal" : "code");
  w.num(r.exit.signal != 0 ? r.exit.signal : r.exit.code);
  w.close('}');
  if (r.gid) {
    w.key("gid");
    w.num(*r.gid);
  }
  if (r.home) {
    w.key("home");
    w.str(*r.home);
  }
  if (r.image) {
    w.key("image");
    w.str(*r.image);
  }
  if (r.image_digest) {
    w.key("image_digest");
    w.str(*r.image_digest);
  }
  w.key("kernel");
  w.str(r.kernel);
  w.key("lost_events");
  w.num(r.lost_events);
  if (r.rootfs) {
    w.key("rootfs");
    w.str(*r.rootfs);
  }
  w.key("started");
  w.str(r.started);
  w.key("tracer");
  w.str(r.tracer);
  if (r.uid) {
    w.key("uid");
    w.num(*r.uid);
  }
  w.close('}');
}

void write_file(Writer& w, const FileRecord& f) {
  // Access kinds are keyed by name, so they come out in name order, not enum order.
  static const std::vector<Access> by_name = [] {
    auto v = all_accesses();
    std::sort(v.begin(), v.end(), [](Access a, Access b) { return std::string_view(access_name(a)) < access_name(b); });
    return v;
  }();
  w.open('{');
  w.key("access");
  w.open('{');
  for (Access a : by_name)
    if (auto it = f.accesses.find(a); it != f.accesses.end()) {
      w.key(access_name(a));
      w.counts(it->second);
    }
  w.close('}');
  if (!f.type.empty()) {
    w.key("type");
    w.str(f.type);
  }
  w.close('}');
}

void write_endpoint(Writer& w, const NetEndpoint& ep, uint64_t count) {
  w.open('{');
  if (!ep.address.empty()) {
    w.key("address");
    w.str(ep.address);
  }
  w.key("count");
  w.num(count);
  w.key("family");
  w.str(ep.family);
  w.key("op");
  w.str(ep.op);
  if (!ep.path.empty()) {
    w.key("path");
    w.str(ep.path);
  }
  if (ep.port != 0) {
    w.key("port");
    w.num(ep.port);
  }
  w.key("result");
  w.str(ep.result);
  if (!ep.type.empty()) {
    w.key("type");
    w.str(ep.type);
  }
  w.close('}');
}

// Enough for the whole document in one allocation (rarely a little short: the
// string then grows once).
size_t size_estimate(const Recording& rec) {
  size_t n = 256;
  for (const auto& r : rec.runs) {
    n += 512 + r.cwd.size();
    for (const auto& a : r.command) n += 16 + a.size();
    for (const auto& [k, v] : r.container) n += 16 + k.size() + v.size();
    if (r.env)
      for (const auto& e : *r.env) n += 8 + e.size();
  }
  for (const auto& [arch, names] : rec.syscalls) n += 32 + names.size() * 40;
  for (const auto& [arch, per_sys] : rec.args)
    for (const auto& [name, v] : per_sys) n += 160 + v.tuples.size() * (16 + v.indices.size() * 32);
  for (const auto& [path, f] : rec.files) {
    n += 80 + path.size();
    for (const auto& [a, outcomes] : f.accesses) n += 32 + outcomes.size() * 32;
  }
  for (const auto& [path, c] : rec.executables) n += 32 + path.size();
  for (const auto& [ep, c] : rec.network) n += 256 + ep.address.size() + ep.path.size();
  for (const auto& [cap, evidence] : rec.capabilities)
    for (const auto& e : evidence) n += 48 + cap.size() + e.size();
  return n;
}
}  // namespace

std::string recording_to_json(const Recording& rec) {
  Writer w;
  w.out.reserve(size_estimate(rec));
  w.open('{');
  w.key("args");
  w.open('{');
  // An architecture with no syscall entries has no key (as when the DOM was built by indexing).
  auto no_entries = [](const std::map<std::string, ArgValues>& per_sys) { return per_sys.empty(); };
  w.members(
      rec.args,
      [&w](const std::map<std::string, ArgValues>& per_sys) {
        w.object(per_sys, [&w](const ArgValues& v) {
          w.open('{');
          w.key("indices");
          w.nums(v.indices);
          w.key("masks");
          w.nums(v.masks);
          w.key("values");
          w.open('[');
          for (const auto& t : v.tuples) {
            w.next();
            w.nums(t);
          }
          w.close(']');
          w.close('}');
        });
      },
      no_entries);
  w.close('}');
  // Absent when nothing was inferred, so that recordings without capabilities
  // keep the bytes they had before the section existed.
  if (!rec.capabilities.empty()) {
    w.key("capabilities");
    w.object(rec.capabilities, [&w](const std::set<std::string>& evidence) {
      w.open('[');
      for (const auto& e : evidence) {
        w.next();
        w.str(e);
      }
      w.close(']');
    });
  }
  // Which runs saw what (Recording::coverage): only in a recording of several
  // runs, and only while known; an unknown coverage is read back from its absence.
  if (rec.runs.size() > 1 && rec.coverage.known) {
    const Coverage& c = rec.coverage;
    w.key("coverage");
    w.open('{');
    w.key("capabilities");
    w.counts(c.capabilities);
    w.key("executables");
    w.counts(c.executables);
    w.key("files");
    w.counts(c.files);
    w.key("network");
    w.open('[');
    for (const auto& [ep, n] : c.network) {
      w.next();
      write_endpoint(w, ep, n);
    }
    w.close(']');
    w.key("syscalls");
    w.object(c.syscalls, [&w](const std::map<std::string, uint64_t>& names) { w.counts(names); });
    w.close('}');
  }
  w.key("executables");
  w.counts(rec.executables);
  w.key("files");
  w.object(rec.files, [&w](const FileRecord& f) { write_file(w, f); });
  w.key("format");
  w.str(kRecordingFormat);
  w.key("network");
  w.open('[');
  for (const auto& [ep, count] : rec.network) {
    w.next();
    write_endpoint(w, ep, count);
  }
  w.close(']');
  w.key("runs");
  w.open('[');
  for (const auto& r : rec.runs) {
    w.next();
    write_run(w, r);
  }
  w.close(']');
  w.key("syscalls");
  w.object(rec.syscalls, [&w](const std::map<std::string, uint64_t>& names) { w.counts(names); });
  w.close('}');
  w.out += '\n';
  return std::move(w.out);
}

Result<std::vector<RunInfo>> recording_runs_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    // Members other than "format" and "runs" are parsed but never stored.
    j = json::parse(text, [](int depth, json::parse_event_t event, json& parsed) {
      return !(depth == 1 && event == json::parse_event_t::key && parsed != "format" && parsed != "runs");
    });
  } catch (const json::parse_error& e) {
    return make_error(source + ": not valid JSON (byte " + std::to_string(e.byte) + "); is it a recording.json?");
  }
  std::vector<RunInfo> runs;
  try {
    if (!j.is_object()) throw BadInputAt{"", "expected a JSON object at the top"};
    auto fmt = j.find("format");
    if (fmt == j.end() || !fmt->is_string() || *fmt != kRecordingFormat)
      throw BadInputAt{"/format", std::string("expected \"") + kRecordingFormat + "\""};
    int i = 0;
    for (const auto& r : need(j, "runs", json::value_t::array, ""))
      runs.push_back(run_from_json(r, "/runs/" + std::to_string(i++)));
  } catch (const BadInputAt& b) {
    return b.error(source);
  } catch (const json::exception& e) {
    return make_error(source + ": malformed recording (" + e.what() + ")");
  }
  return runs;
}

Result<Recording> recording_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return Error{source + ": not valid JSON (byte " + std::to_string(e.byte) + "); is it a recording.json?", 0,
                 ErrorKind::BadInput};
  } catch (const json::exception& e) {
    // A number beyond a double (1e400) is out_of_range.406, not a parse_error.
    return Error{source + ": not valid JSON (" + std::string(e.what()) + ")", 0, ErrorKind::BadInput};
  }
  Recording rec;
  try {
    if (!j.is_object()) throw BadInputAt{"", "expected a JSON object at the top"};
    auto fmt = j.find("format");
    if (fmt == j.end() || !fmt->is_string())
      throw BadInputAt{"", "no \"format\" field: this is not a profile recording"};
    if (*fmt != kRecordingFormat)
      throw BadInputAt{"/format",
                       "unsupported format \"" + fmt->get<std::string>() + "\", expected \"" + kRecordingFormat + "\""};
    int i = 0;
    for (const auto& r : need(j, "runs", json::value_t::array, ""))
      rec.runs.push_back(run_from_json(r, "/runs/" + std::to_string(i++)));
    for (const auto& [arch, names] : need(j, "syscalls", json::value_t::object, "").items()) {
      if (!names.is_object()) throw BadInputAt{"/syscalls/" + arch, "expected an object"};
      for (const auto& [name, count] : names.items())
        rec.syscalls[decode(arch, "/syscalls/" + arch)][decode(name, "/syscalls/" + arch + "/" + name)] =
            as_count(count, "/syscalls/" + arch + "/" + name);
    }
    if (auto* args = opt(j, "args", json::value_t::object, ""))
      for (const auto& [arch, per_sys] : args->items()) {
        if (!per_sys.is_object()) throw BadInputAt{"/args/" + arch, "expected an object"};
        for (const auto& [name, v] : per_sys.items()) {
          std::string w = "/args/" + arch + "/" + name;
          if (!v.is_object()) throw BadInputAt{w, "expected an object"};
          ArgValues av;
          for (const auto& x : need(v, "indices", json::value_t::array, w)) {
            uint64_t idx = as_count(x, w + "/indices");
            if (idx > 5) throw BadInputAt{w + "/indices", "argument index must be 0..5"};
            av.indices.push_back(static_cast<unsigned>(idx));
          }
          for (const auto& x : need(v, "masks", json::value_t::array, w)) av.masks.push_back(as_count(x, w + "/masks"));
          if (av.masks.size() != av.indices.size()) throw BadInputAt{w, "\"masks\" and \"indices\" differ in length"};
          for (const auto& t : need(v, "values", json::value_t::array, w)) {
            if (!t.is_array() || t.size() != av.indices.size())
              throw BadInputAt{w + "/values", "each value must be an array with one number per index"};
            std::vector<uint64_t> tuple;
            for (const auto& x : t) tuple.push_back(as_count(x, w + "/values"));
            av.tuples.insert(tuple);
          }
          rec.args[decode(arch, "/args/" + arch)][decode(name, w)] = std::move(av);
        }
      }
    for (const auto& [path, f] : need(j, "files", json::value_t::object, "").items()) {
      std::string w = "/files/" + path;
      if (path.empty() || path[0] != '/') throw BadInputAt{w, "file paths must be absolute"};
      if (!f.is_object()) throw BadInputAt{w, "expected an object"};
      FileRecord fr;
      if (auto* t = opt(f, "type", json::value_t::string, w)) fr.type = bytes(*t, w + "/type");
      for (const auto& [kind, outcomes] : need(f, "access", json::value_t::object, w).items()) {
        auto k = access_from_name(kind);
        if (!k) throw BadInputAt{w + "/access", "unknown access kind \"" + kind + "\""};
        if (!outcomes.is_object()) throw BadInputAt{w + "/access/" + kind, "expected an object"};
        for (const auto& [outcome, count] : outcomes.items())
          fr.accesses[*k][decode(outcome, w + "/access/" + kind + "/" + outcome)] =
              as_count(count, w + "/access/" + kind + "/" + outcome);
      }
      rec.files[decode(path, w)] = std::move(fr);
    }
    if (auto* caps = opt(j, "capabilities", json::value_t::object, ""))
      for (const auto& [cap, evidence] : caps->items()) {
        std::string w = "/capabilities/" + cap;
        if (cap.rfind("CAP_", 0) != 0) throw BadInputAt{w, "capability names look like CAP_SETUID"};
        if (!evidence.is_array()) throw BadInputAt{w, "expected an array of strings"};
        auto& mine = rec.capabilities[decode(cap, w)];
        for (const auto& e : evidence) mine.insert(as_string(e, w));
      }
    if (auto* ex = opt(j, "executables", json::value_t::object, ""))
      for (const auto& [path, count] : ex->items())
        rec.executables[decode(path, "/executables/" + path)] = as_count(count, "/executables/" + path);
    if (auto* net = opt(j, "network", json::value_t::array, "")) {
      int n = 0;
      for (const auto& e : *net) {
        std::string w = "/network/" + std::to_string(n++);
        rec.network[endpoint_from_json(e, w)] += e.contains("count") ? as_count(e["count"], w + "/count") : 1;
      }
    }
    if (auto* cov = opt(j, "coverage", json::value_t::object, ""))
      rec.coverage = coverage_from_json(*cov, rec);
    else
      rec.coverage.known = rec.runs.size() <= 1;
  } catch (const BadInputAt& b) {
    return b.error(source);
  } catch (const json::exception& e) {
    return Error{source + ": malformed recording (" + e.what() + ")", 0, ErrorKind::BadInput};
  }
  return rec;
}

Result<Recording> load_recording(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return recording_from_json(*text, path);
}

Status save_recording(const std::string& path, const Recording& rec) {
  return write_file_atomic(path, recording_to_json(rec));
}

}  // namespace profile
