// Process hardening (pv2luks.h: harden_process, lock_openssl_memory): no core
// dumps, not dumpable, and OpenSSL's allocations, its AES key schedules among
// them, in locked undumpable memory. The unit-test binary locks OpenSSL's
// memory from its .preinit_array (openssl_memory_preinit.cpp), as the CLI does.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "crypto/openssl_memory.h"
#include "crypto/xts.h"
#include "base/locked_heap.h"
#include "pv2luks/pv2luks.h"
#include "vm_flags.h"

namespace pv2luks {
namespace {

TEST(Hardening, HardenProcessDisablesCoreDumps) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (!harden_process().empty()) _exit(1);
    rlimit core{};
    if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) _exit(2);
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) _exit(3);
    _exit(0);
  }
  int status = -1;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(Hardening, OpenSslAllocatesFromTheLockedHeap) {
  ASSERT_TRUE(openssl_memory_is_locked());
  EXPECT_TRUE(lock_openssl_memory());  // again: already done
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_NE(ctx, nullptr);
  EXPECT_GE(locked_heap::usable_bytes(ctx), 1u);  // aborts for a block from elsewhere
  const std::string flags = vm_flags_holding(ctx);
  EXPECT_NE(flags.find(" lo "), std::string::npos) << flags;
  EXPECT_NE(flags.find(" dd "), std::string::npos) << flags;
  EVP_CIPHER_CTX_free(ctx);
}

TEST(Hardening, XtsStillRoundTrips) {
  std::vector<std::uint8_t> key(64);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  XtsCipher cipher(key, 512, false);
  std::vector<std::uint8_t> data(4096, 0x5a);
  cipher.encrypt(data, 8);
  EXPECT_NE(data, std::vector<std::uint8_t>(4096, 0x5a));
  cipher.decrypt(data, 8);
  EXPECT_EQ(data, std::vector<std::uint8_t>(4096, 0x5a));
}

}  // namespace
}  // namespace pv2luks
