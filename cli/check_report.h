// Reports of `profile check` for CI systems, rendered from its JSON result
// ({"dir", "checks": [{"name", "passed", "failures", "notes", "detail"}]}, the gate's
// detail holding "failing", "allowed" and "passing" changes): markdown for a job
// summary or PR comment (summarised to stay under 64 kB), SARIF 2.1.0 for code
// scanning (one rule per change class, stable ids), JUnit XML for test widgets.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace profile::cli {

constexpr size_t kMarkdownLimit = 60 * 1024;  // GitHub's job summary and PR comments cap at 64 kB

std::string check_report_markdown(const nlohmann::json& result);
std::string check_report_sarif(const nlohmann::json& result, const std::string& version);
std::string check_report_junit(const nlohmann::json& result);

}  // namespace profile::cli
