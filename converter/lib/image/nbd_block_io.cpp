#include "image/nbd_block_io.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "image/nbd_extents.h"
#include "image/nbd_library.h"

namespace pv2luks {

namespace {

// Requests are split below the largest an NBD server must take (QEMU's is
// 32 MiB; libnbd refuses more than 64 MiB).
constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;
// A block status request asks about this much at most (NBD lengths are 32-bit).
constexpr std::uint64_t kMaxStatusBytes = 1ULL << 30;

// Where libnbd hands over a block status reply: base:allocation's words
// go to add_allocated_extents (nbd_extents.h).
struct StatusCollector {
  std::vector<ByteExtent>* allocated;
  std::uint64_t end_bytes;    // of the range asked about
  std::uint64_t reached = 0;  // how far the replies have described
};

int collect_extents(void* user_data, const char* context, std::uint64_t offset,
                    std::uint32_t* entries, std::size_t count, int* /*error*/) {
  if (std::strcmp(context, LIBNBD_CONTEXT_BASE_ALLOCATION) != 0) return 0;
  auto& collector = *static_cast<StatusCollector*>(user_data);
  collector.reached = std::max(
      collector.reached, add_allocated_extents(*collector.allocated, offset,
                                               std::span(entries, count), collector.end_bytes));
  return 0;
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
  std::optional<std::vector<ByteExtent>> allocated(const ByteExtent& range) const override {
    return reader_->allocated(range);
  }
  void zero(const ByteExtent& range) override {
    if (!writable_) Fail() << name() << ": write refused: opened read-only";
    writer_->zero(range, sync_);
  }

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
    : nbd_(nbd_library(name)), handle_(handle), name_(std::move(name)) {
  can_fua_ = nbd_.can_fua(handle_) == 1;
  can_zero_ = nbd_.can_zero(handle_) == 1;
  can_block_status_ = nbd_.can_meta_context(handle_, LIBNBD_CONTEXT_BASE_ALLOCATION) == 1;
}

NbdConnection::~NbdConnection() { nbd_.close(handle_); }

void NbdConnection::read(std::uint64_t offset_bytes, std::span<std::uint8_t> out) const {
  for (std::size_t done = 0; done < out.size();) {
    const std::size_t piece = std::min(out.size() - done, kMaxRequestBytes);
    if (nbd_.pread(handle_, out.data() + done, piece, offset_bytes + done, 0) != 0) {
      Fail() << name_ << ": read of " << out.size() << " bytes at byte " << offset_bytes
             << " through the NBD export failed: " << nbd_.error_text();
    }
    done += piece;
  }
}

void NbdConnection::write(std::uint64_t offset_bytes, std::span<const std::uint8_t> data,
                          bool durable) {
  const std::uint32_t flags = durable && can_fua_ ? LIBNBD_CMD_FLAG_FUA : 0;
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t piece = std::min(data.size() - done, kMaxRequestBytes);
    if (nbd_.pwrite(handle_, data.data() + done, piece, offset_bytes + done, flags) != 0) {
      Fail() << name_ << ": write of " << data.size() << " bytes at byte " << offset_bytes
             << " through the NBD export failed after " << done << " bytes: " << nbd_.error_text();
    }
    done += piece;
  }
  if (durable && !can_fua_) flush();
}

void NbdConnection::flush() {
  if (nbd_.flush(handle_, 0) != 0) {
    Fail() << name_ << ": flush through the NBD export failed: " << nbd_.error_text();
  }
}

std::optional<std::vector<ByteExtent>> NbdConnection::allocated(const ByteExtent& range) const {
  if (!can_block_status_) return std::nullopt;
  std::vector<ByteExtent> out;
  StatusCollector collector{&out, range.end_bytes(), range.offset_bytes};
  while (collector.reached < range.end_bytes()) {
    const std::uint64_t from = collector.reached;
    const std::uint64_t count = std::min(range.end_bytes() - from, kMaxStatusBytes);
    if (nbd_.block_status(handle_, count, from, nbd_extent_callback{collect_extents, &collector, nullptr},
                         0) != 0) {
      Fail() << name_ << ": block status of " << count << " bytes at byte " << from
             << " through the NBD export failed: " << nbd_.error_text();
    }
    if (collector.reached <= from) {
      Fail() << name_ << ": the NBD export's block status at byte " << from << " described nothing";
    }
  }
  return out;
}

void NbdConnection::zero(const ByteExtent& range, bool durable) {
  if (!can_zero_) {
    const std::vector<std::uint8_t> zeros(std::min<std::uint64_t>(range.length_bytes, kMaxRequestBytes));
    for (std::uint64_t at = range.offset_bytes; at < range.end_bytes();) {
      const std::size_t size = std::min<std::uint64_t>(zeros.size(), range.end_bytes() - at);
      write(at, std::span(zeros).first(size), false);
      at += size;
    }
    if (durable) flush();
    return;
  }
  const std::uint32_t flags = durable && can_fua_ ? LIBNBD_CMD_FLAG_FUA : 0;
  for (std::uint64_t at = range.offset_bytes; at < range.end_bytes();) {
    const std::uint64_t size = std::min<std::uint64_t>(range.end_bytes() - at, kMaxRequestBytes);
    if (nbd_.zero(handle_, size, at, flags) != 0) {
      Fail() << name_ << ": zeroing " << range.length_bytes << " bytes at byte "
             << range.offset_bytes << " through the NBD export failed: " << nbd_.error_text();
    }
    at += size;
  }
  if (durable && !can_fua_) flush();
}

std::uint64_t NbdConnection::size_bytes() const {
  const std::int64_t size = nbd_.get_size(handle_);
  if (size < 0) Fail() << name_ << ": the NBD export's size is unknown: " << nbd_.error_text();
  return static_cast<std::uint64_t>(size);
}

void NbdConnection::shutdown() { nbd_.shutdown(handle_, 0); }

std::shared_ptr<const BlockSource> nbd_block_source(std::shared_ptr<NbdConnection> reader,
                                                    std::shared_ptr<NbdConnection> writer) {
  return std::make_shared<NbdSource>(std::move(reader), std::move(writer));
}

}  // namespace pv2luks
