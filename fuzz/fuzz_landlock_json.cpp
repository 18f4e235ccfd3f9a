// landlock.json (enforce/landlock.cpp parse_landlock_json): the ruleset
// `profile enforce` applies.
#include "enforce/landlock.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace profile;
  auto p = parse_landlock_json(fuzz::text_of(data, size), "landlock.json");
  if (!p) {
    fuzz::check_refusal(p.error(), "landlock.json");
    return 0;
  }
  for (const auto& r : p->fs)
    if (r.path.empty() || r.path[0] != '/' || (r.access & ~p->handled_fs) != 0)
      fuzz::fail("accepted a rule that is not absolute or grants beyond handled_fs: " + r.path);
  return 0;
}
