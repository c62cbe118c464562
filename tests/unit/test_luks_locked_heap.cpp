// The locked heap for OpenSSL's allocations (converter/lib/base/locked_heap.h):
// blocks in locked, undumpable pages, aligned, zero when handed out, wiped
// when freed or moved by reallocate; large blocks mapped and unmapped one by
// one; safe from several threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "base/locked_heap.h"
#include "vm_flags.h"

namespace pv2luks {
namespace {

bool all_bytes(const std::uint8_t* data, std::size_t size, std::uint8_t value) {
  return std::all_of(data, data + size, [&](std::uint8_t b) { return b == value; });
}

TEST(LockedHeap, BlocksAreAlignedZeroLockedAndUndumpable) {
  for (const std::size_t size : {1ul, 15ul, 16ul, 17ul, 100ul, 4096ul, 32768ul, 32769ul, 300000ul}) {
    auto* block = static_cast<std::uint8_t*>(locked_heap::allocate(size));
    ASSERT_NE(block, nullptr) << size;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % 16, 0u) << size;
    EXPECT_GE(locked_heap::usable_bytes(block), size);
    EXPECT_TRUE(all_bytes(block, size, 0)) << size;
    const std::string flags = vm_flags_holding(block);
    EXPECT_NE(flags.find(" lo "), std::string::npos) << size << ": " << flags;  // mlock
    EXPECT_NE(flags.find(" dd "), std::string::npos) << size << ": " << flags;  // MADV_DONTDUMP
    std::memset(block, 0xa5, size);
    locked_heap::release(block);
  }
  EXPECT_EQ(locked_heap::allocate(0), nullptr);
  locked_heap::release(nullptr);
}

TEST(LockedHeap, ReleaseWipesASmallBlockAndReusesIt) {
  auto* block = static_cast<std::uint8_t*>(locked_heap::allocate(64));
  std::memset(block, 0xa5, 64);
  locked_heap::release(block);
  // The block stays mapped in its slab: all but the free list's link (its
  // first 8 bytes) must read zero.
  EXPECT_TRUE(all_bytes(block + 8, 56, 0));
  auto* again = static_cast<std::uint8_t*>(locked_heap::allocate(60));
  EXPECT_EQ(again, block);  // the free list of its size
  EXPECT_TRUE(all_bytes(again, 64, 0));
  locked_heap::release(again);
}

TEST(LockedHeap, ALargeBlockIsUnmappedWhenReleased) {
  auto* block = static_cast<std::uint8_t*>(locked_heap::allocate(100000));
  std::memset(block, 0xa5, 100000);
  ASSERT_FALSE(vm_flags_holding(block).empty());
  locked_heap::release(block);
  EXPECT_EQ(vm_flags_holding(block), "");
}

TEST(LockedHeap, ReallocateKeepsTheBytesAndWipesTheOldBlock) {
  auto* block = static_cast<std::uint8_t*>(locked_heap::reallocate(nullptr, 20));
  ASSERT_NE(block, nullptr);
  for (int i = 0; i < 20; ++i) block[i] = static_cast<std::uint8_t>(i + 1);
  EXPECT_EQ(locked_heap::reallocate(block, 32), block);  // still fits its 32-byte class
  auto* moved = static_cast<std::uint8_t*>(locked_heap::reallocate(block, 1000));
  ASSERT_NE(moved, block);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(moved[i], i + 1);
  EXPECT_TRUE(all_bytes(block + 8, 24, 0));
  auto* large = static_cast<std::uint8_t*>(locked_heap::reallocate(moved, 200000));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(large[i], i + 1);
  EXPECT_EQ(locked_heap::reallocate(large, 0), nullptr);  // released
}

TEST(LockedHeap, SeveralThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      std::mt19937 random(static_cast<unsigned>(t));
      std::vector<std::pair<std::uint8_t*, std::size_t>> live;
      for (int i = 0; i < 20000; ++i) {
        if (live.size() > 50 || (!live.empty() && random() % 2)) {
          const std::size_t pick = random() % live.size();
          auto [block, size] = live[pick];
          if (!all_bytes(block, size, static_cast<std::uint8_t>(t + 1))) ++failures[t];
          locked_heap::release(block);
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
        } else {
          const std::size_t size = 1 + random() % 40000;
          auto* block = static_cast<std::uint8_t*>(locked_heap::allocate(size));
          if (!block) {
            ++failures[t];
            continue;
          }
          std::memset(block, t + 1, size);
          live.emplace_back(block, size);
        }
      }
      for (auto [block, size] : live) locked_heap::release(block);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(LockedHeapDeathTest, ReleasingAForeignBlockAborts) {
  alignas(16) static std::uint8_t foreign[64] = {};
  EXPECT_DEATH(locked_heap::release(foreign + 16), "did not allocate");
}

}  // namespace
}  // namespace pv2luks
