// OpenSSL's allocations from the locked heap (base/locked_heap.h): locked in
// RAM, out of core dumps, wiped when freed. The AES key schedules of every
// EVP cipher context live in such allocations (OpenSSL 3's providers take
// their contexts from OPENSSL_zalloc, not from its secure heap), and so do
// the HMAC states of a PBKDF2 run.
//
// pv2luks.h's lock_openssl_memory() installs them; it must run before
// OpenSSL's first allocation (see there).
#pragma once

namespace pv2luks {

// Whether OpenSSL allocates from the locked heap.
bool openssl_memory_is_locked() noexcept;

}  // namespace pv2luks
