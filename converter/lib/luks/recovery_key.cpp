#include "luks/recovery_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/block_io.h"
#include "base/durable.h"
#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"
#include "luks/volume_key.h"

namespace pv2luks {

void format_recovery_key(std::span<const std::uint8_t> raw, std::span<char> out) {
  static constexpr char kModhex[] = "cbdefghijklnrtuv";
  if (raw.size() != kRecoveryKeyRawBytes || out.size() != kRecoveryKeyChars) {
    Fail() << "recovery key: " << raw.size() << " bytes into " << out.size()
           << " characters (32 into 71)";
  }
  std::size_t at = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (i > 0 && i % 4 == 0) out[at++] = '-';
    out[at++] = kModhex[raw[i] >> 4];
    out[at++] = kModhex[raw[i] & 0x0f];
  }
}

SecureBuffer make_recovery_key() {
  // The volume key's generator: locked memory, the private DRBG.
  const SecureBuffer raw = generate_volume_key(kRecoveryKeyRawBytes * 8);
  SecureBuffer key(kRecoveryKeyChars);
  format_recovery_key(raw.bytes(), {reinterpret_cast<char*>(key.data()), key.size_bytes()});
  return key;
}

std::string recovery_key_file_problem(const std::string& path) {
  if (path.empty()) {
    return "--tpm2-device needs --recovery-key-file FILE: the recovery key is the way in "
           "when the TPM will not unlock (a firmware update, another machine)";
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    return "--recovery-key-file " + path + ": the file exists; pv2luks writes a new key and "
           "overwrites none: give a path that does not exist";
  }
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec)) {
    return "--recovery-key-file " + path + ": no directory " + parent.string() + " to hold it";
  }
  return "";
}

void write_recovery_key_file(const std::string& path, const SecureBuffer& key) {
  const Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) Fail() << "--recovery-key-file " << path << ": create failed: " << errno_text(errno);
  try {
    write_at(fd.get(), 0, key.bytes(), path);
  } catch (const Error& e) {
    ::unlink(path.c_str());
    Fail() << "--recovery-key-file " << path << ": " << e.what();
  }
  if (::fsync(fd.get()) != 0) {
    const int error = errno;
    ::unlink(path.c_str());
    Fail() << "--recovery-key-file " << path << ": fsync failed: " << errno_text(error);
  }
  try {
    fsync_directory_of(path);
  } catch (const Error& e) {
    Fail() << "--recovery-key-file " << path << ": " << e.what();
  }
}

}  // namespace pv2luks
