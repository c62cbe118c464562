// GuestfsSession in a build without libguestfs: every session is an Error,
// so --guest-config is refused before anything is written.
#include "base/error.h"
#include "offline/guestfs_session.h"

namespace pv2luks {

struct GuestfsSession::Impl {};

bool guestfs_built() { return false; }

GuestfsSession::GuestfsSession(const std::string& image, ImageFormat, bool) {
  Fail() << image << ": --guest-config is not available: pv2luks was built without libguestfs "
            "(install libguestfs-dev, see ci/install-deps, and build again)";
}

GuestfsSession::~GuestfsSession() = default;

std::string GuestfsSession::device_with_uuid(const std::string&) { return ""; }
void GuestfsSession::open_luks(const std::string&, const SecureBuffer&, const std::string&) {}
void GuestfsSession::activate_lvm() {}
std::vector<std::string> GuestfsSession::inspect() { return {}; }
std::string GuestfsSession::distro(const std::string&) { return ""; }
std::string GuestfsSession::product(const std::string&) { return ""; }
std::vector<std::pair<std::string, std::string>> GuestfsSession::mountpoints(const std::string&) {
  return {};
}
std::vector<std::string> GuestfsSession::vg_pv_uuids(const std::string&) { return {}; }
std::string GuestfsSession::pv_uuid(const std::string&) { return ""; }
void GuestfsSession::mount(const std::string&, const std::string&, bool) {}
bool GuestfsSession::is_file(const std::string&) { return false; }
bool GuestfsSession::is_symlink(const std::string&) { return false; }
std::string GuestfsSession::read_file(const std::string&) { return ""; }
GuestFileOwner GuestfsSession::owner(const std::string&) { return {}; }
void GuestfsSession::write_file(const std::string&, const std::string&, const GuestFileOwner&) {}
void GuestfsSession::rename(const std::string&, const std::string&) {}
std::vector<std::string> GuestfsSession::list_dir(const std::string&) { return {}; }
std::string GuestfsSession::sh(const std::string&) { return ""; }
void GuestfsSession::finish() {}

}  // namespace pv2luks
