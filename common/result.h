// Error and Result<T>: how every fallible function in profile reports failure.
//
// An Error carries one human sentence (context first, cause last, e.g.
// `openat("/etc/x", O_RDONLY): ENOENT`) and the errno it came from (0 when it
// did not come from a system call). Result<T> holds either a T or an Error.
// Library code returns Result; only main() turns an Error into an exit code,
// from its kind (set where the failure is known, kept by wrap()).
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace profile {

// What kind of failure an Error is, which decides profile's exit status
// (README "Exit status"): set at the source, never guessed from the message.
enum class ErrorKind : uint8_t {
  Failure,        // the launcher, a tracer, a confinement step or a system call failed: 125
  BadInput,       // bad arguments, or an input (file, bundle) refused: 2
  NotExecutable,  // the command exists but cannot be executed (EACCES, EPERM, ENOEXEC): 126
  NotFound,       // the command does not exist: 127
};

struct Error {  // NOLINT(clang-analyzer-core.uninitialized.Assign): it cannot see into std::variant (Result)
  std::string message;
  int errno_value = 0;
  ErrorKind kind = ErrorKind::Failure;

  // Prepends context: Error{"write: EPERM"}.wrap("uid_map of pid 42") ->
  // "uid_map of pid 42: write: EPERM". The kind stays.
  [[nodiscard]] Error wrap(const std::string& context) const {
    return Error{context + ": " + message, errno_value, kind};
  }
  [[nodiscard]] Error with_kind(ErrorKind k) const { return Error{message, errno_value, k}; }
};

// "ENOENT" for 2; "E123" for a value the C library has no name for.
std::string errno_name(int err);
// 2 for "ENOENT"; -1 when the name is unknown.
int errno_from_name(const std::string& name);

// An Error for a system call that failed with `err`: sys_error("openat(\"/x\",
// O_RDONLY)", err) -> "openat(\"/x\", O_RDONLY): ENOENT". `err` is explicit: a
// default of errno would be read in no specified order against building the
// message, whose allocation may change it.
inline Error sys_error(const std::string& call, int err) {
  return Error{call + ": " + errno_name(err), err};
}

// errno, read when this is constructed. Errno().error("openat(\"" + path + "\")")
// reads it before the message is built: C++17 sequences the object of a member
// call before the call's arguments.
struct Errno {
  int value = errno;
  [[nodiscard]] Error error(const std::string& call) const { return sys_error(call, value); }
};
inline Error make_error(std::string message) {
  return Error{std::move(message), 0};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { return err_; }

 private:
  Error err_;
  bool failed_ = false;
};

using Status = Result<void>;

// Thrown only for fatal user/config errors in the CLI layer, caught once in main.
// exit_code < 0: main derives it from error.kind.
struct FatalError {
  Error error;
  int exit_code = -1;
};

// The exit status for an Error of this kind (README "Exit status").
inline int exit_code_for(const Error& e) {
  switch (e.kind) {
    case ErrorKind::BadInput:
      return 2;
    case ErrorKind::NotExecutable:
      return 126;
    case ErrorKind::NotFound:
      return 127;
    case ErrorKind::Failure:
      break;
  }
  return 125;
}

}  // namespace profile
