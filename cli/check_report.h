// Reports of `profile check` for CI systems, rendered from its JSON result
// ({"dir", "checks": [{"name", "passed", "failures", "notes", "detail"}]}, the gate's
// detail holding "failing", "allowed" and "passing" changes): markdown for a job
// summary or PR comment (summarised to stay under 64 kB), SARIF 2.1.0 for code
// scanning (one rule per change class, stable ids), JUnit XML for test widgets.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace profile::cli {

constexpr size_t kMarkdownLimit = size_t{60} * 1024;  // GitHub's job summary and PR comments cap at 64 kB

std::string check_report_markdown(const nlohmann::json& result);
// Where SARIF results point: the profile file in the repository. Code scanning
// shows a result on a file only when its uri is relative to the checkout
// (uriBaseId %SRCROOT%), so the bundle directory is made relative to the
// repository root; outside it, it is an absolute file:// URI without a base.
struct SarifLocation {
  std::string bundle_uri;  // "profiles/web/" (relative, percent-encoded) or "file:///srv/web/"
  bool relative = true;
  std::string root_uri;  // "file:///home/runner/work/app/": %SRCROOT% in originalUriBaseIds
};
SarifLocation sarif_location(const std::string& bundle_dir, const std::string& repo_root);

// Results carry region.startLine: a gate change's "line" (the line of its file
// that names it, 1 when none does).
std::string check_report_sarif(const nlohmann::json& result, const std::string& version, const SarifLocation& where);
std::string check_report_junit(const nlohmann::json& result);

}  // namespace profile::cli
