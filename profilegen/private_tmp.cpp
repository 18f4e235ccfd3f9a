#include "profilegen/private_tmp.h"

#include <algorithm>

namespace profile {
namespace {

bool strictly_below(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

bool below_a_root(const std::string& path) {
  for (const auto& r : private_tmp_roots())
    if (strictly_below(path, r)) return true;
  return false;
}

// Rights that change what is below the path: a read-only bind would refuse them (EROFS).
constexpr uint32_t kChanging = (1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 9) |
                               (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14);

bool created_by_workload(const Recording& rec, const std::string& path) {
  auto f = rec.files.find(path);
  if (f == rec.files.end()) return false;
  auto c = f->second.accesses.find(Access::Create);
  return c != f->second.accesses.end() && c->second.count(kOk) != 0;
}

// At most this many generated binds (the launcher takes 64 in all).
constexpr size_t kMaxGeneratedBinds = 48;

// Sorted by target, writable first among equals. A bind inside another one is the
// same host path already: kept only where it makes a writable hole in a read-only
// parent. Two binds of one target: the writable one stays.
std::vector<BindMount> without_nested(std::vector<BindMount> want) {
  std::vector<BindMount> out;
  for (auto& b : want) {
    bool redundant = false;
    for (const auto& o : out)
      if (o.target == b.target || (strictly_below(b.target, o.target) && (!o.readonly || b.readonly))) redundant = true;
    if (redundant) continue;
    b.optional = true;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& private_tmp_roots() {
  static const std::vector<std::string> roots = {"/tmp", "/var/tmp", "/dev/shm"};
  return roots;
}

std::vector<BindMount> private_tmp_binds(const Recording& rec, const LandlockModel& lm) {
  std::vector<BindMount> want;
  for (const auto& r : lm.fs) {
    // What the workload made itself exists in its private tmpfs already (and a
    // rule path it created does not exist when enforce makes the rules).
    if (!below_a_root(r.path) || created_by_workload(rec, r.path)) continue;
    want.push_back(BindMount{r.path, r.path, (r.access & kChanging) == 0});
  }
  for (const auto& run : rec.runs)
    if (below_a_root(run.cwd) && !created_by_workload(rec, run.cwd)) {
      bool writable = false;
      for (const auto& r : lm.fs)
        if ((r.access & kChanging) != 0 && below_a_root(r.path) &&
            (r.path == run.cwd || strictly_below(run.cwd, r.path)))
          writable = true;
      want.push_back(BindMount{run.cwd, run.cwd, !writable});
    }
  std::sort(want.begin(), want.end(), [](const BindMount& a, const BindMount& b) {
    return a.target != b.target ? a.target < b.target : a.readonly < b.readonly;  // writable first
  });
  std::vector<BindMount> out = without_nested(std::move(want));
  // The launcher mounts at most 64 binds (the bundle's own among them): many
  // scattered paths are bound by their directories instead. That widens what is
  // visible, not what is allowed: the Landlock rules still name each path.
  while (out.size() > kMaxGeneratedBinds) {
    std::vector<BindMount> up;
    bool changed = false;
    for (const auto& b : out) {
      std::string parent = b.target.substr(0, b.target.rfind('/'));
      if (below_a_root(parent)) {
        up.push_back(BindMount{parent, parent, b.readonly, true});
        changed = true;
      } else {
        up.push_back(b);
      }
    }
    if (!changed) break;  // all directly in a root: enforce says the list is too long
    std::sort(up.begin(), up.end(), [](const BindMount& a, const BindMount& b) {
      return a.target != b.target ? a.target < b.target : a.readonly < b.readonly;
    });
    out = without_nested(std::move(up));
  }
  return out;
}

size_t add_missing_binds(Manifest& m, const std::vector<BindMount>& binds) {
  size_t added = 0;
  for (const auto& b : binds) {
    bool present = std::any_of(m.bind.begin(), m.bind.end(), [&](const BindMount& x) { return x.target == b.target; });
    if (present) continue;
    m.bind.push_back(b);
    ++added;
  }
  return added;
}

}  // namespace profile
