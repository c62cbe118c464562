#include "offline/offline_room.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"
#include "base/process.h"
#include "base/sector.h"
#include "lvm/pv_metadata.h"
#include "offline/offline_checks.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kBlockBytes = 4096;
// The least of the partition's end copied for LVM: a second metadata area
// (as large as the first, at most pe_start) and what LVM's scan reads there.
constexpr std::uint64_t kEndCopyMinBytes = 1024 * 1024;

// LVM sees only the loop device; no udev, no devices file, no activation, no
// metadata backups on this host for a guest's VG.
constexpr char kLvmConfig[] =
    "devices { obtain_device_list_from_udev = 0 external_device_info_source = \"none\" "
    "use_devicesfile = 0 } global { activation = 0 use_lvmlockd = 0 } "
    "backup { backup = 0 archive = 0 }";

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

class LoopDevice {
 public:
  LoopDevice(const std::string& file, std::uint64_t offset_bytes, std::uint64_t size_bytes)
      : path_(trim(run_checked({"losetup", "--find", "--show", "--offset",
                                std::to_string(offset_bytes), "--sizelimit",
                                std::to_string(size_bytes), file}))) {}
  ~LoopDevice() { run_process({"losetup", "--detach", path_}); }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void run_pvresize(const std::string& file, std::uint64_t offset_bytes, std::uint64_t size_bytes,
                  const RoomPlan& room, const MessageFn& say) {
  const LoopDevice loop(file, offset_bytes, size_bytes);
  std::vector<std::string> command = make_room_command(room, loop.path());
  command.insert(command.begin(), "lvm");
  command.insert(command.begin() + 2, {"--config", kLvmConfig, "--devices", loop.path()});
  run_checked(command);
  say("ran: " + command_line(command));
}

// [from, to) byte ranges of the partition that LVM reads and writes: the
// front up to pe_start, and the end (4 KiB aligned, not overlapping).
std::vector<std::pair<std::uint64_t, std::uint64_t>> metadata_ranges(const PvReport& pv,
                                                                     std::uint64_t size_bytes) {
  const std::uint64_t front = std::min(size_bytes, pv.pe_start_sectors * kSectorBytes);
  const std::uint64_t end_copy = std::max(kEndCopyMinBytes, front);
  std::uint64_t end_from = size_bytes > end_copy ? size_bytes - end_copy : 0;
  end_from = std::max({end_from / kBlockBytes * kBlockBytes, front});
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges{{0, front}};
  if (end_from < size_bytes) ranges.emplace_back(end_from, size_bytes);
  return ranges;
}

void copy_to_memfd(const RangeFile& device, int memfd, std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint8_t> bytes(to - from);
  device.reader()(from, bytes);
  if (::pwrite(memfd, bytes.data(), bytes.size(), static_cast<off_t>(from)) !=
      static_cast<ssize_t>(bytes.size())) {
    Fail() << "copying the PV's metadata to memory failed: " << errno_text(errno);
  }
}

// pvresize on a memfd copy of the metadata (see offline_room.h).
void pvresize_on_copy(const ByteRange& range, const RoomPlan& room, const PvReport& planned,
                      const MessageFn& say) {
  const Fd memfd(::memfd_create("pv2luks-pv-metadata", MFD_CLOEXEC));
  if (!memfd || ::ftruncate(memfd.get(), static_cast<off_t>(range.size_bytes)) != 0) {
    Fail() << "a memory copy of the PV's metadata: memfd failed: " << errno_text(errno);
  }
  RangeFile device(range, true);
  const auto ranges = metadata_ranges(planned, range.size_bytes);
  for (const auto& [from, to] : ranges) copy_to_memfd(device, memfd.get(), from, to);
  run_pvresize("/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(memfd.get()), 0,
               range.size_bytes, room, say);
  std::vector<std::uint64_t> changed;  // block offsets
  std::vector<std::uint8_t> was(kBlockBytes);
  std::vector<std::uint8_t> now(kBlockBytes);
  for (const auto& [from, to] : ranges) {
    for (std::uint64_t at = from; at < to; at += kBlockBytes) {
      const std::size_t size = std::min(kBlockBytes, to - at);
      device.reader()(at, {was.data(), size});
      if (::pread(memfd.get(), now.data(), size, static_cast<off_t>(at)) != static_cast<ssize_t>(size)) {
        Fail() << "reading back the PV's metadata from memory failed: " << errno_text(errno);
      }
      if (std::memcmp(was.data(), now.data(), size) != 0) changed.push_back(at);
    }
  }
  for (auto at = changed.rbegin(); at != changed.rend(); ++at) {
    const std::size_t size = std::min(kBlockBytes, range.size_bytes - *at);
    if (::pread(memfd.get(), now.data(), size, static_cast<off_t>(*at)) != static_cast<ssize_t>(size)) {
      Fail() << "reading back the PV's metadata from memory failed: " << errno_text(errno);
    }
    device.write(*at, {now.data(), size});
  }
  device.sync();
}

}  // namespace

void make_room_offline(const ByteRange& range, const RoomPlan& room, const PvReport& planned,
                       const MessageFn& say) {
  if (!range.source->file_path().empty()) {
    run_pvresize(range.source->file_path(), range.offset_bytes, range.size_bytes, room, say);
  } else {
    pvresize_on_copy(range, room, planned, say);
  }
  const PvReport now = pv_report_of(read_pv(RangeFile(range, false).reader(), range.size_bytes),
                                    range.size_bytes);
  if (now.used_sectors() != planned.used_sectors()) {
    Fail() << "after pvresize the PV spans " << now.used_sectors() << " sectors, not the planned "
           << planned.used_sectors();
  }
}

}  // namespace pv2luks
