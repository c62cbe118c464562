#include "base/secure_buffer.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "base/errno_text.h"
#include "base/round.h"

namespace pv2luks {
namespace {

std::atomic<bool> g_allow_unlocked{false};
std::mutex g_observer_mutex;
test_hooks::WipeObserver g_wipe_observer;

std::size_t page_size_bytes() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_up_to_pages(std::size_t size_bytes) {
  return static_cast<std::size_t>(round_up(size_bytes, page_size_bytes()));
}

// mlock(2)/munlock(2) as system calls: AddressSanitizer replaces the libc
// functions with no-ops that report success, which would leave keys unlocked
// in sanitizer builds while locked() said otherwise.
int lock_memory(void* base, std::size_t size_bytes) {
  return static_cast<int>(syscall(SYS_mlock, base, size_bytes));
}

int unlock_memory(void* base, std::size_t size_bytes) {
  return static_cast<int>(syscall(SYS_munlock, base, size_bytes));
}

void notify_wipe_observer(const std::uint8_t* data, std::size_t size_bytes) {
  std::lock_guard lock(g_observer_mutex);
  if (g_wipe_observer) g_wipe_observer(data, size_bytes);
}

}  // namespace

SecureBuffer::SecureBuffer(std::size_t size_bytes) {
  if (size_bytes == 0) return;
  const std::size_t mapped_bytes = round_up_to_pages(size_bytes);
  void* base =
      mmap(nullptr, mapped_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    Fail() << "key memory: mmap of " << mapped_bytes << " bytes failed: " << errno_text(errno);
  }
  // From here on the mapping is ours; unmap it on every failure below.
  auto fail = [&](const char* op, int error_number) {
    munmap(base, mapped_bytes);
    Fail() << "key memory: " << op << " failed: " << errno_text(error_number);
  };
  if (madvise(base, mapped_bytes, MADV_DONTDUMP) != 0) fail("madvise(MADV_DONTDUMP)", errno);
  // Kernels before 4.14 do not know MADV_WIPEONFORK (EINVAL): the buffer is
  // still locked and out of dumps, and our children exec at once.
  if (madvise(base, mapped_bytes, MADV_WIPEONFORK) != 0 && errno != EINVAL) {
    fail("madvise(MADV_WIPEONFORK)", errno);
  }
  bool locked = true;
  if (lock_memory(base, mapped_bytes) != 0) {
    const int error_number = errno;
    if (!g_allow_unlocked.load()) {
      munmap(base, mapped_bytes);
      Fail() << "key memory: cannot lock " << mapped_bytes
             << " bytes in RAM, so a key could be written to swap: mlock failed: "
             << errno_text(error_number)
             << " (run as root, or raise the locked-memory limit: ulimit -l)";
    }
    locked = false;
  }
  base_ = static_cast<std::uint8_t*>(base);
  size_bytes_ = size_bytes;
  mapped_bytes_ = mapped_bytes;
  locked_ = locked;
}

SecureBuffer::~SecureBuffer() { wipe(); }

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_bytes_(std::exchange(other.size_bytes_, 0)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)),
      locked_(std::exchange(other.locked_, false)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    wipe();
    base_ = std::exchange(other.base_, nullptr);
    size_bytes_ = std::exchange(other.size_bytes_, 0);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    locked_ = std::exchange(other.locked_, false);
  }
  return *this;
}

void SecureBuffer::shrink(std::size_t size_bytes) {
  if (size_bytes >= size_bytes_) return;
  explicit_bzero(base_ + size_bytes, size_bytes_ - size_bytes);
  size_bytes_ = size_bytes;
}

bool SecureBuffer::equals(const SecureBuffer& other) const {
  if (size_bytes_ != other.size_bytes_) return false;
  if (size_bytes_ == 0) return true;
  return CRYPTO_memcmp(base_, other.base_, size_bytes_) == 0;
}

void SecureBuffer::wipe() {
  if (base_ == nullptr) return;
  explicit_bzero(base_, mapped_bytes_);
  notify_wipe_observer(base_, mapped_bytes_);
  if (locked_) unlock_memory(base_, mapped_bytes_);
  munmap(base_, mapped_bytes_);
  base_ = nullptr;
  size_bytes_ = 0;
  mapped_bytes_ = 0;
  locked_ = false;
}

namespace test_hooks {

void allow_unlocked_memory(bool allow) { g_allow_unlocked.store(allow); }

void set_wipe_observer(WipeObserver observer) {
  std::lock_guard lock(g_observer_mutex);
  g_wipe_observer = std::move(observer);
}

}  // namespace test_hooks

}  // namespace pv2luks
