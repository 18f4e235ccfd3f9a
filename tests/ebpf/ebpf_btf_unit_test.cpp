// The kernel BTF subset the eBPF tracer relocates against (tracer/ebpf/ebpf_btf.h):
// built from this machine's /sys/kernel/btf/vmlinux, it must place every
// member where the kernel does, and the cache must hand back only entries it
// can trust. (The tracer's privileged tests load the real programs through it.)
#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tracer/ebpf/ebpf_btf.h"

namespace profile::ebpf {
namespace {

namespace fs = std::filesystem;

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

// What the BPF object's own BTF says: only the names and kinds count.
BtfPtr local_btf() {
  BtfPtr local(btf__new_empty());
  for (const char* name : {"task_struct", "dentry", "mount", "file", "pl_event_of_our_own"})
    btf__add_struct(local.get(), name, 8);
  return local;
}

const btf_member* member(const btf* b, const btf_type* t, const char* name, int* index) {
  const btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i) {
    const char* n = btf__name_by_offset(b, m[i].name_off);
    if (n != nullptr && std::string(n) == name) {
      *index = i;
      return &m[i];
    }
  }
  return nullptr;
}

class EbpfBtf : public ::testing::Test {
 protected:
  void SetUp() override {
    vmlinux_.reset(btf__load_vmlinux_btf());
    if (!vmlinux_) GTEST_SKIP() << "this kernel has no /sys/kernel/btf/vmlinux";
  }
  BtfPtr vmlinux_;
};

TEST_F(EbpfBtf, SubsetPlacesEveryMemberWhereTheKernelDoes) {
  BtfPtr local = local_btf();
  auto raw = minimal_btf(local.get(), vmlinux_.get());
  ASSERT_TRUE(raw.ok()) << raw.error().message;
  BtfPtr subset(btf__new(raw->data(), static_cast<uint32_t>(raw->size())));
  ASSERT_TRUE(subset);
  EXPECT_LT(raw->size(), 200u * 1024) << "a subset, not the kernel's 5 MB";
  EXPECT_LT(btf__find_by_name_kind(subset.get(), "pl_event_of_our_own", BTF_KIND_STRUCT), 0);
  EXPECT_LT(btf__find_by_name_kind(subset.get(), "sched_class", BTF_KIND_STRUCT), 0)
      << "structs reached only through pointers are left out";

  for (const char* name : {"task_struct", "dentry", "mount", "file"}) {
    int kid = btf__find_by_name_kind(vmlinux_.get(), name, BTF_KIND_STRUCT);
    int sid = btf__find_by_name_kind(subset.get(), name, BTF_KIND_STRUCT);
    ASSERT_GT(kid, 0) << name;
    ASSERT_GT(sid, 0) << name << " is missing from the subset";
    const btf_type* k = btf__type_by_id(vmlinux_.get(), kid);
    const btf_type* s = btf__type_by_id(subset.get(), sid);
    EXPECT_EQ(s->size, k->size) << name;
    ASSERT_EQ(btf_vlen(s), btf_vlen(k)) << name;
    for (int i = 0; i < btf_vlen(k); ++i) {
      EXPECT_EQ(btf_member_bit_offset(s, i), btf_member_bit_offset(k, i)) << name << " member " << i;
      EXPECT_EQ(btf_member_bitfield_size(s, i), btf_member_bitfield_size(k, i)) << name << " member " << i;
    }
  }
  // The fields the tracer reads: tgid where the kernel has it, pointers kept
  // as pointers, and the vfsmount embedded in struct mount copied whole.
  const btf_type* task =
      btf__type_by_id(subset.get(), btf__find_by_name_kind(subset.get(), "task_struct", BTF_KIND_STRUCT));
  int i = -1;
  const btf_member* files = member(subset.get(), task, "files", &i);
  ASSERT_NE(files, nullptr);
  EXPECT_TRUE(btf_is_ptr(btf__type_by_id(subset.get(), files->type)));
  const btf_type* mount = btf__type_by_id(subset.get(), btf__find_by_name_kind(subset.get(), "mount", BTF_KIND_STRUCT));
  const btf_member* mnt = member(subset.get(), mount, "mnt", &i);
  ASSERT_NE(mnt, nullptr);
  const btf_type* vfsmount = btf__type_by_id(subset.get(), btf__resolve_type(subset.get(), mnt->type));
  ASSERT_TRUE(btf_is_struct(vfsmount));
  EXPECT_NE(member(subset.get(), vfsmount, "mnt_root", &i), nullptr);
}

class EbpfBtfCache : public EbpfBtf {
 protected:
  void SetUp() override {
    EbpfBtf::SetUp();
    if (IsSkipped()) return;
    if (kernel_identity().empty()) GTEST_SKIP() << "no /sys/kernel/notes to key the cache on";
    char tmpl[] = "/tmp/profile-btf-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    ::setenv("PROFILE_CACHE_DIR", root_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("PROFILE_CACHE_DIR");
    if (!root_.empty()) fs::remove_all(root_);
  }
  std::string root_;
};

TEST_F(EbpfBtfCache, BuiltOnceThenServedFromTheCacheOnlyWhenTrusted) {
  BtfPtr local = local_btf();
  bool built = false;
  Fd first = kernel_btf_subset(local.get(), &built);
  ASSERT_TRUE(first);
  EXPECT_TRUE(built);
  Fd second = kernel_btf_subset(nullptr, &built);
  ASSERT_TRUE(second) << "the entry written by the first call was not used";
  EXPECT_FALSE(built);
  std::string btf_dir = root_ + "/btf";
  struct stat st {};
  ASSERT_EQ(::stat(btf_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  fs::path entry = fs::directory_iterator(btf_dir)->path();

  ASSERT_EQ(::chmod(entry.c_str(), 0666), 0);
  EXPECT_FALSE(kernel_btf_subset(nullptr)) << "a world-writable entry was trusted";
  ASSERT_EQ(::chmod(entry.c_str(), 0600), 0);
  ASSERT_TRUE(kernel_btf_subset(nullptr));
  ASSERT_EQ(::truncate(entry.c_str(), 10), 0);
  EXPECT_FALSE(kernel_btf_subset(nullptr)) << "a cut entry was used";

  ::setenv("PROFILE_CACHE_DIR", "none", 1);
  EXPECT_FALSE(kernel_btf_subset(local.get())) << "PROFILE_CACHE_DIR=none still built and cached";
}

}  // namespace
}  // namespace profile::ebpf
