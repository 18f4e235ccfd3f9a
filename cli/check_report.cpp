#include "cli/check_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>

#include "common/json_bytes.h"

namespace profile::cli {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' || c == '>' || c == '[' || c == ']') out += '\\';
    if (c == '\n') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even as references.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += "?";
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

const json* gate_of(const json& result) {
  for (const auto& c : result["checks"])
    if (str(c, "name") == "gate") return &c;
  return nullptr;
}

std::string change_line(const json& c) {
  std::string d = str(c, "detail");
  return str(c, "class") + " " + str(c, "subject") + (d.empty() ? "" : " (" + d + ")") + ": " + str(c, "reason");
}

// RFC 3986: everything but unreserved characters and '/' percent-encoded, bytes as they are.
std::string uri_path(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// FNV-1a: a fingerprint that is the same on every machine and run, so that code
// scanning keeps one alert per change across pushes.
std::string fingerprint(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string dir_uri(std::string path) {
  if (path.empty() || path.back() != '/') path += '/';
  return uri_path(path);
}

}  // namespace

SarifLocation sarif_location(const std::string& bundle_dir, const std::string& repo_root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(repo_root.empty() ? "." : repo_root, ec), ec);
  fs::path bundle = fs::weakly_canonical(fs::absolute(bundle_dir, ec), ec);
  SarifLocation w;
  w.root_uri = "file://" + dir_uri(root.string());
  fs::path rel = bundle.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") {
    w.relative = false;
    w.bundle_uri = "file://" + dir_uri(bundle.string());
  } else {
    w.bundle_uri = rel == "." ? "" : dir_uri(rel.string());
  }
  return w;
}

std::string check_report_markdown(const json& result) {
  std::string out =
      "## profile check: `" + md_escape(str(result, "dir")) + "`\n\n| check | result | failures |\n|---|---|---|\n";
  for (const auto& c : result["checks"]) {
    std::string res = c["passed"].is_null() ? "not run" : c["passed"].get<bool>() ? "passed" : "**failed**";
    out += "| " + md_escape(str(c, "name")) + " | " + res + " | " +
           std::to_string(c.contains("failures") ? c["failures"].size() : 0) + " |\n";
  }
  std::string body;
  size_t omitted = 0;
  auto add = [&](const std::string& line) {
    if (out.size() + body.size() + line.size() + 200 > kMarkdownLimit) {
      ++omitted;
      return;
    }
    body += line;
  };
  if (const json* g = gate_of(result)) {
    const json& d = (*g)["detail"];
    add("\n### Gate against `" + md_escape(str(d, "against")) + "` (fails on " + md_escape(str(d, "fail_on")) +
        ")\n\n");
    for (const char* part : {"failing", "allowed", "passing"}) {
      if (!d.contains(part) || d[part].empty()) continue;
      add(std::string("\n**") + part + "** (" + std::to_string(d[part].size()) + ")\n\n");
      for (const auto& c : d[part])
        add("- " + md_escape(str(c, "risk")) + " · " + md_escape(change_line(c)) +
            (c.contains("allowed_because") ? " — allowed: " + md_escape(str(c, "allowed_because")) : "") + "\n");
    }
  }
  for (const auto& c : result["checks"]) {
    if (str(c, "name") == "gate" || !c.contains("failures") || c["failures"].empty()) continue;
    add("\n### " + md_escape(str(c, "name")) + " failures\n\n");
    for (const auto& f : c["failures"]) add("- " + md_escape(f.get<std::string>()) + "\n");
  }
  out += body;
  if (omitted > 0)
    out +=
        "\n_" + std::to_string(omitted) + " more lines left out to stay under 64 kB: see the JSON or SARIF report._\n";
  return out;
}

