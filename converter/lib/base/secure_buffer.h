// Memory for key material: passphrases and volume keys.
//
// A SecureBuffer is its own anonymous mapping, so it shares no page with
// anything else. The mapping is
//   - locked (mlock): never written to swap. If it cannot be locked, the
//     constructor throws, naming the limit to raise; only the explicit test
//     hook allow_unlocked_memory() lets it continue unlocked;
//   - left out of core dumps (MADV_DONTDUMP);
//   - zero in a fork()ed child (MADV_WIPEONFORK), so a child process such as a
//     spawned lvm command never inherits a key;
//   - wiped (explicit_bzero) before it is unlocked and unmapped.
// It is move-only and has no conversion to std::string or any other copying
// container: key material leaves it only as a pointer for a C API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace pv2luks {

class SecureBuffer {
 public:
  SecureBuffer() = default;  // empty: owns no memory
  // size_bytes zero bytes; Error when it cannot be mapped or locked.
  explicit SecureBuffer(std::size_t size_bytes);
  ~SecureBuffer();
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  std::size_t size_bytes() const { return size_bytes_; }
  std::size_t capacity_bytes() const { return mapped_bytes_; }  // whole pages
  bool empty() const { return size_bytes_ == 0; }
  bool locked() const { return locked_; }  // false only under allow_unlocked_memory()

  std::uint8_t* data() { return base_; }
  const std::uint8_t* data() const { return base_; }
  // The same bytes as char, for libcryptsetup's `const char*` parameters.
  const char* chars() const { return reinterpret_cast<const char*>(base_); }
  std::span<std::uint8_t> bytes() { return {base_, size_bytes_}; }
  std::span<const std::uint8_t> bytes() const { return {base_, size_bytes_}; }

  // Makes the buffer shorter, wiping the bytes past the new end.
  void shrink(std::size_t size_bytes);
  // Constant-time comparison of contents (and sizes).
  bool equals(const SecureBuffer& other) const;
  // Wipes and releases the memory now; the buffer is empty afterwards.
  void wipe();

 private:
  std::uint8_t* base_ = nullptr;
  std::size_t size_bytes_ = 0;
  std::size_t mapped_bytes_ = 0;
  bool locked_ = false;
};

// Test hooks. Never used by the CLI.
namespace test_hooks {

// When true, a SecureBuffer whose mlock fails stays usable, unlocked
// (locked() is false) instead of throwing. Process-wide; default false.
void allow_unlocked_memory(bool allow);

// Called with the whole mapping right after it was wiped and before it is
// unmapped, so a test can see that every byte is zero. An empty function
// removes the observer.
using WipeObserver = std::function<void(const std::uint8_t* data, std::size_t size_bytes)>;
void set_wipe_observer(WipeObserver observer);

}  // namespace test_hooks

}  // namespace pv2luks
