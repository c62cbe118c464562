// The CLI's process hardening (pv2luks.h: lock_openssl_memory and
// harden_process): OpenSSL's memory locked before any shared library's
// constructor runs, and no core dumps from main's first line on.
#pragma once

#include <string>

namespace cli {

// For main to call first; "" or what failed (main then stops).
std::string harden();

}  // namespace cli
