#include "luks/crypt_device.h"

#include "base/errno_text.h"

namespace pv2luks {

CryptDevice::CryptDevice(const std::string& path) : path_(path) {
  const int result = crypt_init(&cd_, path.c_str());
  if (result < 0) {
    cd_ = nullptr;
    Fail() << path << ": crypt_init failed: " << errno_text(-result);
  }
  crypt_set_log_callback(cd_, &CryptDevice::on_log, this);
}

CryptDevice::~CryptDevice() {
  if (cd_ != nullptr) crypt_free(cd_);
}

int CryptDevice::check(int result, std::string_view op) {
  if (result >= 0) {
    errors_.clear();
    return result;
  }
  Fail fail;
  fail << path_ << ": " << op << " failed: " << errno_text(-result);
  for (const std::string& line : errors_) fail << " (libcryptsetup: " << line << ")";
  return result;  // not reached: `fail` throws at the end of this scope
}

void CryptDevice::on_log(int level, const char* message, void* self) {
  auto* device = static_cast<CryptDevice*>(self);
  std::string line = message != nullptr ? message : "";
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return;
  if (level == CRYPT_LOG_ERROR) {
    device->errors_.push_back(std::move(line));
  } else if (level == CRYPT_LOG_NORMAL || level == CRYPT_LOG_VERBOSE) {
    device->notes_.push_back(std::move(line));
  }
  // CRYPT_LOG_DEBUG(_JSON) only arrive after crypt_set_debug_level; dropped.
}

}  // namespace pv2luks
