#include "guestfs_session.h"

#include <guestfs.h>

#include <cstdlib>

#include "base/error.h"

namespace pv2luks {

namespace {

// Owns a char* libguestfs returned.
struct FreeChars {
  void operator()(char* p) const { std::free(p); }
};
using Chars = std::unique_ptr<char, FreeChars>;

std::vector<std::string> take_strings(char** list) {
  std::vector<std::string> out;
  for (char** p = list; p && *p; ++p) {
    out.emplace_back(*p);
    std::free(*p);
  }
  std::free(list);
  return out;
}

const char* drive_format(ImageFormat format) {
  return format == ImageFormat::qcow2 ? "qcow2" : "raw";
}

std::string without_dashes(std::string uuid) {
  std::erase(uuid, '-');
  return uuid;
}

}  // namespace

struct GuestfsSession::Impl {
  guestfs_h* g = nullptr;
  std::string image;

  [[noreturn]] void fail(const std::string& call) const {
    const char* why = g ? guestfs_last_error(g) : nullptr;
    Fail() << image << ": libguestfs " << call << " failed: " << (why ? why : "no reason given");
  }
  void check(int status, const std::string& call) const {
    if (status < 0) fail(call);
  }
  std::string text(char* value, const std::string& call) const {
    if (!value) fail(call);
    const Chars owned(value);
    return owned.get();
  }
  std::vector<std::string> strings(char** list, const std::string& call) const {
    if (!list) fail(call);
    return take_strings(list);
  }
};

GuestfsSession::GuestfsSession(const std::string& image, ImageFormat format, bool writable)
    : impl_(new Impl) {
  impl_->image = image;
  impl_->g = guestfs_create();
  if (!impl_->g) Fail() << image << ": libguestfs guestfs_create failed";
  guestfs_h* g = impl_->g;
  // Errors are read with guestfs_last_error, not printed; no trace or debug
  // output, whatever LIBGUESTFS_TRACE or LIBGUESTFS_DEBUG say.
  guestfs_set_error_handler(g, nullptr, nullptr);
  impl_->check(guestfs_set_trace(g, 0), "set_trace");
  impl_->check(guestfs_set_verbose(g, 0), "set_verbose");
  impl_->check(guestfs_set_identifier(g, "pv2luks"), "set_identifier");
  impl_->check(guestfs_add_drive_opts(g, image.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT,
                                      drive_format(format), GUESTFS_ADD_DRIVE_OPTS_READONLY,
                                      writable ? 0 : 1, -1),
               "add_drive");
  impl_->check(guestfs_launch(g), "launch (if KVM does not work here, set "
                                  "LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg)");
}

GuestfsSession::~GuestfsSession() {
  if (!impl_->g) return;
  guestfs_shutdown(impl_->g);
  guestfs_close(impl_->g);
}

std::string GuestfsSession::device_with_uuid(const std::string& uuid) {
  std::vector<std::string> candidates = impl_->strings(guestfs_list_partitions(impl_->g),
                                                       "list_partitions");
  for (const std::string& disk : impl_->strings(guestfs_list_devices(impl_->g), "list_devices")) {
    candidates.push_back(disk);
  }
  for (const std::string& device : candidates) {
    char* found = guestfs_vfs_uuid(impl_->g, device.c_str());
    if (!found) continue;  // no recognisable content
    const Chars owned(found);
    if (without_dashes(owned.get()) == without_dashes(uuid)) return device;
  }
  Fail() << impl_->image << ": no partition with UUID " << uuid << " found by libguestfs";
}

void GuestfsSession::open_luks(const std::string& device, const SecureBuffer& key,
                               const std::string& name) {
  impl_->check(guestfs_cryptsetup_open(impl_->g, device.c_str(), key.chars(), name.c_str(), -1),
               "cryptsetup_open " + device);
}

void GuestfsSession::activate_lvm() {
  impl_->check(guestfs_lvm_scan(impl_->g, 1), "lvm_scan");
}

std::vector<std::string> GuestfsSession::inspect() {
  return impl_->strings(guestfs_inspect_os(impl_->g), "inspect_os");
}

std::string GuestfsSession::distro(const std::string& root) {
  return impl_->text(guestfs_inspect_get_distro(impl_->g, root.c_str()), "inspect_get_distro");
}

std::string GuestfsSession::product(const std::string& root) {
  return impl_->text(guestfs_inspect_get_product_name(impl_->g, root.c_str()),
                     "inspect_get_product_name");
}

std::vector<std::pair<std::string, std::string>> GuestfsSession::mountpoints(
    const std::string& root) {
  const std::vector<std::string> flat = impl_->strings(
      guestfs_inspect_get_mountpoints(impl_->g, root.c_str()), "inspect_get_mountpoints");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) pairs.emplace_back(flat[i], flat[i + 1]);
  return pairs;
}

