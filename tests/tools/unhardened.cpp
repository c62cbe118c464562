// pv2luks-unhardened: the pv2luks CLI built with this file instead of
// converter/cli/hardening.cpp, so without any hardening: core dumps as the
// shell allows, dumpable, OpenSSL on the ordinary heap. The negative control
// of tests/host/test_core_dump.py; never installed.
#include "hardening.h"

namespace cli {

std::string harden() { return ""; }

}  // namespace cli
