// The recording: everything a workload did that a profile must cover, aggregated
// (sets and counts, never an event log), deterministic (ordered containers only)
// and mergeable (union, counts added). Format "profile-recording/1"; see
// man/profile-recording.5 for the JSON form.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace profile {

inline constexpr const char* kRecordingFormat = "profile-recording/1";

// What a file access did. Names are the JSON spelling.
enum class Access : uint8_t {
  Read,    // open for reading (a directory: listing it)
  Write,   // open for writing, truncate
  Exec,    // execve/execveat of the file, or mmap PROT_EXEC of it
  Create,  // creat/open O_CREAT of a new file, mkdir, mknod, symlink (the new path)
  Delete,  // unlink, rmdir
  Rename,  // rename source or target
  Link,    // hard link: source and the new name
  Chmod,   // attribute change: chmod, chown, utimes, setxattr
  Stat,    // probe: stat family, access, readlink, chdir, inotify watch
};
const char* access_name(Access a);
std::optional<Access> access_from_name(const std::string& name);
const std::vector<Access>& all_accesses();

// Outcome of one access: "ok" or an errno name such as "ENOENT".
using Outcome = std::string;
inline const Outcome kOk = "ok";

struct FileRecord {
  // "file", "dir", "symlink", "chr", "blk", "fifo", "sock", or "" when unknown
  // (never existed, or removed before it could be looked at).
  std::string type;
  std::map<Access, std::map<Outcome, uint64_t>> accesses;  // kind -> outcome -> count
  bool operator==(const FileRecord&) const = default;
};

// The values seen for the arguments that policies/args.toml selects for one
// syscall. Each observation is one tuple (one value per selected index, already
// masked), so rules can match the combination that really occurred.
struct ArgValues {
  std::vector<unsigned> indices;  // argument positions, 0-based
  std::vector<uint64_t> masks;    // one per index, applied before recording
  std::set<std::vector<uint64_t>> tuples;
  bool operator==(const ArgValues&) const = default;
};

struct NetEndpoint {
  std::string family;   // "AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", ...
  std::string type;     // "SOCK_STREAM", "SOCK_DGRAM", ... ("" if unknown)
  std::string op;       // "bind", "connect", "listen", "sendto", "accept"
  std::string address;  // numeric IP; "" for AF_UNIX or unknown
  uint32_t port = 0;    // 0 when not applicable
  std::string path;     // unix socket path; "@name" for abstract; "" otherwise
  Outcome result = kOk;
  auto operator<=>(const NetEndpoint&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads <=>
};

struct ExitInfo {
  int code = 0;    // exit code when signal == 0
  int signal = 0;  // terminating signal number, 0 if it exited
  // The shell convention used as profile's own exit status: code, or 128+signal.
  [[nodiscard]] int status() const { return signal != 0 ? 128 + signal : code; }
  bool operator==(const ExitInfo&) const = default;
};

struct RunInfo {
  std::vector<std::string> command;
  std::string cwd;
  std::string tracer;   // "ptrace" or "ebpf"
  std::string kernel;   // uname release
  std::string arch;     // native arch of the machine
  std::string started;  // UTC, ISO 8601
  uint64_t duration_ms = 0;
  ExitInfo exit;
  uint64_t lost_events = 0;                      // events the tracer could not record; >0 = incomplete
  std::map<std::string, std::string> container;  // settings used: "net" -> "loopback", ...
  // The identity and environment the workload was started with: its effective
  // uid and gid (those permission checks use), and the sorted, distinct names (never the values) of its
  // environment variables. nullopt in recordings made before profile kept them
  // (unknown, which is not the same as root or an empty environment).
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<std::vector<std::string>> env;
  // The workload's home directory: its HOME, else its uid's passwd entry. The
  // generator stores paths below it as ${HOME}/... (profilegen/relocate.h).
  // nullopt in recordings made before profile kept it.
  std::optional<std::string> home;
  // Learned inside an image (learn --image / --rootfs): the reference as given
  // ("localhost/web:1", "oci:/srv/img:1"), its image ID (the digest of its
  // config, "sha256:...", the same whatever transport it came through), and
  // the root filesystem the container ran on, on the host. The run's paths
  // are paths inside that root. nullopt for runs on the host's root.
  std::optional<std::string> image;
  std::optional<std::string> image_digest;
  std::optional<std::string> rootfs;
  bool operator==(const RunInfo&) const = default;
};

// Which runs saw what, for a recording of several runs (`profile merge`, `learn
// --append`): for each item seen in fewer than all runs, the number of runs that
// saw it; an item not listed was seen in every run. Informational only: the
// generator allows every item whatever its coverage, because a run that did not
// need a file says nothing about the next run that will.
struct Coverage {
  // False when a recording of several runs that kept no coverage (made before
  // profile kept it) was merged in: the counts are then unknown.
  bool known = true;
  std::map<std::string, std::map<std::string, uint64_t>> syscalls;  // arch -> name -> runs
  std::map<std::string, uint64_t> files;                            // path -> runs
  std::map<std::string, uint64_t> executables;                      // path -> runs
  std::map<NetEndpoint, uint64_t> network;                          // endpoint -> runs
  std::map<std::string, uint64_t> capabilities;                     // "CAP_SETGID" -> runs
  bool operator==(const Coverage&) const = default;
};

struct Recording {
  std::vector<RunInfo> runs;
  std::map<std::string, std::map<std::string, uint64_t>> syscalls;  // arch -> name -> count
  std::map<std::string, std::map<std::string, ArgValues>> args;     // arch -> syscall -> values
  std::map<std::string, FileRecord> files;                          // absolute path -> record
  std::map<std::string, uint64_t> executables;                      // absolute path -> execs
  std::map<NetEndpoint, uint64_t> network;                          // endpoint -> count
  // The capabilities the workload exercised, each with its evidence: the call,
  // its arguments and, where traced, its outcome ("setgid(33)", "bind AF_INET
  // 127.0.0.1:80: ok"). Inferred from the rest of the recording at the end of
  // each run (tracer/capabilities.h); kept here so that merging and `show`
  // need neither the files nor the policy that inference looked at.
  std::map<std::string, std::set<std::string>> capabilities;  // "CAP_SETGID" -> evidence
  Coverage coverage;

