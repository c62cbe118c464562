// Key memory (converter/lib/base/secure_buffer.h): locked, out of core dumps,
// zero in forked children, wiped before it is freed, move-only.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "base/errno_text.h"
#include "base/secure_buffer.h"

namespace pv2luks {
namespace {

static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);
static_assert(!std::is_convertible_v<SecureBuffer, std::string>);
static_assert(!std::is_convertible_v<SecureBuffer, std::string_view>);
static_assert(!std::is_constructible_v<std::string, SecureBuffer>);

// Runs `body` in a forked child and returns its exit status (or -1 when it
// did not exit normally). For tests that change process-wide state.
template <typename Body>
int in_child(Body body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The VmFlags of the mapping that starts at `address` (from /proc/self/smaps).
std::string vm_flags_of(const void* address) {
  char start[32];
  std::snprintf(start, sizeof(start), "%lx-", reinterpret_cast<unsigned long>(address));
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_mapping = false;
  while (std::getline(smaps, line)) {
    if (line.rfind(start, 0) == 0) in_mapping = true;
    if (in_mapping && line.rfind("VmFlags:", 0) == 0) return line.substr(8) + " ";
  }
  return "";
}

// Undoes the process-wide test hooks whatever a test does.
class SecureBufferTest : public ::testing::Test {
 protected:
  void TearDown() override {
    test_hooks::set_wipe_observer({});
    test_hooks::allow_unlocked_memory(false);
  }
};

TEST_F(SecureBufferTest, StartsZeroedWithTheRequestedSize) {
  SecureBuffer buffer(100);
  EXPECT_EQ(buffer.size_bytes(), 100u);
  EXPECT_EQ(buffer.capacity_bytes(), static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
  EXPECT_TRUE(buffer.locked());
  for (std::uint8_t byte : buffer.bytes()) EXPECT_EQ(byte, 0);
  EXPECT_EQ(buffer.bytes().size(), 100u);
  EXPECT_EQ(static_cast<const void*>(buffer.chars()), static_cast<void*>(buffer.data()));
}

TEST_F(SecureBufferTest, EmptyOwnsNothing) {
  SecureBuffer none;
  SecureBuffer zero(0);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(zero.empty());
  EXPECT_EQ(zero.data(), nullptr);
  EXPECT_TRUE(none.equals(zero));
}

TEST_F(SecureBufferTest, MoveTransfersTheMemoryAndEmptiesTheSource) {
  SecureBuffer first(32);
  std::memset(first.data(), 0x5a, 32);
  const std::uint8_t* memory = first.data();
  SecureBuffer second(std::move(first));
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(first.data(), nullptr);
  EXPECT_EQ(second.data(), memory);
  EXPECT_EQ(second.size_bytes(), 32u);
  EXPECT_EQ(second.data()[31], 0x5a);
}

TEST_F(SecureBufferTest, WipesEveryByteBeforeUnmapping) {
  // The observer sees the buffer's own memory (same address) after the wipe
  // and before munmap; it was filled with 0xa5, so all-zero means wiped.
  std::vector<std::size_t> wiped_sizes;
  const std::uint8_t* wiped_at = nullptr;
  bool all_zero = true;
  test_hooks::set_wipe_observer([&](const std::uint8_t* data, std::size_t size_bytes) {
    wiped_sizes.push_back(size_bytes);
    wiped_at = data;
    for (std::size_t i = 0; i < size_bytes; ++i) all_zero = all_zero && data[i] == 0;
  });
  const std::uint8_t* key_at = nullptr;
  {
    SecureBuffer key(64);
    std::memset(key.data(), 0xa5, key.capacity_bytes());  // the slack too
    key_at = key.data();
  }
  ASSERT_EQ(wiped_sizes.size(), 1u);
  EXPECT_EQ(wiped_at, key_at);
  EXPECT_EQ(wiped_sizes[0], static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
  EXPECT_TRUE(all_zero);
}

TEST_F(SecureBufferTest, MoveAssignmentAndExplicitWipeFreeTheOldKey) {
  int wipes = 0;
  test_hooks::set_wipe_observer([&](const std::uint8_t*, std::size_t) { ++wipes; });
  SecureBuffer target(16);
  SecureBuffer source(16);
  target = std::move(source);  // the old target is wiped
  EXPECT_EQ(wipes, 1);
  target.wipe();
  EXPECT_EQ(wipes, 2);
  EXPECT_TRUE(target.empty());
  target.wipe();  // twice is harmless
  EXPECT_EQ(wipes, 2);
}

TEST_F(SecureBufferTest, ShrinkWipesTheTail) {
  SecureBuffer buffer(16);
  std::memset(buffer.data(), 'x', 16);
  buffer.shrink(4);
  EXPECT_EQ(buffer.size_bytes(), 4u);
  EXPECT_EQ(buffer.data()[3], 'x');
  for (std::size_t i = 4; i < 16; ++i) EXPECT_EQ(buffer.data()[i], 0) << i;
  buffer.shrink(10);  // never grows
  EXPECT_EQ(buffer.size_bytes(), 4u);
}

TEST_F(SecureBufferTest, EqualsComparesSizeAndContents) {
  SecureBuffer a(8);
  SecureBuffer b(8);
  EXPECT_TRUE(a.equals(b));
  b.data()[7] = 1;
  EXPECT_FALSE(a.equals(b));
  SecureBuffer c(7);
  EXPECT_FALSE(a.equals(c));
}

TEST_F(SecureBufferTest, MappingIsLockedUndumpableAndWipedOnFork) {
  SecureBuffer key(64);
  const std::string flags = vm_flags_of(key.data());
  ASSERT_FALSE(flags.empty()) << "no mapping in /proc/self/smaps starts at the buffer";
  EXPECT_NE(flags.find(" lo "), std::string::npos) << flags;  // mlock
  EXPECT_NE(flags.find(" dd "), std::string::npos) << flags;  // MADV_DONTDUMP
  EXPECT_NE(flags.find(" wf "), std::string::npos) << flags;  // MADV_WIPEONFORK
}

TEST_F(SecureBufferTest, ForkedChildSeesZeros) {
  SecureBuffer key(64);
  std::memset(key.data(), 0xa5, 64);
  const int status = in_child([&] {
    for (std::uint8_t byte : key.bytes()) {
      if (byte != 0) return 1;
    }
    return 0;
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(key.data()[0], 0xa5);  // the parent's copy is untouched
}

// Without CAP_IPC_LOCK and with RLIMIT_MEMLOCK 0, mlock fails (EPERM): the
// buffer refuses, naming what to do, unless the test hook allows it.
int mlock_refusal_in_child(bool allow_unlocked) {
  const rlimit no_locking{0, 0};
  if (setrlimit(RLIMIT_MEMLOCK, &no_locking) != 0) return 10;
  if (geteuid() == 0 && setresuid(65534, 65534, 65534) != 0) return 11;  // drops every capability
  test_hooks::allow_unlocked_memory(allow_unlocked);
  try {
    SecureBuffer key(64);
    if (!allow_unlocked) return 2;  // should have thrown
    if (key.locked()) return 3;
    key.data()[0] = 1;  // usable
    return 0;
  } catch (const Error& error) {
    const std::string message = error.what();
    std::fprintf(stderr, "%s\n", message.c_str());
    if (allow_unlocked) return 4;
    const bool clear = message.find("mlock failed") != std::string::npos &&
                       message.find("ulimit -l") != std::string::npos &&
                       (message.find(std::strerror(EPERM)) != std::string::npos ||
                        message.find(std::strerror(ENOMEM)) != std::string::npos);
    return clear ? 0 : 5;
  }
}

TEST_F(SecureBufferTest, RefusesMemoryItCannotLock) {
  EXPECT_EQ(in_child([] { return mlock_refusal_in_child(false); }), 0);
}

TEST_F(SecureBufferTest, AllowUnlockedHookKeepsGoingUnlocked) {
  EXPECT_EQ(in_child([] { return mlock_refusal_in_child(true); }), 0);
}

}  // namespace
}  // namespace pv2luks
