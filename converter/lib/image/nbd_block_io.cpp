#include "image/nbd_block_io.h"

#include <libnbd.h>

#include <algorithm>

#include "base/error.h"

namespace pv2luks {

namespace {

// Requests are split below the largest an NBD server must take (QEMU's is
// 32 MiB; libnbd refuses more than 64 MiB).
constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;

std::string nbd_error() {
  const char* text = nbd_get_error();
  return text != nullptr ? text : "unknown libnbd error";
}

class NbdBlockIo final : public BlockIo {
 public:
  NbdBlockIo(std::shared_ptr<NbdConnection> reader, std::shared_ptr<NbdConnection> writer,
             const BlockIoMode& mode)
      : reader_(std::move(reader)),
        writer_(std::move(writer)),
        writable_(mode.writable),
        sync_(mode.sync) {}
  void read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const override {
    reader_->read(offset_bytes, out);
  }
  void write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data) override {
    if (!writable_) Fail() << name() << ": write refused: opened read-only";
    writer_->write(offset_bytes, data, sync_);
  }
  void flush() override { writer_->flush(); }
  const std::string& name() const override { return writer_->name(); }

 private:
  std::shared_ptr<NbdConnection> reader_;
  std::shared_ptr<NbdConnection> writer_;
  bool writable_;
  bool sync_;
};

class NbdSource final : public BlockSource {
 public:
  NbdSource(std::shared_ptr<NbdConnection> reader, std::shared_ptr<NbdConnection> writer)
      : reader_(std::move(reader)), writer_(std::move(writer)) {}
  std::shared_ptr<BlockIo> open(const BlockIoMode& mode) const override {
    return std::make_shared<NbdBlockIo>(reader_, writer_, mode);
  }
  const std::string& name() const override { return writer_->name(); }
  const std::string& file_path() const override { return none_; }

 private:
  std::shared_ptr<NbdConnection> reader_;
  std::shared_ptr<NbdConnection> writer_;
  std::string none_;
};

}  // namespace

NbdConnection::NbdConnection(nbd_handle* handle, std::string name)
    : handle_(handle), name_(std::move(name)) {
  can_fua_ = nbd_can_fua(handle_) == 1;
}

NbdConnection::~NbdConnection() { nbd_close(handle_); }

void NbdConnection::read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const {
  for (std::size_t done = 0; done < out.size();) {
    const std::size_t piece = std::min(out.size() - done, kMaxRequestBytes);
    if (nbd_pread(handle_, out.data() + done, piece, offset_bytes + done, 0) != 0) {
      Fail() << name_ << ": read of " << out.size() << " bytes at byte " << offset_bytes
             << " through the NBD export failed: " << nbd_error();
    }
    done += piece;
  }
}

void NbdConnection::write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data,
                          bool durable) {
  const std::uint32_t flags = durable && can_fua_ ? LIBNBD_CMD_FLAG_FUA : 0;
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t piece = std::min(data.size() - done, kMaxRequestBytes);
    if (nbd_pwrite(handle_, data.data() + done, piece, offset_bytes + done, flags) != 0) {
      Fail() << name_ << ": write of " << data.size() << " bytes at byte " << offset_bytes
             << " through the NBD export failed after " << done << " bytes: " << nbd_error();
    }
    done += piece;
  }
  if (durable && !can_fua_) flush();
}

void NbdConnection::flush() {
  if (nbd_flush(handle_, 0) != 0) {
    Fail() << name_ << ": flush through the NBD export failed: " << nbd_error();
  }
}

std::uint64_t NbdConnection::size_bytes() const {
  const std::int64_t size = nbd_get_size(handle_);
  if (size < 0) Fail() << name_ << ": the NBD export's size is unknown: " << nbd_error();
  return static_cast<std::uint64_t>(size);
}

void NbdConnection::shutdown() { nbd_shutdown(handle_, 0); }

std::shared_ptr<const BlockSource> nbd_block_source(std::shared_ptr<NbdConnection> reader,
                                                    std::shared_ptr<NbdConnection> writer) {
  return std::make_shared<NbdSource>(std::move(reader), std::move(writer));
}

}  // namespace pv2luks
