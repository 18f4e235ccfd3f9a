// The compiled-filter cache: a hit returns exactly what the compile returns,
// and anything not provably the same compile (other inputs, corrupt, writable
// by others) is a miss, never a different filter.
#include "enforce/seccomp_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace profile {
namespace {

namespace fs = std::filesystem;

class CacheDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/seccomp-cache-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    ::setenv("PROFILE_CACHE_DIR", (root_ + "/cache").c_str(), 1);
    cache_ = root_ + "/cache/seccomp";  // each kind of entry has its own directory
  }
  void TearDown() override {
    ::unsetenv("PROFILE_CACHE_DIR");
    fs::remove_all(root_);
  }
  std::string write_profile(const std::string& name, const std::string& json) {
    std::string p = root_ + "/" + name;
    std::ofstream(p) << json;
    return p;
  }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> out;
    if (fs::exists(cache_))
      for (const auto& e : fs::directory_iterator(cache_)) out.push_back(e.path());
    return out;
  }
  std::string root_, cache_;
};

const char* kAllowRead =
    R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]})";
const char* kAllowMore =
    R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group","ptrace","mount"],"action":"SCMP_ACT_ALLOW"}]})";

bool same(const PreparedSeccomp& a, const PreparedSeccomp& b) {
  return a.flags == b.flags && a.warnings == b.warnings && a.program.size() == b.program.size() &&
         std::memcmp(a.program.data(), b.program.data(), a.program.size() * sizeof(sock_filter)) == 0;
}

TEST_F(CacheDir, SecondCompileIsAHitWithTheSameProgram) {
  std::string p = write_profile("a.json", kAllowRead);
  auto direct = compile_seccomp_file(p);
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  SeccompCacheStats s1, s2;
  auto first = compile_seccomp_file_cached(p, {}, &s1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(s1.hit);
  EXPECT_TRUE(s1.stored);
  auto second = compile_seccomp_file_cached(p, {}, &s2);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(s2.hit);
  EXPECT_TRUE(same(*direct, *second));
  ASSERT_EQ(entries().size(), 1u);
  struct stat st {};
  ASSERT_EQ(::stat(entries()[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(cache_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(CacheDir, AnEntryForOtherInputsIsNeverUsed) {
  std::string a = write_profile("a.json", kAllowRead);
  std::string b = write_profile("b.json", kAllowMore);
  ASSERT_TRUE(compile_seccomp_file_cached(b).ok());
  ASSERT_EQ(entries().size(), 1u);
  fs::path permissive = entries()[0];
  // Plant b's (more permissive) entry under the name a's inputs would use.
  SeccompCacheStats s;
  ASSERT_TRUE(compile_seccomp_file_cached(a, {}, &s).ok());
  fs::path a_entry = entries()[0] == permissive ? entries()[1] : entries()[0];
  fs::copy_file(permissive, a_entry, fs::copy_options::overwrite_existing);
  auto got = compile_seccomp_file_cached(a, {}, &s);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(s.hit) << "an entry whose inputs differ was served";
  EXPECT_TRUE(same(*got, *compile_seccomp_file(a)));
  // The capabilities are inputs too (includes/excludes depend on them).
  SeccompCompileOptions caps;
  caps.capabilities = {"CAP_SYS_ADMIN"};
  ASSERT_TRUE(compile_seccomp_file_cached(a, caps, &s).ok());
  EXPECT_FALSE(s.hit);
  SeccompCompileOptions two, joined;
  two.capabilities = {"CAP_SYS_ADMIN", "CAP_NET_RAW"};
  joined.capabilities = {"CAP_SYS_ADMIN CAP_NET_RAW"};
  ASSERT_TRUE(compile_seccomp_file_cached(a, two, &s).ok());
  ASSERT_TRUE(compile_seccomp_file_cached(a, joined, &s).ok());
  EXPECT_FALSE(s.hit) << "two capability lists were taken for the same";
  // The denial report compiles another program (SCMP_ACT_NOTIFY, NEW_LISTENER).
  SeccompCompileOptions notify;
  notify.notify_denials = true;
  auto plain = compile_seccomp_file_cached(a, {}, &s);
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(s.hit);
  auto first = compile_seccomp_file_cached(a, notify, &s);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(s.hit) << "the program without notifications was served for the denial report";
  EXPECT_EQ(first->notify_errno, EPERM);
  auto again = compile_seccomp_file_cached(a, notify, &s);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(s.hit);
  EXPECT_EQ(again->notify_errno, EPERM) << "the errno to answer with must come back from the cache";
  EXPECT_TRUE(same(*again, *first));
  EXPECT_FALSE(same(*again, *plain));
  // The same text at another path: its warnings name that path.
  std::string copy = write_profile("copy.json", kAllowRead);
  ASSERT_TRUE(compile_seccomp_file_cached(copy, {}, &s).ok());
  EXPECT_FALSE(s.hit);
}

// A warning names the file it came from, also when served from the cache.
TEST_F(CacheDir, WarningsAreServedWithTheirFile) {
  const char* json =
      R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","no_such_call"],"action":"SCMP_ACT_ALLOW"}]})";
  std::string p = write_profile("warn.json", json);
  auto first = compile_seccomp_file_cached(p);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_FALSE(first->warnings.empty());
  SeccompCacheStats s;
  auto again = compile_seccomp_file_cached(p, {}, &s);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(s.hit);
  EXPECT_EQ(again->warnings, first->warnings);
  EXPECT_NE(again->warnings[0].find("warn.json"), std::string::npos) << again->warnings[0];
}

TEST_F(CacheDir, CorruptOrForeignWritableEntriesAreMisses) {
  std::string p = write_profile("a.json", kAllowRead);
  ASSERT_TRUE(compile_seccomp_file_cached(p).ok());
  fs::path e = entries()[0];
  auto size = fs::file_size(e);
  fs::resize_file(e, size - 5);  // truncated
  SeccompCacheStats s;
  auto got = compile_seccomp_file_cached(p, {}, &s);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(s.hit);
  EXPECT_TRUE(same(*got, *compile_seccomp_file(p)));
  EXPECT_TRUE(s.stored) << "the bad entry is replaced";

  ASSERT_EQ(::chmod(e.c_str(), 0666), 0);
  ASSERT_TRUE(compile_seccomp_file_cached(p, {}, &s).ok());
  EXPECT_FALSE(s.hit) << "a world-writable entry was trusted";
  ASSERT_EQ(::chmod(e.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(cache_.c_str(), 0777), 0);
  ASSERT_TRUE(compile_seccomp_file_cached(p, {}, &s).ok());
  EXPECT_FALSE(s.hit) << "an entry in a world-writable directory was trusted";
  EXPECT_FALSE(s.stored) << "wrote into a world-writable directory";
}

TEST_F(CacheDir, CompileErrorsAreNotCachedAndNoneDisables) {
  std::string bad = write_profile("bad.json", "{broken");
  auto r = compile_seccomp_file_cached(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not valid JSON"), std::string::npos) << r.error().message;
  EXPECT_TRUE(entries().empty());
  ::setenv("PROFILE_CACHE_DIR", "none", 1);
  EXPECT_EQ(seccomp_cache_dir(), "");
  SeccompCacheStats s;
  ASSERT_TRUE(compile_seccomp_file_cached(write_profile("a.json", kAllowRead), {}, &s).ok());
  EXPECT_FALSE(s.stored);
  EXPECT_TRUE(entries().empty());
}

}  // namespace
}  // namespace profile
