#include "tracer/ebpf/ebpf_btf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/user_cache.h"

namespace profile::ebpf {
namespace {

constexpr char kMagic[] = "profile-btf-cache 1\n";

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

// Copies types from `src` into `dst`: structs and unions whole (members at
// their bit offsets, bitfields kept), a pointer of any kind as void* (CO-RE
// follows pointers by reading the pointee's own struct, which is copied in
// its own right), typedefs and qualifiers resolved away.
class Copier {
 public:
  Copier(const btf* src, btf* dst) : src_(src), dst_(dst) {}

  // The id in dst of src's type `id`; negative on failure.
  int type(uint32_t id) {
    int resolved = btf__resolve_type(src_, id);
    if (resolved < 0) return resolved;
    id = static_cast<uint32_t>(resolved);
    if (id == 0) return 0;  // void
    if (auto it = done_.find(id); it != done_.end()) return it->second;
    const btf_type* t = btf__type_by_id(src_, id);
    if (t == nullptr) return -EINVAL;
    const char* name = btf__name_by_offset(src_, t->name_off);
    int r = -EINVAL;
    switch (btf_kind(t)) {
      case BTF_KIND_INT:
        r = btf__add_int(dst_, name, static_cast<size_t>(t->size), btf_int_encoding(t));
        break;
      case BTF_KIND_PTR:
        if (void_ptr_ < 0) void_ptr_ = btf__add_ptr(dst_, 0);
        r = void_ptr_;
        break;
      case BTF_KIND_ARRAY: {
        const struct btf_array* a = btf_array(t);
        int elem = type(a->type);
        if (elem < 0) return elem;
        if (index_ < 0) index_ = btf__add_int(dst_, "unsigned int", 4, 0);
        r = btf__add_array(dst_, index_, elem, a->nelems);
        break;
      }
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        r = composite(t, name);
        break;
      case BTF_KIND_ENUM: {
        r = btf__add_enum(dst_, name, t->size);
        const struct btf_enum* e = btf_enum(t);
        for (int i = 0; r > 0 && i < btf_vlen(t); ++i)
          if (int err = btf__add_enum_value(dst_, btf__name_by_offset(src_, e[i].name_off), e[i].val); err < 0) r = err;
        break;
      }
      case BTF_KIND_ENUM64: {
        r = btf__add_enum64(dst_, name, t->size, btf_kflag(t));
        const struct btf_enum64* e = btf_enum64(t);
        for (int i = 0; r > 0 && i < btf_vlen(t); ++i)
          if (int err = btf__add_enum64_value(dst_, btf__name_by_offset(src_, e[i].name_off), btf_enum64_value(&e[i]));
              err < 0)
            r = err;
        break;
      }
      case BTF_KIND_FLOAT:
        r = btf__add_float(dst_, name, t->size);
        break;
      case BTF_KIND_FWD:
        r = btf__add_fwd(dst_, name, btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
        break;
      default:
        return -EINVAL;  // a function type as a member: not something C allows
    }
    if (r > 0) done_[id] = r;
    return r;
  }

 private:
  int composite(const btf_type* t, const char* name) {
    // Member types first: fields are added to the type added last.
    std::vector<int> types;
    const btf_member* m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); ++i) {
      int mt = type(m[i].type);
      if (mt < 0) return mt;
      types.push_back(mt);
    }
    bool is_union = btf_kind(t) == BTF_KIND_UNION;
    int r = is_union ? btf__add_union(dst_, name, t->size) : btf__add_struct(dst_, name, t->size);
    if (r < 0) return r;
    for (int i = 0; i < btf_vlen(t); ++i) {
      const char* mname = btf__name_by_offset(src_, m[i].name_off);
      int err = btf__add_field(dst_, mname != nullptr && *mname != '\0' ? mname : nullptr, types[i],
                               btf_member_bit_offset(t, i), btf_member_bitfield_size(t, i));
      if (err < 0) return err;
    }
    return r;
  }

  const btf* src_;
  btf* dst_;
  std::unordered_map<uint32_t, int> done_;
  int void_ptr_ = -1;
  int index_ = -1;
};

Fd memfd_with(const std::string& data) {
  Fd fd(::memfd_create("profile-btf", MFD_CLOEXEC));
  if (!fd) return Fd();
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n <= 0) return Fd();
    off += static_cast<size_t>(n);
  }
  return fd;
}

}  // namespace

Result<std::string> minimal_btf(const btf* local, const btf* vmlinux) {
  std::unique_ptr<btf, BtfDeleter> out(btf__new_empty());
  if (!out) return Errno().error("btf__new_empty");
  Copier copier(vmlinux, out.get());
  for (uint32_t id = 1; id < btf__type_cnt(local); ++id) {
    const btf_type* t = btf__type_by_id(local, id);
    if (t == nullptr || (!btf_is_struct(t) && !btf_is_union(t))) continue;
    const char* name = btf__name_by_offset(local, t->name_off);
    if (name == nullptr || *name == '\0') continue;
    int target = btf__find_by_name_kind(vmlinux, name, btf_kind(t));
    if (target <= 0) continue;  // the object's own structs (events, scratch): not the kernel's
    if (int r = copier.type(static_cast<uint32_t>(target)); r < 0)
      return make_error(std::string("copy the kernel's struct ") + name + " (" + std::strerror(-r) + ")");
  }
  uint32_t size = 0;
  const void* raw = btf__raw_data(out.get(), &size);
  if (raw == nullptr) return Errno().error("btf__raw_data");
  return std::string(static_cast<const char*>(raw), size);
}

std::string kernel_identity() {
  auto notes = read_file("/sys/kernel/notes");
  if (!notes || notes->empty()) return "";
  utsname u{};
  struct stat st {};
  if (::uname(&u) != 0 || ::stat("/sys/kernel/btf/vmlinux", &st) != 0) return "";
  std::string id;
  user_cache::put_bytes(id, *notes);
  user_cache::put_bytes(id, u.release);
  user_cache::put_bytes(id, u.version);
  user_cache::put_bytes(id, std::to_string(st.st_size));
  return id;
}

Fd kernel_btf_subset(const btf* local, bool* built) {
  if (built != nullptr) *built = false;
  std::string dir = user_cache::dir("btf");
  std::string build = user_cache::build_id();
  std::string kernel = kernel_identity();
  if (dir.empty() || build.empty() || kernel.empty()) return Fd();
  std::string inputs;
  user_cache::put_bytes(inputs, build);
  user_cache::put_bytes(inputs, kernel);
  std::string head = kMagic;
  user_cache::put_bytes(head, inputs);
  std::string name = user_cache::entry_name(inputs, "btf");
  if (auto entry = user_cache::read(dir, name); entry && entry->compare(0, head.size(), head) == 0)
    return memfd_with(entry->substr(head.size()));
  if (local == nullptr) return Fd();

  std::unique_ptr<btf, BtfDeleter> vmlinux(btf__load_vmlinux_btf());
  if (!vmlinux) return Fd();
  auto subset = minimal_btf(local, vmlinux.get());
  if (!subset) {
    log::debug("eBPF tracer: " + subset.error().message + "; relocating against the full kernel BTF");
    return Fd();
  }
  if (auto w = user_cache::write(dir, name, head + *subset); !w) log::debug("btf cache: " + w.error().message);
  if (built != nullptr) *built = true;
  return memfd_with(*subset);
}

}  // namespace profile::ebpf
