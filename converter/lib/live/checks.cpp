#include "live/checks.h"

#include <unistd.h>

#include <filesystem>

#include "base/error.h"
#include "base/sector.h"
#include "convert/prepared_header.h"
#include "convert/room_choice.h"
#include "journal/journal_state.h"
#include "live/mapping_names.h"
#include "lvm/autoactivation.h"
#include "lvm/pv_metadata.h"
#include "lvm/thin_monitor.h"
#include "base/range_file.h"
#include "system/recovery_initramfs.h"
#include "live/tpm2_checks.h"

namespace pv2luks {

namespace {

// The VG still carries the guard's tag, though no journal was found: a
// conversion began and did not finish. Its journal may be gone with a
// shrunk device (then restoring the size lets resume find it), or it was
// never written (a stop before staging). Only the user can tell.
void refuse_guarded_vg(const std::string& device, const std::string& vg) {
  if (!read_vg_activation(device).converting_tag) return;
  Fail() << device << ": VG " << vg << " carries the tag " << kConvertingTag
         << ": a conversion of this PV began and did not finish, but its journal is not "
            "where the device's size puts it. If the device was made smaller since, restore "
            "its size and run 'pv2luks resume " << device << "'. If that conversion stopped "
            "before writing its journal, nothing moved: turn the VG's autoactivation back on "
            "and drop the tag ('vgchange --setautoactivation y --deltag " << kConvertingTag << " "
         << vg << "'), then convert again";
}

// The PV's size as LVM's VG metadata records it (PvReport's
// recorded_size_sectors), read from the device's own bytes: pvs does not
// report it. LVM writes its metadata with O_DIRECT, so the page cache holds
// nothing older.
std::uint64_t recorded_size_sectors(const BlockDevice& device) {
  try {
    const RangeFile file(file_range(device.path, 0, device.size_bytes), false);
    return read_pv(file.reader(), device.size_bytes).meta().dev_size_sectors;
  } catch (const Error& e) {
    Fail(e.reason())
        << device.path << ": reading the PV's LVM metadata from the device failed: " << e.what();
  }
}

}  // namespace

Checked check(const ConvertOptions& options, const MessageFn& say) {
  if (::geteuid() != 0) Fail(RefuseReason::kNoPermission) << "pv2luks convert must run as root";
  split_cipher(options.cipher);
  Checked checked;
  checked.device = inspect_block_device(options.device);
  checked.lock = std::make_shared<DeviceLock>(checked.device);
  if (checked.device.read_only) {
    Fail() << options.device << ": the device is read-only; nothing to convert on it";
  }
  refuse_over_journal(file_range(options.device, 0, checked.device.size_bytes),
                      options.device, "pv2luks resume " + options.device);
  if (starts_with_luks_header(options.device)) {
    Fail(RefuseReason::kWrongDevice)
        << options.device << ": already a LUKS device; nothing to convert";
  }
  refuse_stranded_root(options.device, checked.device.dev, options.force, say);
  refuse_tpm2_problems(options, checked.device.dev);
  checked.pv = read_pv_report(options.device);
  const auto refusals = pv_refusals(checked.pv);
  if (!refusals.empty()) Fail() << options.device << ": " << refusals.front();
  if (const auto pools = read_monitored_thin_pools(checked.pv.vg_name); !pools.empty()) {
    Fail() << options.device << ": " << monitored_pool_refusal(pools.front());
  }
  refuse_guarded_vg(options.device, checked.pv.vg_name);
  checked.pv.recorded_size_sectors = recorded_size_sectors(checked.device);
  const RoomChoice room = choose_room_and_header(options, checked.pv, options.device, say);
  checked.make_room = room.make_room;
  checked.header = room.header;
  checked.pv = room.pv;
  PlanInput input;
  input.move_sectors = checked.pv.used_sectors();
  input.device_sectors = checked.device.size_bytes / kSectorBytes;
  input.data_offset_sectors = checked.header.spec.data_offset_sectors;
  input.sector_bytes = checked.device.logical_sector_bytes;
  checked.plan = make_plan(input);
  if (!checked.plan.ok()) Fail() << options.device << ": " << checked.plan.problems.front();
  const MappingNames names = mapping_names(std::filesystem::canonical(options.device).string());
  checked.base_name = names.base_name;
  checked.intermediate = names.intermediate;
  checked.crypt_full = names.crypt_full;
  say_choice(options.device, checked.pv, checked.header, checked.plan, say);
  return checked;
}

}  // namespace pv2luks
