#include "image/image_build.h"

#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/process.h"
#include "common/sha256.h"
#include "image/content.h"
#include "image/image_file.h"
#include "image/layout_spec.h"
#include "common/loop_device.h"
#include "image/lvm_setup.h"
#include "image/manifest.h"
#include "image/partition_table.h"

namespace harness {

namespace {

namespace fs = boost::filesystem;

// The files a build writes. Temporaries are removed when it ends; OUT and
// OUT.manifest appear only through commit().
class BuildFiles {
 public:
  BuildFiles(const std::string& out, ImageFormat format)
      : out_(out),
        image_tmp_(out + ".tmp"),
        raw_(format == ImageFormat::raw ? image_tmp_ : out + ".raw.tmp"),
        manifest_tmp_(out + ".manifest.tmp"),
        scratch_(out + ".scratch.tmp") {
    boost::system::error_code error;
    fs::create_directory(scratch_, error);
    if (error) Fail() << scratch_ << ": mkdir failed: " << error.message();
  }
  ~BuildFiles() {
    boost::system::error_code ignored;
    for (const auto& path : {image_tmp_, raw_, manifest_tmp_, scratch_}) {
      fs::remove_all(path, ignored);
    }
  }
  const std::string& raw() const { return raw_; }
  const std::string& image_tmp() const { return image_tmp_; }
  const std::string& manifest_tmp() const { return manifest_tmp_; }
  const std::string& scratch() const { return scratch_; }
  void commit() {
    rename_file(manifest_tmp_, out_ + ".manifest");
    rename_file(image_tmp_, out_);
  }

 private:
  static void rename_file(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      Fail() << from << ": rename to " << to << " failed: " << errno_string();
    }
  }
  std::string out_, image_tmp_, raw_, manifest_tmp_, scratch_;
};

std::string read_spec_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    Fail(kExitUsage) << path << ": cannot read the layout spec: " << errno_string()
                     << "; give a JSON spec such as images/demo.json";
  }
  return text.str();
}

bool uses_ext4(const LayoutSpec& spec) {
  const auto ext4 = [](const auto& item) { return item.content.kind == ContentKind::ext4; };
  return std::any_of(spec.lvs.begin(), spec.lvs.end(), ext4) ||
         std::any_of(spec.partitions.begin(), spec.partitions.end(), ext4);
}

void require_program(const std::string& name, const std::string& package) {
  if (find_program(name).empty()) {
    Fail(kExitUsage) << "image build needs " << name << ", which is not on PATH; install "
                     << package;
  }
}

// Everything the build needs from the host, checked before any file is made.
void check_host(const LayoutSpec& spec, ImageFormat format, const std::string& out) {
  if (::geteuid() != 0) Fail(kExitUsage) << "image build needs root (losetup, LVM tools)";
  require_program("losetup", "mount (util-linux)");
  require_program("lvm", "lvm2");
  if (spec.table != PartitionTable::none) require_program("sfdisk", "fdisk");
  if (uses_ext4(spec)) require_program("mkfs.ext4", "e2fsprogs");
  if (uses_ext4(spec)) require_program("debugfs", "e2fsprogs");
  if (format == ImageFormat::qcow2) require_program("qemu-img", "qemu-utils");
  const fs::path parent = fs::absolute(out).parent_path();
  if (!fs::is_directory(parent)) {
    Fail(kExitUsage) << out << ": directory " << parent.string() << " does not exist; create it";
  }
  if (fs::is_directory(out)) Fail(kExitUsage) << out << ": is a directory; name an image file";
}

LvmLayout make_lvm(const std::string& raw, const LayoutSpec& spec, const PvPlacement& pv) {
  LoopDevice loop(raw, pv.area.start_bytes, pv.area.size_bytes);
  LvmLayout layout = create_lvm_layout(loop.path(), spec, pv);
  loop.detach();
  return layout;
}

