#include "image/image_view.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/fd.h"
#include "device/block_device.h"
#include "image/conversion_lock.h"
#include "base/block_io.h"
#include "image/image_lock.h"
#include "image/loop_backing.h"
#include "image/qcow2_convertible.h"
#include "image/nbd_export.h"
#include "base/sector.h"

namespace pv2luks {

namespace {

constexpr mode_t kAnyWriteBits = S_IWUSR | S_IWGRP | S_IWOTH;

struct stat stat_or_fail(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return st;
  if (errno == ENOENT) {
    Fail(RefuseReason::kWrongDevice)
        << path << ": no such file or device; name a disk image (raw or qcow2) or a "
        << "block device";
  }
  Fail() << path << ": stat failed: " << errno_text(errno);
}

// Root may write where the mode says no; an image without any write bit is
// still one its owner meant to keep as it is.
void check_file_writable(const std::string& path, const struct stat& st) {
  if ((st.st_mode & kAnyWriteBits) == 0) {
    Fail(RefuseReason::kNoPermission)
        << path << " is read-only: its mode " << std::oct << (st.st_mode & 07777)
        << " allows no writes; `chmod u+w " << path << "` if you mean to convert it";
  }
  Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd && (errno == EROFS || errno == EACCES || errno == EPERM || errno == ETXTBSY)) {
    Fail(RefuseReason::kNoPermission)
        << path << " is read-only: open for writing failed: " << errno_text(errno);
  }
  if (!fd) Fail() << path << ": open failed: " << errno_text(errno);
}

// The file's format, and its header when it is qcow2.
ImageFormat file_format(const std::string& path, std::uint64_t size_bytes, Qcow2Header* header) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) Fail() << path << ": open failed: " << errno_text(errno);
  const ReadAt read = fd_read_at(fd.get(), 0, path);
  const ImageFormat format = detect_file_format(read, size_bytes);
  if (format == ImageFormat::raw) {
    if (const std::string foreign = foreign_image_format(read, size_bytes); !foreign.empty()) {
      Fail() << path << " is a " << foreign << " image: pv2luks converts raw and qcow2 images "
             << "only; make a qcow2 image of it (`qemu-img convert -f " << foreign << " -O qcow2 "
             << path << " NEW.qcow2`), convert that, and boot the guest from it (or convert it "
             << "back with `qemu-img convert -O " << foreign << "`)";
    }
  }
  if (format == ImageFormat::qcow2) *header = read_qcow2_header(read, size_bytes, path);
  return format;
}

// A loop device over the image (whole, or a partition at an offset) shows
// it to the host, where it may be mounted or hold active LVs.
void refuse_loop_backing(const std::string& path, const struct stat& st) {
  const std::vector<std::string> loops = loop_devices_backed_by(st);
  if (loops.empty()) return;
  std::string names;
  std::string detach;
  for (const std::string& loop : loops) {
    names += (names.empty() ? "" : ", ") + loop;
    detach += (detach.empty() ? "" : "; ") + ("losetup -d " + loop);
  }
  Fail(RefuseReason::kBusy)
      << path << " is in use: loop device" << (loops.size() > 1 ? "s " : " ") << names
      << (loops.size() > 1 ? " are" : " is") << " backed by it, and what uses "
      << (loops.size() > 1 ? "them" : "it")
      << " (a mount, LVs activated from it) would see the conversion half done or write "
            "into it; unmount and deactivate what uses "
         << (loops.size() > 1 ? "them" : "it") << ", detach it (" << detach
         << ") and convert again";
}

}  // namespace

ImageView::ImageView(ImageView&&) noexcept = default;
ImageView& ImageView::operator=(ImageView&&) noexcept = default;

ImageView::~ImageView() {
  try {
    close();
  } catch (...) {
    // Nothing more to do in a destructor; close() reports to those who call it.
  }
}

void ImageView::close() {
  const std::unique_ptr<ConversionLock> last = std::move(conversion_lock_);
  std::unique_ptr<NbdExport> done = std::move(export_);
  source_.reset();
  lock_.reset();
  if (done) done->close();
}

ImageView open_image(const std::string& path, ImageUse use) {
  const bool writable = use == ImageUse::convert;
  const struct stat st = stat_or_fail(path);
  if (writable) refuse_loop_backing(path, st);
  ImageView view;
  view.image_path_ = path;
  view.source_ = file_block_source(path);
  view.writable_ = writable;
  if (S_ISBLK(st.st_mode)) {
    const BlockDevice device = inspect_block_device(path);
    if (writable && device.read_only) {
      Fail() << path << " is read-only: the kernel marks the device read-only; `blockdev "
             << "--setrw " << path << "` if you mean to convert it";
    }
    view.conversion_lock_ = std::make_unique<ConversionLock>(path, writable);
    view.lock_ = std::make_unique<ImageLock>(path, writable);
    view.format_ = ImageFormat::block;
    view.size_bytes_ = device.size_bytes;
    view.logical_sector_bytes_ = device.logical_sector_bytes;
    return view;
  }
  if (!S_ISREG(st.st_mode)) {
    Fail(RefuseReason::kWrongDevice)
        << path << ": neither a regular file nor a block device; name a disk image or a "
        << "block device";
  }
  if (writable) check_file_writable(path, st);
  view.conversion_lock_ = std::make_unique<ConversionLock>(path, writable);
  const auto file_size_bytes = static_cast<std::uint64_t>(st.st_size);
  Qcow2Header header;
  view.format_ = file_format(path, file_size_bytes, &header);
  view.logical_sector_bytes_ = kSectorBytes;
  if (view.format_ == ImageFormat::raw) {
    view.lock_ = std::make_unique<ImageLock>(path, writable);
    view.size_bytes_ = file_size_bytes;
    return view;
  }
  if (use != ImageUse::read) {
    // QEMU's reader locks meanwhile (qemu-img check shares them): no VM
    // writes to the image while it is checked.
    const ImageLock reading(path, false);
    view.notes_ = check_qcow2_convertible(path, header, file_size_bytes);
  }
  view.export_ = std::make_unique<NbdExport>(path, writable);
  view.source_ = view.export_->source();
  view.size_bytes_ = view.export_->size_bytes();
  if (view.size_bytes_ != header.size_bytes) {
    Fail() << path << ": the qcow2 export has " << view.size_bytes_ << " bytes, its header says "
           << header.size_bytes;
  }
  return view;
}

}  // namespace pv2luks
