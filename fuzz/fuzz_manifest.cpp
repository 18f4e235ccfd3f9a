// profile.toml (profilegen/manifest.cpp): the bundle manifest `profile enforce`
// reads. Besides totality, the round trip manifest.h promises:
// parse_manifest(manifest_to_toml(m)) == m.
#include "fuzz/fuzz_check.h"
#include "profilegen/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace profile;
  auto m = parse_manifest(fuzz::text_of(data, size), "profile.toml");
  if (!m) {
    fuzz::check_refusal(m.error(), "profile.toml");
    return 0;
  }
  std::string text = manifest_to_toml(*m);
  auto again = parse_manifest(text, "rewritten.toml");
  if (!again) fuzz::fail("manifest_to_toml's output does not read back: " + again.error().message + "\n" + text);
  if (!(*again == *m)) fuzz::fail("manifest_to_toml's output reads back as another manifest:\n" + text);
  return 0;
}
