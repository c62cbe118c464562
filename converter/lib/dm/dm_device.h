// Device-mapper devices through libdevmapper, in-process: no dmsetup children.
//
// Tables arrive here already formatted for the kernel (KernelTarget); the one
// place that may put key bytes into a table is dm_table's kernel formatting,
// and every task that carries a table is marked secure so libdevmapper wipes
// its ioctl buffers. Without udev (the lab), libdevmapper makes the /dev nodes
// itself; with udev, every task that changes nodes waits on its cookie.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/secure_buffer.h"

namespace pv2luks::dm {

struct KernelTarget {
  std::uint64_t start_sectors = 0;
  std::uint64_t length_sectors = 0;
  std::string type;
  std::string params;
};

struct DeviceInfo {
  bool exists = false;
  bool suspended = false;
  bool live_table = false;
  bool inactive_table = false;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::int32_t open_count = 0;
  std::uint32_t event_nr = 0;
  std::uint32_t target_count = 0;
  std::string uuid;  // "LVM-..." for LVs, "CRYPT-LUKS2-..." for cryptsetup's; may be ""
};

// What udev's rules may do with the uevent of a create or resume (the flags
// travel in libdevmapper's udev cookie; without udev they change nothing).
enum class Udev {
  kScan,    // everything: blkid, LVM's pvscan, systemd, /dev/disk links
  kNoScan,  // the /dev/mapper node only; no rule looks inside (a PV label
            // there would otherwise be scanned as a duplicate of the original)
  kHidden,  // not even /dev/disk links: a temporary device, as cryptsetup's
};

// Creates NAME with the table live (create, load, resume). `uuid` may be "".
void create(const std::string& name, const std::string& uuid,
            const std::vector<KernelTarget>& table, Udev udev = Udev::kScan);

// Loads the table into NAME's inactive slot; resume() makes it live.
void load(const std::string& name, const std::vector<KernelTarget>& table);

// Suspends NAME; with `flush`, I/O in flight completes first (the default).
void suspend(const std::string& name, bool flush = true);

// Resumes NAME, swapping in an inactive table if one was loaded.
void resume(const std::string& name, Udev udev = Udev::kScan);

// Removes NAME (retrying briefly if it is still open for a moment).
void remove(const std::string& name);

DeviceInfo info(const std::string& name);
// NAME's major:minor as a dev_t (0:0 when it does not exist).
dev_t device_number(const std::string& name);

// The live table, never with key bytes: a crypt target's key shows as
// kRedactedKey (dm_table.h) or as its keyring reference
// (":64:logon:DESCRIPTION").
std::vector<KernelTarget> table(const std::string& name);
// The volume key of NAME's crypt table when the kernel prints its bytes
// (not a keyring reference), in locked memory; empty when it does not.
SecureBuffer crypt_key(const std::string& name);

// Each target's status line (for a mirror: "... 2 253:1 253:2 32768/32768 ...").
std::vector<KernelTarget> status(const std::string& name);

// Blocks until NAME's event counter passes `event_nr` (DM_DEVICE_WAITEVENT);
// returns the new counter. A mirror raises an event when it finishes syncing.
std::uint32_t wait_event(const std::string& name, std::uint32_t event_nr);

// Names of the dm devices whose tables map onto device `dev`.
std::vector<std::string> holders_of(dev_t dev);

// Whether this kernel has device-mapper (/proc/misc lists it).
bool available();
// All dm device names.
std::vector<std::string> list_devices();

}  // namespace pv2luks::dm
