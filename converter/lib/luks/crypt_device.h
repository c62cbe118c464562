// RAII over one libcryptsetup context: crypt_init in the constructor,
// crypt_free in the destructor. The library's log lines are collected here
// instead of going to stderr, so a failure can quote libcryptsetup's reason
// and warnings can be passed on.
#pragma once

#include <libcryptsetup.h>

#include <string>
#include <string_view>
#include <vector>

namespace pv2luks {

class CryptDevice {
 public:
  // crypt_init(path): a LUKS header file or device. Error on failure.
  explicit CryptDevice(const std::string& path);
  ~CryptDevice();
  // The context points back at this object (log callback): not movable.
  CryptDevice(const CryptDevice&) = delete;
  CryptDevice& operator=(const CryptDevice&) = delete;

  crypt_device* get() const { return cd_; }
  const std::string& path() const { return path_; }

  // For a libcryptsetup return value: a negative errno becomes an Error
  // "<path>: <op> failed: <strerror>", with libcryptsetup's error lines after
  // it. Returns `result` otherwise, forgetting the error lines logged so far.
  int check(int result, std::string_view op);

  // Non-error lines libcryptsetup logged (its warnings), in order.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  static void on_log(int level, const char* message, void* self);

  std::string path_;
  crypt_device* cd_ = nullptr;
  std::vector<std::string> errors_;
  std::vector<std::string> notes_;
};

}  // namespace pv2luks
