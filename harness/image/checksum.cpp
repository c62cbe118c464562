#include "image/checksum.h"

#include <sys/stat.h>

#include <algorithm>

#include "common/error.h"
#include "common/process.h"
#include "common/sha256.h"
#include "image/lv_report.h"
#include "image/manifest.h"

namespace harness {

namespace {

std::vector<std::string> lvm_argv(const std::string& tool, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"env", "LVM_SUPPRESS_FD_WARNINGS=1", tool};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void require_vg(const std::string& vg) {
  const ProcessResult result = run_process(lvm_argv("vgs", {"-o", "vg_name", "--noheadings", vg}));
  if (result.exit_code == 0) return;
  if (result.err.find("not found") != std::string::npos) {
    Fail(kExitUsage) << "checksum: volume group '" << vg
                     << "' not found; name a VG that 'vgs' lists";
  }
  Fail() << "checksum: vgs " << vg << " failed (exit " << result.exit_code << "): " << result.err;
}

void activate_vg(const std::string& vg) {
  run_checked(lvm_argv("vgchange", {"-ay", vg}));
  run_checked(lvm_argv("vgmknodes", {vg}));
}

bool is_block_device(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

std::string lv_checksum_line(const std::string& vg, const LvEntry& lv) {
  const std::string path = lv.path.empty() ? "/dev/" + vg + "/" + lv.name : lv.path;
  if (!is_block_device(path)) {
    Fail() << path << ": not a block device; is " << vg << "/" << lv.name
           << " active? (run without --no-activate)";
  }
  const std::uint64_t size_bytes = file_or_device_size_bytes(path);
  if (size_bytes != lv.size_bytes) {
    Fail() << path << ": device has " << size_bytes << " bytes, LVM says " << lv.size_bytes;
  }
  return lv_line(vg, lv.name, sha256_file_range(path, 0, size_bytes), size_bytes);
}

}  // namespace

std::vector<std::string> checksum_vgs(const std::vector<std::string>& vgs, bool activate) {
  for (const std::string& vg : vgs) require_vg(vg);
  std::vector<std::string> lines;
  for (const std::string& vg : vgs) {
    if (activate) activate_vg(vg);
    const auto lvs = parse_lv_list(run_checked(lvm_argv(
        "lvs", {"--reportformat", "json", "--units", "b", "--nosuffix", "-o",
                "lv_name,lv_path,lv_size", vg})));
    for (const LvEntry& lv : lvs) lines.push_back(lv_checksum_line(vg, lv));
  }
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  return lines;
}

}  // namespace harness