std::vector<ManifestLv> place_lvs(const LayoutSpec& spec, const PvPlacement& pv,
                                  const LvmLayout& layout) {
  if (segment_lv_names(layout.segments).size() != spec.lvs.size()) {
    Fail() << spec.pv.vg << ": LVM reports " << segment_lv_names(layout.segments).size()
           << " LVs, the spec has " << spec.lvs.size();
  }
  std::vector<ManifestLv> lvs;
  for (const LvSpec& lv : spec.lvs) {
    const auto ranges = lv_byte_ranges(layout.segments, lv.name, pv.area.start_bytes,
                                       layout.pv.pe_start_bytes);
    if (total_length_bytes(ranges) != lv.size_bytes) {
      Fail() << spec.pv.vg << "/" << lv.name << ": LVM reports " << total_length_bytes(ranges)
             << " bytes of segments, the spec asks for " << lv.size_bytes;
    }
    lvs.push_back({spec.pv.vg, lv.name, "", lv.size_bytes, ranges});
  }
  return lvs;
}

void write_contents(ImageFile& image, const LayoutSpec& spec, const DiskGeometry& geometry,
                    std::vector<ManifestLv>& lvs, const std::string& scratch) {
  for (std::size_t i = 0; i < spec.partitions.size(); ++i) {
    if (spec.partitions[i].pv) continue;
    const PartitionPlacement& p = geometry.partitions[i];
    write_content(image, spec.partitions[i].content, {{p.start_bytes, p.size_bytes}}, scratch,
                  "part" + std::to_string(p.number));
  }
  for (std::size_t i = 0; i < spec.lvs.size(); ++i) {
    write_content(image, spec.lvs[i].content, lvs[i].ranges, scratch, "lv-" + spec.lvs[i].name);
  }
}

Manifest measure(const std::string& raw, const LayoutSpec& spec, const DiskGeometry& geometry,
                 std::vector<ManifestLv> lvs) {
  Manifest manifest;
  manifest.image_size_bytes = spec.disk_size_bytes;
  manifest.image_sha256 = sha256_file_range(raw);
  for (std::size_t i = 0; i < spec.partitions.size(); ++i) {
    const PartitionPlacement& p = geometry.partitions[i];
    if (!spec.partitions[i].pv) {
      manifest.parts.push_back({p, sha256_file_range(raw, p.start_bytes, p.size_bytes)});
    }
  }
  manifest.pv = geometry.pv;
  manifest.vg = spec.pv.vg;
  for (ManifestLv& lv : lvs) lv.sha256 = sha256_ranges(raw, lv.ranges);
  manifest.lvs = std::move(lvs);
  return manifest;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) Fail() << path << ": write failed: " << errno_string();
}

}  // namespace

void build_image(const std::string& spec_path, const std::string& out_path, ImageFormat format) {
  const LayoutSpec spec = load_layout(read_spec_file(spec_path), spec_path);
  check_host(spec, format, out_path);
  const DiskGeometry geometry = plan_geometry(spec);
  BuildFiles files(out_path, format);
  ImageFile image = ImageFile::create(files.raw(), spec.disk_size_bytes);
  if (spec.table != PartitionTable::none) {
    write_partition_table(files.raw(), spec, geometry.partitions);
  }
  const LvmLayout layout = make_lvm(files.raw(), spec, geometry.pv);
  std::vector<ManifestLv> lvs = place_lvs(spec, geometry.pv, layout);
  write_contents(image, spec, geometry, lvs, files.scratch());
  image.sync_and_close();
  const Manifest manifest = measure(files.raw(), spec, geometry, std::move(lvs));
  if (format == ImageFormat::qcow2) {
    run_checked({"qemu-img", "convert", "-f", "raw", "-O", "qcow2", files.raw(), files.image_tmp()});
  }
  write_text_file(files.manifest_tmp(), format_manifest(manifest));
  files.commit();
}

}  // namespace harness
