// JSON form of the recording. nlohmann::json objects are std::map-backed, so keys
// come out sorted; arrays are built from ordered containers: the output is a pure
// function of the Recording.
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/recording.h"

namespace profile {
namespace {
using nlohmann::json;

// A bad document is reported with the JSON-pointer-like place it was found.
struct Bad {
  std::string where;
  std::string what;
};

const json& need(const json& obj, const char* key, json::value_t type, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) throw Bad{where, std::string("missing \"") + key + "\""};
  bool good = it->type() == type || (type == json::value_t::number_unsigned &&
                                     it->type() == json::value_t::number_integer && it->get<int64_t>() >= 0);
  if (!good)
    throw Bad{where + "/" + key, std::string("expected ") + json(type).type_name() + ", got " + it->type_name()};
  return *it;
}

const json* opt(const json& obj, const char* key, json::value_t type, const std::string& where) {
  if (!obj.contains(key)) return nullptr;
  return &need(obj, key, type, where);
}

uint64_t as_count(const json& v, const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw Bad{where, "expected a non-negative integer"};
  return v.get<uint64_t>();
}

std::string as_string(const json& v, const std::string& where) {
  if (!v.is_string()) throw Bad{where, "expected a string"};
  return v.get<std::string>();
}

json run_to_json(const RunInfo& r) {
  json j = json::object();
  j["command"] = r.command;
  j["cwd"] = r.cwd;
  j["tracer"] = r.tracer;
  j["kernel"] = r.kernel;
  j["arch"] = r.arch;
  j["started"] = r.started;
  j["duration_ms"] = r.duration_ms;
  j["exit"] = r.exit.signal != 0 ? json{{"signal", r.exit.signal}} : json{{"code", r.exit.code}};
  j["lost_events"] = r.lost_events;
  j["container"] = r.container;
  return j;
}

RunInfo run_from_json(const json& j, const std::string& w) {
  if (!j.is_object()) throw Bad{w, "expected an object"};
  RunInfo r;
  for (const auto& a : need(j, "command", json::value_t::array, w)) r.command.push_back(as_string(a, w + "/command"));
  r.tracer = need(j, "tracer", json::value_t::string, w).get<std::string>();
  if (auto* v = opt(j, "cwd", json::value_t::string, w)) r.cwd = v->get<std::string>();
  if (auto* v = opt(j, "kernel", json::value_t::string, w)) r.kernel = v->get<std::string>();
  if (auto* v = opt(j, "arch", json::value_t::string, w)) r.arch = v->get<std::string>();
  if (auto* v = opt(j, "started", json::value_t::string, w)) r.started = v->get<std::string>();
  if (j.contains("duration_ms")) r.duration_ms = as_count(j["duration_ms"], w + "/duration_ms");
  if (j.contains("lost_events")) r.lost_events = as_count(j["lost_events"], w + "/lost_events");
  if (auto* e = opt(j, "exit", json::value_t::object, w)) {
    if (e->contains("signal"))
      r.exit.signal = static_cast<int>(as_count((*e)["signal"], w + "/exit/signal"));
    else if (e->contains("code"))
      r.exit.code = static_cast<int>(as_count((*e)["code"], w + "/exit/code"));
    else
      throw Bad{w + "/exit", "expected \"code\" or \"signal\""};
  }
  if (auto* c = opt(j, "container", json::value_t::object, w))
    for (const auto& [k, v] : c->items()) r.container[k] = as_string(v, w + "/container/" + k);
  return r;
}
}  // namespace

std::string recording_to_json(const Recording& rec) {
  json j = json::object();
  j["format"] = kRecordingFormat;
  json runs = json::array();
  for (const auto& r : rec.runs) runs.push_back(run_to_json(r));
  j["runs"] = runs;
  j["syscalls"] = json::object();
  for (const auto& [arch, names] : rec.syscalls) j["syscalls"][arch] = names;
  j["args"] = json::object();
  for (const auto& [arch, per_sys] : rec.args)
    for (const auto& [name, v] : per_sys) {
      json tuples = json::array();
      for (const auto& t : v.tuples) tuples.push_back(t);
      j["args"][arch][name] = {{"indices", v.indices}, {"masks", v.masks}, {"values", tuples}};
    }
  j["files"] = json::object();
  for (const auto& [path, f] : rec.files) {
    json acc = json::object();
    for (const auto& [kind, outcomes] : f.accesses) acc[access_name(kind)] = outcomes;
    json fj = {{"access", acc}};
    if (!f.type.empty()) fj["type"] = f.type;
    j["files"][path] = fj;
  }
  j["executables"] = rec.executables;
  json net = json::array();
  for (const auto& [ep, count] : rec.network) {
    json e = {{"family", ep.family}, {"op", ep.op}, {"result", ep.result}, {"count", count}};
    if (!ep.type.empty()) e["type"] = ep.type;
    if (!ep.address.empty()) e["address"] = ep.address;
    if (ep.port != 0) e["port"] = ep.port;
    if (!ep.path.empty()) e["path"] = ep.path;
    net.push_back(e);
  }
  j["network"] = net;
  return j.dump(2) + "\n";
}

