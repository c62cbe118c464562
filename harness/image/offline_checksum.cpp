#include "image/offline_checksum.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <sstream>

#include "common/error.h"
#include "common/loop_device.h"
#include "common/process.h"
#include "common/sha256.h"
#include "image/content.h"
#include "image/image_file.h"
#include "image/lv_report.h"
#include "image/lvm_setup.h"
#include "image/manifest.h"
#include "image/partition_table.h"
#include "base/probe_lvm_label.h"

namespace harness {

namespace {

constexpr std::string_view kQcow2Magic = "QFI\xfb";

// A private directory for the raw copy of a qcow2 image, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/pv2luks-checksum-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      Fail() << pattern << ": mkdtemp failed: " << errno_string();
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    boost::system::error_code ignored;
    boost::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_prefix(const std::string& path, std::uint64_t offset_bytes, std::size_t bytes) {
  ImageFile file(path, O_RDONLY);
  std::string text(bytes, '\0');
  text.resize(file.read_at(offset_bytes, text.data(), bytes));
  return text;
}

bool is_qcow2(const std::string& image) {
  return read_prefix(image, 0, kQcow2Magic.size()) == kQcow2Magic;
}

// The whole disk and every partition sfdisk finds (none when it finds no table).
std::vector<DiskArea> disk_areas(const std::string& raw) {
  std::vector<DiskArea> areas = {{0, 0, file_or_device_size_bytes(raw), false}};
  const ProcessResult table = run_process({"sfdisk", "--json", raw});
  if (table.exit_code == 0) {
    for (const PartitionPlacement& p : parse_sfdisk_json(table.out)) {
      areas.push_back({p.number, p.start_bytes, p.size_bytes, false});
    }
  }
  for (DiskArea& area : areas) {
    area.has_pv_label = has_lvm2_label(read_prefix(raw, area.start_bytes, kLvmLabelScanBytes));
  }
  return areas;
}


std::string vg_of(const std::string& device, const std::string& image) {
  std::string vg = lvm(device, "pvs", {"--noheadings", "-o", "vg_name", device});
  vg.erase(std::remove_if(vg.begin(), vg.end(), [](char c) { return c == ' ' || c == '\n'; }),
           vg.end());
  if (vg.empty()) Fail() << image << ": its PV belongs to no volume group";
  return vg;
}

std::vector<std::string> lv_lines(const std::string& device, const std::string& image) {
  const std::string vg = vg_of(device, image);
  const LvmLayout layout = read_lvm_layout(device, vg);
  std::vector<std::string> lines;
  for (const LvSegment& segment : layout.segments.segments) {
    if (segment.pv_name != device) {
      Fail() << image << ": LV " << vg << "/" << segment.lv_name << " has extents on "
             << segment.pv_name << ", outside this image";
    }
  }
  for (const std::string& lv : segment_lv_names(layout.segments)) {
    const auto ranges = lv_byte_ranges(layout.segments, lv, 0, layout.pv.pe_start_bytes);
    lines.push_back(lv_line(vg, lv, sha256_ranges(device, ranges), total_length_bytes(ranges)));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> checksum_raw(const std::string& raw, const std::string& image,
                                      std::optional<int> partition) {
  const DiskArea area = choose_pv_area(disk_areas(raw), partition, image);
  LoopDevice loop(raw, area.start_bytes, area.number == 0 ? 0 : area.size_bytes, true);
  std::vector<std::string> lines = lv_lines(loop.path(), image);
  loop.detach();
  return lines;
}

}  // namespace

bool has_lvm2_label(std::string_view first_bytes) {
  return pv2luks::find_lvm_label({reinterpret_cast<const std::uint8_t*>(first_bytes.data()),
                                  first_bytes.size()})
      .has_value();
}

DiskArea choose_pv_area(const std::vector<DiskArea>& areas, std::optional<int> partition,
                        const std::string& image) {
  if (partition) {
    for (const DiskArea& area : areas) {
      if (area.number != *partition) continue;
      if (area.has_pv_label) return area;
      Fail(kExitUsage) << image << ": " << (area.number == 0 ? "the whole disk" : "partition " +
                                                 std::to_string(area.number))
                       << " carries no LVM physical volume label";
    }
    Fail(kExitUsage) << image << " has no partition " << *partition
                     << " (0 names the whole disk)";
  }
  std::vector<DiskArea> labelled;
  std::copy_if(areas.begin(), areas.end(), std::back_inserter(labelled),
               [](const DiskArea& area) { return area.has_pv_label; });
  if (labelled.size() == 1) return labelled.front();
  if (labelled.empty()) {
    Fail(kExitUsage) << image << ": no LVM physical volume label on the disk or any partition; "
                     << "name the PV's partition with --partition N if it is there";
  }
  std::ostringstream numbers;
  for (const DiskArea& area : labelled) numbers << " " << area.number;
  Fail(kExitUsage) << image << ": LVM labels on several areas (partitions" << numbers.str()
                   << "; 0 is the whole disk): choose one with --partition N";
}

std::vector<std::string> checksum_offline(const std::string& image,
                                          std::optional<int> partition) {
  if (::access(image.c_str(), R_OK) != 0) {
    Fail(kExitUsage) << image << ": cannot read it: " << errno_string();
  }
  if (::geteuid() != 0) Fail(kExitUsage) << "checksum --offline needs root (losetup, LVM tools)";
  if (!is_qcow2(image)) return checksum_raw(image, image, partition);
  const ScratchDir scratch;
  const std::string raw = scratch.path() + "/disk.raw";
  run_checked({"qemu-img", "convert", "-f", "qcow2", "-O", "raw", image, raw});
  return checksum_raw(raw, image, partition);
}

}  // namespace harness