std::string check_report_sarif(const json& result, const std::string& version, const SarifLocation& where) {
  std::map<std::string, std::string> rules;  // id -> description
  json results = json::array();
  auto location = [&](const std::string& file, int64_t line) {
    json artifact = {{"uri", where.bundle_uri + uri_path(file.empty() ? "profile.toml" : file)}};
    if (where.relative) artifact["uriBaseId"] = "%SRCROOT%";
    return json::array({{{"physicalLocation",
                          {{"artifactLocation", artifact}, {"region", {{"startLine", std::max<int64_t>(line, 1)}}}}}}});
  };
  if (const json* g = gate_of(result)) {
    const json& d = (*g)["detail"];
    for (const char* part : {"failing", "allowed", "passing"}) {
      if (!d.contains(part)) continue;
      for (const auto& c : d[part]) {
        std::string id = "profile/" + str(c, "class");
        rules[id] = "The bundle grants more: " + str(c, "class");
        std::string level = std::string(part) == "failing"   ? "error"
                            : std::string(part) == "allowed" ? "note"
                                                             : "warning";
        json r = {
            {"ruleId", id},
            {"level", level},
            {"message",
             {{"text", "[" + str(c, "risk") + "] " + change_line(c) +
                           (c.contains("allowed_because") ? " (allowed: " + str(c, "allowed_because") + ")" : "")}}},
            {"locations", location(str(c, "file"), c.value("line", int64_t{1}))},
            {"partialFingerprints",
             {{"profileChange/v1", fingerprint(str(c, "class") + "\n" + str(c, "subject") + "\n" + str(c, "detail"))}}},
            {"properties", {{"risk", str(c, "risk")}, {"subject", str(c, "subject")}}}};
        results.push_back(r);
      }
    }
  }
  for (const auto& c : result["checks"]) {
    if (str(c, "name") == "gate" || !c.contains("failures")) continue;
    std::string id = "profile/proof-" + str(c, "name");
    rules[id] = "A recorded access is denied, or a sensitive one allowed, by the " + str(c, "name") + " artifact";
    for (const auto& f : c["failures"])
      results.push_back({{"ruleId", id},
                         {"level", "error"},
                         {"message", {{"text", f.get<std::string>()}}},
                         {"locations", location(str(c, "name") == "seccomp"    ? "seccomp.json"
                                                : str(c, "name") == "landlock" ? "landlock.json"
                                                                               : "profile.toml",
                                                1)},
                         {"partialFingerprints", {{"profileProof/v1", fingerprint(f.get<std::string>())}}}});
  }
  constexpr size_t kMaxResults = 4000;  // code scanning takes 5,000 per run
  if (results.size() > kMaxResults) results.erase(results.begin() + kMaxResults, results.end());
  json rule_list = json::array();
  for (const auto& [id, text] : rules)
    rule_list.push_back({{"id", id}, {"name", id.substr(id.find('/') + 1)}, {"shortDescription", {{"text", text}}}});
  json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", json::array({{{"tool",
                                        {{"driver",
                                          {{"name", "profile"},
                                           {"version", version},
                                           {"informationUri", "https://example.invalid/profile"},
                                           {"rules", rule_list}}}}},
                                       {"results", results}}})}};
  if (where.relative) sarif["runs"][0]["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", where.root_uri}}}};
  return dump_bytes(std::move(sarif), 2) + "\n";
}

std::string check_report_junit(const json& result) {
  size_t tests = 0, failures = 0;
  std::string suites;
  for (const auto& c : result["checks"]) {
    const std::string name = str(c, "name");
    std::string cases;
    size_t t = 0, f = 0;
    if (c["passed"].is_null()) {
      cases += "    <testcase classname=\"profile.check\" name=\"" + xml_escape(name) + "\"><skipped message=\"" +
               xml_escape(str(c, "skipped")) + "\"/></testcase>\n";
      ++t;
    } else if (name == "gate") {
      const json& d = c["detail"];
      for (const auto& ch : d["failing"]) {
        ++t, ++f;
        cases += "    <testcase classname=\"profile.gate." + xml_escape(str(ch, "class")) + "\" name=\"" +
                 xml_escape(str(ch, "subject")) + "\"><failure message=\"" + xml_escape(str(ch, "risk") + " risk") +
                 "\">" + xml_escape(change_line(ch)) + "</failure></testcase>\n";
      }
      for (const char* part : {"allowed", "passing"})
        for (const auto& ch : d[part]) {
          ++t;
          cases += "    <testcase classname=\"profile.gate." + xml_escape(str(ch, "class")) + "\" name=\"" +
                   xml_escape(str(ch, "subject")) + "\"><system-out>" +
                   xml_escape(part + std::string(": ") + change_line(ch)) + "</system-out></testcase>\n";
        }
      if (t == 0) {
        ++t;
        cases += "    <testcase classname=\"profile.gate\" name=\"no widening\"/>\n";
      }
    } else {
      ++t;
      if (c["failures"].empty()) {
        cases += "    <testcase classname=\"profile.check\" name=\"" + xml_escape(name) + "\"/>\n";
      } else {
        ++f;
        std::string text;
        for (const auto& x : c["failures"]) text += x.get<std::string>() + "\n";
        cases += "    <testcase classname=\"profile.check\" name=\"" + xml_escape(name) + "\"><failure message=\"" +
                 std::to_string(c["failures"].size()) + " failures\">" + xml_escape(text) + "</failure></testcase>\n";
      }
    }
    tests += t;
    failures += f;
    suites += "  <testsuite name=\"profile check " + xml_escape(name) + "\" tests=\"" + std::to_string(t) +
              "\" failures=\"" + std::to_string(f) + "\">\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"profile check\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\">\n" + suites + "</testsuites>\n";
}

}  // namespace profile::cli
