#include "hardening.h"

#include "pv2luks/pv2luks.h"

namespace cli {

namespace {

void lock_openssl_memory_first(int, char**, char**) { pv2luks::lock_openssl_memory(); }

// ELF's DT_PREINIT_ARRAY: the dynamic loader calls these before the
// constructor of any shared library, so before libssh's allocates through
// OpenSSL (pv2luks.h, lock_openssl_memory).
[[gnu::used, gnu::section(".preinit_array")]] void (*preinit_lock_openssl_memory)(
    int, char**, char**) = &lock_openssl_memory_first;

}  // namespace

std::string harden() { return pv2luks::harden_process(); }

}  // namespace cli
