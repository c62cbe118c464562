#include "base/locked_heap.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "base/round.h"

namespace pv2luks::locked_heap {

namespace {

// Every block starts with this header; the caller's bytes follow it.
struct alignas(16) Header {
  std::uint64_t bytes;  // what the block can hold
  std::uint64_t magic;  // kSmallMagic or kLargeMagic
};
static_assert(sizeof(Header) == 16);

constexpr std::uint64_t kSmallMagic = 0x706c75686b736c31;  // a block from a slab
constexpr std::uint64_t kLargeMagic = 0x706c75686b736c32;  // a block mapped on its own
constexpr std::size_t kMinBlockBytes = 16;
constexpr std::size_t kMaxSmallBytes = 32 * 1024;
constexpr std::size_t kClassCount = 12;  // 16 B .. 32 KiB
constexpr std::size_t kSlabBytes = 1024 * 1024;
static_assert(kMinBlockBytes << (kClassCount - 1) == kMaxSmallBytes);

std::size_t class_of(std::size_t size_bytes) {
  const std::size_t rounded = std::bit_ceil(std::max(size_bytes, kMinBlockBytes));
  return static_cast<std::size_t>(std::countr_zero(rounded) - std::countr_zero(kMinBlockBytes));
}

std::size_t class_bytes(std::size_t size_class) { return kMinBlockBytes << size_class; }

std::size_t round_up_to_pages(std::size_t size_bytes) {
  return static_cast<std::size_t>(
      round_up(size_bytes, static_cast<std::size_t>(sysconf(_SC_PAGESIZE))));
}

std::atomic<bool> g_reported{false};

// One line on stderr, the first time locking fails: OpenSSL then reports
// only "malloc failure".
void report_lock_failure(std::size_t size_bytes, int error_number) {
  if (g_reported.exchange(true)) return;
  char line[256];
  const int length = std::snprintf(
      line, sizeof line,
      "pv2luks: cannot lock %zu more bytes in RAM for OpenSSL's memory (mlock: %s): run as "
      "root, or raise the locked-memory limit (ulimit -l)\n",
      size_bytes, std::strerror(error_number));
  if (length > 0) {
    [[maybe_unused]] const ssize_t ignored = ::write(2, line, static_cast<std::size_t>(length));
  }
}

// Fresh pages, locked and left out of core dumps; nullptr when not possible.
// mlock as a system call, as in SecureBuffer: AddressSanitizer's mlock does
// nothing.
void* map_locked(std::size_t size_bytes) {
  void* base = ::mmap(nullptr, size_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  if (::madvise(base, size_bytes, MADV_DONTDUMP) != 0) {
    ::munmap(base, size_bytes);
    return nullptr;
  }
  if (::syscall(SYS_mlock, base, size_bytes) != 0) {
    report_lock_failure(size_bytes, errno);
    ::munmap(base, size_bytes);
    return nullptr;
  }
  return base;
}

void unmap_locked(void* base, std::size_t size_bytes) {
  ::syscall(SYS_munlock, base, size_bytes);
  ::munmap(base, size_bytes);
}

struct FreeBlock {
  FreeBlock* next;
};

class Heap {
 public:
  void* take(std::size_t size_class) {
    std::lock_guard lock(mutex_);
    if (FreeBlock* block = free_[size_class]) {
      free_[size_class] = block->next;
      block->next = nullptr;  // every byte handed out is zero
      return block;
    }
    const std::size_t need = sizeof(Header) + class_bytes(size_class);
    if (static_cast<std::size_t>(end_ - cursor_) < need) {
      auto* slab = static_cast<std::uint8_t*>(map_locked(kSlabBytes));
      if (!slab) return nullptr;
      cursor_ = slab;
      end_ = slab + kSlabBytes;
    }
    auto* header = reinterpret_cast<Header*>(cursor_);
    cursor_ += need;
    *header = {class_bytes(size_class), kSmallMagic};
    return header + 1;
  }

  void give_back(void* payload, std::size_t size_class) {
    std::lock_guard lock(mutex_);
    auto* block = static_cast<FreeBlock*>(payload);
    block->next = free_[size_class];
    free_[size_class] = block;
  }

 private:
  std::mutex mutex_;
  std::array<FreeBlock*, kClassCount> free_{};
  std::uint8_t* cursor_ = nullptr;
  std::uint8_t* end_ = nullptr;
};

Heap& heap() {
  // Never destroyed: OpenSSL frees its memory from an atexit handler, after
  // static destructors may have run.
  static Heap* const instance = new Heap;
  return *instance;
}

Header* header_of(const void* block) {
  auto* header = const_cast<Header*>(static_cast<const Header*>(block) - 1);
  if (header->magic != kSmallMagic && header->magic != kLargeMagic) {
    static const char kMessage[] =
        "pv2luks: locked heap: a block it did not allocate was freed; aborting\n";
    [[maybe_unused]] const ssize_t ignored = ::write(2, kMessage, sizeof kMessage - 1);
    std::abort();
  }
  return header;
}

void* allocate_large(std::size_t size_bytes) {
  const std::size_t mapped = round_up_to_pages(sizeof(Header) + size_bytes);
  auto* header = static_cast<Header*>(map_locked(mapped));
  if (!header) return nullptr;
  *header = {mapped - sizeof(Header), kLargeMagic};
  return header + 1;
}

}  // namespace

void* allocate(std::size_t size_bytes) noexcept {
  if (size_bytes == 0) return nullptr;
  if (size_bytes > kMaxSmallBytes) return allocate_large(size_bytes);
  return heap().take(class_of(size_bytes));
}

std::size_t usable_bytes(const void* block) noexcept {
  return static_cast<std::size_t>(header_of(block)->bytes);
}

void release(void* block) noexcept {
  if (!block) return;
  Header* header = header_of(block);
  const std::size_t bytes = static_cast<std::size_t>(header->bytes);
  explicit_bzero(block, bytes);
  if (header->magic == kLargeMagic) {
    unmap_locked(header, sizeof(Header) + bytes);
    return;
  }
  heap().give_back(block, class_of(bytes));
}

void* reallocate(void* block, std::size_t size_bytes) noexcept {
  if (!block) return allocate(size_bytes);
  if (size_bytes == 0) {
    release(block);
    return nullptr;
  }
  const std::size_t usable = usable_bytes(block);
  if (size_bytes <= usable) return block;
  void* moved = allocate(size_bytes);
  if (!moved) return nullptr;  // as realloc: the old block stays valid
  std::memcpy(moved, block, usable);
  release(block);
  return moved;
}

}  // namespace pv2luks::locked_heap
