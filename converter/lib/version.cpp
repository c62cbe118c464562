#include "pv2luks/pv2luks.h"

namespace pv2luks {

std::string_view version() { return PV2LUKS_VERSION; }

}  // namespace pv2luks
