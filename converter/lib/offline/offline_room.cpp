#include "offline/offline_room.h"

#include "base/error.h"
#include "base/process.h"
#include "lvm/pv_metadata.h"
#include "offline/offline_checks.h"

namespace pv2luks {

namespace {

// LVM sees only the loop device; no udev, no devices file, no activation, no
// metadata backups on this host for a guest's VG.
constexpr char kLvmConfig[] =
    "devices { obtain_device_list_from_udev = 0 external_device_info_source = \"none\" "
    "use_devicesfile = 0 } global { activation = 0 use_lvmlockd = 0 } "
    "backup { backup = 0 archive = 0 }";

class LoopDevice {
 public:
  explicit LoopDevice(const ByteRange& range)
      : path_(trim(run_checked({"losetup", "--find", "--show", "--offset",
                                std::to_string(range.offset_bytes), "--sizelimit",
                                std::to_string(range.size_bytes), range.path}))) {}
  ~LoopDevice() { run_process({"losetup", "--detach", path_}); }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& path() const { return path_; }

 private:
  static std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }
  std::string path_;
};

}  // namespace

void make_room_offline(const ByteRange& range, const RoomPlan& room, const PvReport& planned,
                       const MessageFn& say) {
  {
    const LoopDevice loop(range);
    std::vector<std::string> command = make_room_command(room, loop.path());
    command.insert(command.begin(), "lvm");
    command.insert(command.begin() + 2, {"--config", kLvmConfig, "--devices", loop.path()});
    run_checked(command);
    say("ran: " + command_line(command));
  }
  const PvReport now = pv_report_of(read_pv(RangeFile(range, false).reader(), range.size_bytes),
                                    range.size_bytes);
  if (now.used_sectors() != planned.used_sectors()) {
    Fail() << "after pvresize the PV spans " << now.used_sectors() << " sectors, not the planned "
           << planned.used_sectors();
  }
}

}  // namespace pv2luks
