#include "luks/tpm2_enrol.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/process.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

namespace {

constexpr int kMaxPcr = 23;

// The key in a memfd whose one mapping is locked: the pages a child reads
// through /proc/PID/fd/N never reach swap, and are zeroed before they go.
class LockedKeyFile {
 public:
  explicit LockedKeyFile(const SecureBuffer& key)
      : file_("pv2luks-unlock-key"), size_(key.size_bytes()) {
    if (::ftruncate(file_.fd(), static_cast<off_t>(size_)) != 0) fail("ftruncate");
    void* map = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, file_.fd(), 0);
    if (map == MAP_FAILED) fail("mmap");
    map_ = static_cast<std::uint8_t*>(map);
    if (::mlock(map_, size_) != 0) {
      const int error = errno;
      ::munmap(map_, size_);
      errno = error;
      fail("mlock");
    }
    std::memcpy(map_, key.data(), size_);
  }
  ~LockedKeyFile() {
    ::explicit_bzero(map_, size_);
    ::munlock(map_, size_);
    ::munmap(map_, size_);
    (void)::ftruncate(file_.fd(), 0);
  }
  LockedKeyFile(const LockedKeyFile&) = delete;
  LockedKeyFile& operator=(const LockedKeyFile&) = delete;

  std::string path_for_children() const { return file_.path_for_children(); }

 private:
  [[noreturn]] static void fail(const char* what) {
    Fail() << "the unlock key's memfd: " << what << " failed: " << errno_text(errno);
  }
  MemoryFile file_;
  std::size_t size_;
  std::uint8_t* map_ = nullptr;
};

bool is_char_device(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

bool valid_tpm2_pcrs(const std::string& pcrs) {
  if (pcrs.empty()) return true;
  std::istringstream in(pcrs);
  for (std::string item; std::getline(in, item, '+');) {
    if (item.empty() || item.size() > 2 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    if (std::stoi(item) > kMaxPcr) return false;
  }
  return pcrs.back() != '+';
}

std::string tpm2_problem(const Tpm2Choice& choice) {
  if (!valid_tpm2_pcrs(choice.pcrs)) {
    return "--tpm2-pcrs '" + choice.pcrs + "' is not a PCR list such as 7 or 0+7 (PCRs 0-23)";
  }
  if (find_program("systemd-cryptenroll").empty()) {
    return "--tpm2-device needs systemd-cryptenroll (Debian: apt install systemd) and the TPM2 "
           "libraries (apt install tpm2-tools)";
  }
  const std::string device = choice.device == "auto" ? "/dev/tpmrm0" : choice.device;
  if (!is_char_device(device)) {
    return choice.device == "auto"
               ? "--tpm2-device auto found no TPM 2.0 (no /dev/tpmrm0): enable the TPM in the "
                 "firmware, or convert with a passphrase instead"
               : "--tpm2-device " + choice.device + ": not a TPM character device";
  }
  return "";
}

void enrol_tpm2(const MemoryFile& header, const SecureBuffer& unlock_key,
                const Tpm2Choice& choice) {
  const LockedKeyFile key(unlock_key);
  const std::vector<std::string> argv = {
      "systemd-cryptenroll", "--unlock-key-file=" + key.path_for_children(),
      "--tpm2-device=" + choice.device, "--tpm2-pcrs=" + choice.pcrs,
      header.path_for_children()};
  const ProcessResult result = run_process(argv);
  if (result.exit_code != 0) {
    Fail() << "systemd-cryptenroll could not enrol the TPM 2.0 (exit " << result.exit_code
           << "): " << (result.err.empty() ? result.out : result.err);
  }
}

}  // namespace pv2luks