  bool operator==(const Recording&) const = default;

  // Adds `other` into this one: union of sets, counts added, runs appended,
  // coverage counted (how many runs saw each item).
  // Fails (and leaves *this unchanged) when the same syscall's arguments were
  // learned with different indices or masks.
  Status merge(const Recording& other);

  // How many of `runs` saw an item of the recording (0 when it is not in it).
  [[nodiscard]] uint64_t runs_seeing_syscall(const std::string& arch, const std::string& name) const;
  [[nodiscard]] uint64_t runs_seeing_file(const std::string& path) const;
  [[nodiscard]] uint64_t runs_seeing_exec(const std::string& path) const;
  [[nodiscard]] uint64_t runs_seeing_endpoint(const NetEndpoint& ep) const;
  [[nodiscard]] uint64_t runs_seeing_capability(const std::string& cap) const;
  // True when the recording has several runs and knows which saw what.
  [[nodiscard]] bool has_partial_coverage() const;

  // True when any run lost events.
  [[nodiscard]] bool incomplete() const;

  // Convenience for tracers and tests.
  void add_syscall(const std::string& arch, const std::string& name, uint64_t count = 1);
  void add_file(const std::string& path, Access kind, const Outcome& outcome, const std::string& type = "",
                uint64_t count = 1);
  void add_exec(const std::string& path, uint64_t count = 1);
  void add_endpoint(const NetEndpoint& ep, uint64_t count = 1);
};

// JSON form. to_json is deterministic: the same Recording gives the same bytes.
std::string recording_to_json(const Recording& rec);
// `source` names the input in errors ("recording.json: ..."). Rejects anything
// that is not a profile-recording/1 document with one sentence saying where.
Result<Recording> recording_from_json(const std::string& text, const std::string& source);
// Only the runs of such a document, without building the rest (enforce reads
// the learned working directory of a bundle of 100,000 files at every launch).
Result<std::vector<RunInfo>> recording_runs_from_json(const std::string& text, const std::string& source);

// File I/O: save is atomic (temp file + fsync + rename).
Result<Recording> load_recording(const std::string& path);
Status save_recording(const std::string& path, const Recording& rec);

}  // namespace profile
