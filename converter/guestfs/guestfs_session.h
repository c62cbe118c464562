// One libguestfs appliance over a disk image: the few calls --guest-config
// makes, each turned into an Error that names the image, the call and
// libguestfs's own message. Part of pv2luks-guest-config (built only when
// CMake finds libguestfs with pkg-config); pv2luks itself links no libguestfs.
//
// The appliance runs QEMU itself; where KVM does not work, set
// LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg. Tracing
// and debug output stay off whatever the environment says, so a passphrase
// given to open_luks never reaches a log.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "image/image_format.h"
#include "base/secure_buffer.h"

namespace pv2luks {

struct GuestFileOwner {
  std::uint32_t mode = 0644;  // permission bits only
  std::int64_t uid = 0;
  std::int64_t gid = 0;
};

class GuestfsSession {
 public:
  // Launches the appliance with `image` (raw, qcow2 or a block device) as its
  // one disk, read-only unless `writable`.
  GuestfsSession(const std::string& image, ImageFormat format, bool writable);
  ~GuestfsSession();  // shuts the appliance down, ignoring errors
  GuestfsSession(const GuestfsSession&) = delete;
  GuestfsSession& operator=(const GuestfsSession&) = delete;

  // The partition (or whole disk) whose file system or LUKS UUID is `uuid`.
  std::string device_with_uuid(const std::string& uuid);
  // Opens the LUKS volume on `device` as /dev/mapper/NAME. `key` ends in a
  // NUL (passphrase_c_string); it goes over libguestfs's protocol only.
  void open_luks(const std::string& device, const SecureBuffer& key, const std::string& name);
  // Scans for LVM and activates every VG it finds.
  void activate_lvm();
  // The roots of the operating systems inspection finds.
  std::vector<std::string> inspect();
  std::string distro(const std::string& root);
  std::string product(const std::string& root);
  // (mountpoint, device) pairs from the guest's fstab.
  std::vector<std::pair<std::string, std::string>> mountpoints(const std::string& root);
  // The UUIDs of the PVs in VG `vg`, and the PV UUID on `device`.
  std::vector<std::string> vg_pv_uuids(const std::string& vg);
  std::string pv_uuid(const std::string& device);

  void mount(const std::string& device, const std::string& mountpoint, bool writable);
  bool is_file(const std::string& path);  // follows symlinks
  bool exists(const std::string& path);   // a file or directory; follows symlinks
  bool is_symlink(const std::string& path);
  std::string read_file(const std::string& path);
  GuestFileOwner owner(const std::string& path);
  // Creates (or truncates) `path` with `text`, then sets its mode and owner.
  void write_file(const std::string& path, const std::string& text, const GuestFileOwner& owner);
  void rename(const std::string& from, const std::string& to);
  std::vector<std::string> list_dir(const std::string& path);
  // Runs `command` with /bin/sh inside the guest's mounted root; its stdout.
  std::string sh(const std::string& command);

  // Unmounts everything, syncs and shuts the appliance down: an Error when
  // any of that fails (the writes may not all be in the image then).
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pv2luks
