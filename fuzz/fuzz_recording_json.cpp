// recording.json (common/recording_json.cpp): what `profile generate`, `merge`,
// `diff` and `check` read. Whatever the reader accepts, the writer writes as a
// document that reads back to the same bytes (the writer's promise that its
// output is a pure function of the Recording).
#include "common/recording.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace profile;
  auto rec = recording_from_json(fuzz::text_of(data, size), "recording.json");
  if (!rec) {
    fuzz::check_refusal(rec.error(), "recording.json");
    return 0;
  }
  std::string out = recording_to_json(*rec);
  auto again = recording_from_json(out, "rewritten.json");
  if (!again) fuzz::fail("the writer's output does not read back: " + again.error().message + "\n" + out);
  if (recording_to_json(*again) != out) fuzz::fail("the writer's output reads back to other bytes:\n" + out);
  return 0;
}
