// The unit tests run as the CLI does: OpenSSL on the locked heap from the
// start (pv2luks.h, lock_openssl_memory; converter/cli/hardening.cpp), so
// every test that uses OpenSSL or libcryptsetup exercises that heap, and
// test_luks_hardening.cpp can check where OpenSSL's allocations land.
#include "pv2luks/pv2luks.h"

namespace {

void lock_openssl_memory_first(int, char**, char**) { pv2luks::lock_openssl_memory(); }

[[gnu::used, gnu::section(".preinit_array")]] void (*preinit_lock_openssl_memory)(
    int, char**, char**) = &lock_openssl_memory_first;

}  // namespace