std::vector<std::string> GuestfsSession::vg_pv_uuids(const std::string& vg) {
  std::vector<std::string> uuids =
      impl_->strings(guestfs_vgpvuuids(impl_->g, vg.c_str()), "vgpvuuids " + vg);
  for (std::string& uuid : uuids) uuid = without_dashes(uuid);
  return uuids;
}

std::string GuestfsSession::pv_uuid(const std::string& device) {
  return without_dashes(impl_->text(guestfs_pvuuid(impl_->g, device.c_str()), "pvuuid " + device));
}

void GuestfsSession::mount(const std::string& device, const std::string& mountpoint,
                           bool writable) {
  const int status = writable ? guestfs_mount(impl_->g, device.c_str(), mountpoint.c_str())
                              : guestfs_mount_ro(impl_->g, device.c_str(), mountpoint.c_str());
  impl_->check(status, "mount " + device + " on " + mountpoint);
}

bool GuestfsSession::is_file(const std::string& path) {
  const int status = guestfs_is_file_opts(impl_->g, path.c_str(), GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1);
  impl_->check(status, "is_file " + path);
  return status == 1;
}

bool GuestfsSession::exists(const std::string& path) {
  const int status = guestfs_exists(impl_->g, path.c_str());
  impl_->check(status, "exists " + path);
  return status == 1;
}

bool GuestfsSession::is_symlink(const std::string& path) {
  const int status = guestfs_is_symlink(impl_->g, path.c_str());
  impl_->check(status, "is_symlink " + path);
  return status == 1;
}

std::string GuestfsSession::read_file(const std::string& path) {
  std::size_t size = 0;
  char* data = guestfs_read_file(impl_->g, path.c_str(), &size);
  if (!data) impl_->fail("read_file " + path);
  const Chars owned(data);
  return std::string(data, size);
}

GuestFileOwner GuestfsSession::owner(const std::string& path) {
  struct guestfs_statns* st = guestfs_statns(impl_->g, path.c_str());
  if (!st) impl_->fail("statns " + path);
  const GuestFileOwner owner{static_cast<std::uint32_t>(st->st_mode & 07777), st->st_uid,
                             st->st_gid};
  guestfs_free_statns(st);
  return owner;
}

void GuestfsSession::write_file(const std::string& path, const std::string& text,
                                const GuestFileOwner& owner) {
  impl_->check(guestfs_write(impl_->g, path.c_str(), text.data(), text.size()), "write " + path);
  impl_->check(guestfs_chmod(impl_->g, static_cast<int>(owner.mode), path.c_str()),
               "chmod " + path);
  impl_->check(guestfs_chown(impl_->g, static_cast<int>(owner.uid), static_cast<int>(owner.gid),
                             path.c_str()),
               "chown " + path);
}

void GuestfsSession::rename(const std::string& from, const std::string& to) {
  impl_->check(guestfs_rename(impl_->g, from.c_str(), to.c_str()), "rename " + from + " " + to);
}

std::vector<std::string> GuestfsSession::list_dir(const std::string& path) {
  return impl_->strings(guestfs_ls(impl_->g, path.c_str()), "ls " + path);
}

std::string GuestfsSession::sh(const std::string& command) {
  return impl_->text(guestfs_sh(impl_->g, command.c_str()), "sh '" + command + "'");
}

void GuestfsSession::finish() {
  impl_->check(guestfs_umount_all(impl_->g), "umount_all");
  impl_->check(guestfs_sync(impl_->g), "sync");
  impl_->check(guestfs_shutdown(impl_->g), "shutdown");
}

}  // namespace pv2luks
