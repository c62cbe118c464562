#include "image/qcow2_convertible.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"
#include "base/shell_quote.h"
#include "base/block_io.h"
#include "image/qcow2_compressed.h"
#include "image/qcow2_snapshots.h"
#include "image/qemu_img_check.h"

namespace pv2luks {

namespace {

constexpr std::size_t kSnapshotsListed = 8;

std::string counted(std::uint64_t count, const std::string& thing) {
  return std::to_string(count) + " " + thing + (count == 1 ? "" : "s");
}

std::string copy_command(const std::string& path) {
  return "`qemu-img convert -O qcow2 " + shell_word(path) + " NEW`";
}

void refuse_snapshots(const std::vector<Qcow2Snapshot>& snapshots, const std::string& path) {
  if (snapshots.empty()) return;
  std::ostringstream names;
  std::ostringstream deletes;
  for (std::size_t i = 0; i < snapshots.size() && i < kSnapshotsListed; ++i) {
    names << (i ? ", " : "") << '"' << snapshots[i].name << '"';
    deletes << (i ? "; " : "") << "`qemu-img snapshot -d " << shell_word(snapshots[i].name) << " "
            << shell_word(path) << "`";
  }
  if (snapshots.size() > kSnapshotsListed) {
    names << " and " << snapshots.size() - kSnapshotsListed << " more (`qemu-img snapshot -l "
          << shell_word(path) << "` lists them)";
  }
  Fail() << path << " has " << counted(snapshots.size(), "internal snapshot") << " ("
         << names.str() << "): each keeps the disk as it was, and the conversion encrypts only "
         << "the current disk, so their plaintext would stay in the image (`qemu-img snapshot "
         << "-a` brings it back). Delete them first: " << deletes.str() << ". A deleted "
         << "snapshot's clusters keep their bytes in the file until QEMU reuses them; to leave "
         << "none behind, convert a copy made without the snapshots instead: "
         << copy_command(path);
}

// Refusals for what `qemu-img check` found; the leak note otherwise.
std::vector<std::string> judge_check(const QemuImgCheck& check, const std::string& path) {
  if (!check.complete) {
    Fail() << path << " could not be checked: `qemu-img check` did not complete"
           << (check.messages.empty() ? "" : " (" + check.messages + ")")
           << "; pv2luks converts a qcow2 image only once QEMU's own check finds it sound";
  }
  if (check.corruptions != 0 || check.check_errors != 0) {
    std::ostringstream why;
    why << path << " is damaged: `qemu-img check` finds " << counted(check.corruptions, "corruption");
    if (check.check_errors != 0) why << " and " << counted(check.check_errors, "check error");
    if (!check.first_error.empty()) why << " (the first: " << check.first_error << ")";
    if (check.past_end_of_file) {
      why << "; its tables point past the end of the file: it was cut short (an interrupted "
          << "copy, a full disk?)";
    }
    Fail() << why.str() << ". Converting it would write the damaged or missing clusters back "
           << "as ordinary encrypted data, and `qemu-img check` would find nothing wrong "
           << "afterwards: the damage would be hidden. Find a complete copy of the image, or "
           << "repair a copy (`qemu-img check -r all COPY`), check the guest's file systems in "
           << "it, and convert that";
  }
  if (check.leaks == 0) return {};
  return {path + ": `qemu-img check` finds " + counted(check.leaks, "leaked cluster") +
          ": space the image holds but no longer uses. That is harmless to the conversion (the "
          "disk's data is not in them), but they may hold old data of the guest, which is not "
          "encrypted; " + copy_command(path) + " makes a copy without them"};
}

void refuse_compressed(const CompressedClusters& found, const std::string& path) {
  if (found.count == 0) return;
  Fail() << path << " has " << counted(found.count, "compressed cluster")
         << " (the first at byte " << found.first_guest_offset_bytes << " of the disk): QEMU "
         << "writes a rewritten compressed cluster elsewhere in the file and does not erase the "
         << "old one, so its plaintext would stay in the file, compressed. Convert an "
         << "uncompressed copy instead: " << copy_command(path)
         << ", then convert NEW and use it in place of " << path;
}

}  // namespace

std::vector<std::string> check_qcow2_convertible(const std::string& path,
                                                 const Qcow2Header& header,
                                                 std::uint64_t file_size_bytes) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) Fail() << path << ": open failed: " << errno_text(errno);
  const ReadAt read = fd_read_at(fd.get(), 0, path);
  refuse_snapshots(read_qcow2_snapshots(read, header, file_size_bytes, path), path);
  std::vector<std::string> notes = judge_check(run_qemu_img_check(path), path);
  refuse_compressed(find_compressed_clusters(read, header, file_size_bytes, path), path);
  return notes;
}

}  // namespace pv2luks