Result<Recording> recording_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return make_error(source + ": not valid JSON (byte " + std::to_string(e.byte) + "); is it a recording.json?");
  }
  Recording rec;
  try {
    if (!j.is_object()) throw Bad{"", "expected a JSON object at the top"};
    auto fmt = j.find("format");
    if (fmt == j.end() || !fmt->is_string()) throw Bad{"", "no \"format\" field: this is not a profile recording"};
    if (*fmt != kRecordingFormat)
      throw Bad{"/format",
                "unsupported format \"" + fmt->get<std::string>() + "\", expected \"" + kRecordingFormat + "\""};
    int i = 0;
    for (const auto& r : need(j, "runs", json::value_t::array, ""))
      rec.runs.push_back(run_from_json(r, "/runs/" + std::to_string(i++)));
    for (const auto& [arch, names] : need(j, "syscalls", json::value_t::object, "").items()) {
      if (!names.is_object()) throw Bad{"/syscalls/" + arch, "expected an object"};
      for (const auto& [name, count] : names.items())
        rec.syscalls[arch][name] = as_count(count, "/syscalls/" + arch + "/" + name);
    }
    if (auto* args = opt(j, "args", json::value_t::object, ""))
      for (const auto& [arch, per_sys] : args->items())
        for (const auto& [name, v] : per_sys.items()) {
          std::string w = "/args/" + arch + "/" + name;
          if (!v.is_object()) throw Bad{w, "expected an object"};
          ArgValues av;
          for (const auto& x : need(v, "indices", json::value_t::array, w)) {
            uint64_t idx = as_count(x, w + "/indices");
            if (idx > 5) throw Bad{w + "/indices", "argument index must be 0..5"};
            av.indices.push_back(static_cast<unsigned>(idx));
          }
          for (const auto& x : need(v, "masks", json::value_t::array, w)) av.masks.push_back(as_count(x, w + "/masks"));
          if (av.masks.size() != av.indices.size()) throw Bad{w, "\"masks\" and \"indices\" differ in length"};
          for (const auto& t : need(v, "values", json::value_t::array, w)) {
            if (!t.is_array() || t.size() != av.indices.size())
              throw Bad{w + "/values", "each value must be an array with one number per index"};
            std::vector<uint64_t> tuple;
            for (const auto& x : t) tuple.push_back(as_count(x, w + "/values"));
            av.tuples.insert(tuple);
          }
          rec.args[arch][name] = std::move(av);
        }
    for (const auto& [path, f] : need(j, "files", json::value_t::object, "").items()) {
      std::string w = "/files/" + path;
      if (path.empty() || path[0] != '/') throw Bad{w, "file paths must be absolute"};
      if (!f.is_object()) throw Bad{w, "expected an object"};
      FileRecord fr;
      if (auto* t = opt(f, "type", json::value_t::string, w)) fr.type = t->get<std::string>();
      for (const auto& [kind, outcomes] : need(f, "access", json::value_t::object, w).items()) {
        auto k = access_from_name(kind);
        if (!k) throw Bad{w + "/access", "unknown access kind \"" + kind + "\""};
        if (!outcomes.is_object()) throw Bad{w + "/access/" + kind, "expected an object"};
        for (const auto& [outcome, count] : outcomes.items())
          fr.accesses[*k][outcome] = as_count(count, w + "/access/" + kind + "/" + outcome);
      }
      rec.files[path] = std::move(fr);
    }
    if (auto* ex = opt(j, "executables", json::value_t::object, ""))
      for (const auto& [path, count] : ex->items()) rec.executables[path] = as_count(count, "/executables/" + path);
    if (auto* net = opt(j, "network", json::value_t::array, "")) {
      int n = 0;
      for (const auto& e : *net) {
        std::string w = "/network/" + std::to_string(n++);
        if (!e.is_object()) throw Bad{w, "expected an object"};
        NetEndpoint ep;
        ep.family = need(e, "family", json::value_t::string, w).get<std::string>();
        ep.op = need(e, "op", json::value_t::string, w).get<std::string>();
        if (auto* v = opt(e, "type", json::value_t::string, w)) ep.type = v->get<std::string>();
        if (auto* v = opt(e, "address", json::value_t::string, w)) ep.address = v->get<std::string>();
        if (auto* v = opt(e, "path", json::value_t::string, w)) ep.path = v->get<std::string>();
        if (auto* v = opt(e, "result", json::value_t::string, w)) ep.result = v->get<std::string>();
        if (e.contains("port")) {
          uint64_t port = as_count(e["port"], w + "/port");
          if (port > 65535) throw Bad{w + "/port", "port must be 0..65535"};
          ep.port = static_cast<uint32_t>(port);
        }
        rec.network[ep] += e.contains("count") ? as_count(e["count"], w + "/count") : 1;
      }
    }
  } catch (const Bad& b) {
    return make_error(source + ": " + (b.where.empty() ? "" : "at " + b.where + ": ") + b.what);
  } catch (const json::exception& e) {
    return make_error(source + ": malformed recording (" + e.what() + ")");
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
