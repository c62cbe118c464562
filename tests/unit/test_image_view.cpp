// image/image_view, conversion_lock, image_lock, block_io and fd_io on raw image files
// (no root, no qemu-storage-daemon: the qcow2 export and block devices are host tests,
// tests/host/test_image_view.py).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "base/error.h"
#include "error_of.h"
#include "base/fd.h"
#include "image/conversion_lock.h"
#include "base/block_io.h"
#include "image/image_lock.h"
#include "image/image_view.h"
#include "image/nbd_export.h"

namespace pv2luks {
namespace {

namespace fs = std::filesystem;

class RawImage : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pv2luks-unit-view-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    image_ = dir_ + "/disk.img";
    std::vector<char> bytes(kBytes);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
    std::ofstream(image_, std::ios::binary).write(bytes.data(), kBytes);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static constexpr std::size_t kBytes = 3 * 4096 + 512;
  std::string dir_;
  std::string image_;
};

TEST_F(RawImage, OpensARawFile) {
  ImageView view = open_image(image_, ImageUse::convert);
  EXPECT_EQ(view.source()->name(), image_);
  EXPECT_EQ(view.source()->file_path(), image_);
  EXPECT_EQ(view.image_path(), image_);
  EXPECT_EQ(view.format(), ImageFormat::raw);
  EXPECT_EQ(view.size_bytes(), kBytes);
  EXPECT_EQ(view.logical_sector_bytes(), 512u);
  EXPECT_TRUE(view.writable());
}

TEST_F(RawImage, MissingFileIsNamed) {
  const std::string missing = dir_ + "/no-such.img";
  EXPECT_EQ(error_of([&] { open_image(missing, ImageUse::read); }),
            missing + ": no such file or device; name a disk image (raw or qcow2) or a block device");
}

TEST_F(RawImage, DirectoryIsRefused) {
  EXPECT_NE(error_of([&] { open_image(dir_, ImageUse::read); }).find("neither a regular file nor a block"),
            std::string::npos);
}

TEST_F(RawImage, ReadOnlyFileOpenedWritableIsRefused) {
  fs::permissions(image_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const std::string error = error_of([&] { open_image(image_, ImageUse::convert); });
  EXPECT_EQ(error.rfind(image_ + " is read-only: its mode 444", 0), 0u) << error;
  EXPECT_EQ(open_image(image_, ImageUse::read).size_bytes(), kBytes);  // reading it is fine
  fs::permissions(image_, fs::perms::owner_write, fs::perm_options::add);
  EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::convert); }), "");
}

// OFD locks conflict between open file descriptions, also in one process. A
// second pv2luks is told it meets a pv2luks, not a QEMU (conversion_lock.h).
TEST_F(RawImage, WritableViewExcludesEveryOtherOpener) {
  const std::string converting = image_ + " is being converted by another pv2luks (convert or "
                                 "resume): wait for it to end, then see 'pv2luks status "
                                 "--offline " + image_ + "'";
  {
    ImageView first = open_image(image_, ImageUse::convert);
    EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::convert); }), converting);
    EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::read); }), converting);
  }
  EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::convert); }), "");  // released with the view
}

TEST_F(RawImage, ReadersShareButExcludeAWriter) {
  ImageView reader = open_image(image_, ImageUse::read);
  EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::read); }), "");
  EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::convert); }),
            image_ + " is being read by another pv2luks (status, verify or a dry run): wait for "
                     "it to end");
  reader.close();
  EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::convert); }), "");
}

// A classic POSIX lock on pv2luks's byte names its process.
TEST_F(RawImage, OtherProgramsLockOnOurByteIsNamed) {
  Fd other(::open(image_.c_str(), O_RDWR | O_CLOEXEC));
  struct flock range {};
  range.l_type = F_WRLCK;
  range.l_whence = SEEK_SET;
  range.l_start = static_cast<off_t>(kConversionLockByte);
  range.l_len = 1;
  ASSERT_EQ(::fcntl(other.get(), F_SETLK, &range), 0);
  EXPECT_NE(error_of([&] { open_image(image_, ImageUse::read); })
                .find(image_ + " is locked by another program (pid " + std::to_string(::getpid())),
            std::string::npos);
}

// A QEMU holding the image (a shared lock on byte 100, its "consistent read"
// permission) keeps a writable view off; a QEMU that does not share writing
// (byte 201) keeps even a reader off.
TEST_F(RawImage, QemuLockBytesAreHonoured) {
  Fd qemu(::open(image_.c_str(), O_RDONLY | O_CLOEXEC));
  struct flock range {};
  range.l_type = F_RDLCK;
  range.l_whence = SEEK_SET;
  range.l_start = 100;
  range.l_len = 1;
  ASSERT_EQ(::fcntl(qemu.get(), F_OFD_SETLK, &range), 0);
  EXPECT_NE(error_of([&] { open_image(image_, ImageUse::convert); }).find("QEMU holds its lock"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { open_image(image_, ImageUse::read); }), "");
  range.l_start = 101;  // QEMU's write permission
  ASSERT_EQ(::fcntl(qemu.get(), F_OFD_SETLK, &range), 0);
  EXPECT_NE(error_of([&] { open_image(image_, ImageUse::read); }).find("QEMU holds its lock"),
            std::string::npos);
}

// The other direction: while we hold the image, QEMU's own shared lock fails.
TEST_F(RawImage, HeldViewBlocksQemuLockBytes) {
  ImageView view = open_image(image_, ImageUse::convert);
  Fd qemu(::open(image_.c_str(), O_RDONLY | O_CLOEXEC));
  for (const off_t byte : {100, 101, 103, 200, 201, 203}) {
    struct flock range {};
    range.l_type = F_RDLCK;
    range.l_whence = SEEK_SET;
    range.l_start = byte;
    range.l_len = 1;
    EXPECT_NE(::fcntl(qemu.get(), F_OFD_SETLK, &range), 0) << "byte " << byte;
  }
}

TEST_F(RawImage, ReadAtUsesTheBaseOffset) {
  Fd fd(::open(image_.c_str(), O_RDWR | O_CLOEXEC));
  const ReadAt read = fd_read_at(fd.get(), 4096, image_);
  std::uint8_t got[3];
  read(1, got);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i], static_cast<std::uint8_t>((4097 + i) * 7 + 3));
  }
  const std::string error = [&] {
    try {
      std::uint8_t past[1024];
      read(kBytes - 4096 - 10, past);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_EQ(error, image_ + ": read of 1024 bytes at byte " + std::to_string(kBytes - 10) +
                       " failed: unexpected end of file after 10 bytes");
}

TEST_F(RawImage, WriteAtWritesWhereAsked) {
  Fd fd(::open(image_.c_str(), O_RDWR | O_CLOEXEC));
  const std::vector<std::uint8_t> data = {1, 2, 3, 4, 5};
  write_at(fd.get(), 1000, data, image_);
  std::vector<std::uint8_t> back(5);
  fd_read_at(fd.get(), 0, image_)(1000, back);
  EXPECT_EQ(back, data);
  Fd read_only(::open(image_.c_str(), O_RDONLY | O_CLOEXEC));
  const std::string error = error_of([&] { write_at(read_only.get(), 8, data, image_); });
  EXPECT_EQ(error.rfind(image_ + ": write of 5 bytes at byte 8 failed after 0 bytes: ", 0), 0u)
      << error;
}

}  // namespace
}  // namespace pv2luks

namespace pv2luks {
namespace {

// QEMU's option syntax: a comma ends a value unless doubled.
TEST(NbdExport, CommandLineDoublesCommasInPaths) {
  EXPECT_EQ(nbd_export_argv("/img/a,b.qcow2", 3, true),
            (std::vector<std::string>{
                "qemu-storage-daemon", "--blockdev",
                "driver=file,node-name=file,filename=/img/a,,b.qcow2,read-only=off,"
                "cache.direct=off,cache.no-flush=off,discard=unmap",
                "--blockdev",
                "driver=qcow2,node-name=qcow2,file=file,read-only=off,cache.direct=off,"
                "cache.no-flush=off,discard=unmap",
                "--nbd-server", "addr.type=fd,addr.str=3,max-connections=2", "--export",
                "type=nbd,id=exp,node-name=qcow2,name=disk,writable=on"}));
  const auto read_only = nbd_export_argv("/img/a.qcow2", 5, false);
  EXPECT_EQ(read_only[2], "driver=file,node-name=file,filename=/img/a.qcow2,read-only=on,"
                          "cache.direct=off,cache.no-flush=off");
  EXPECT_EQ(read_only[6], "addr.type=fd,addr.str=5,max-connections=2");
  EXPECT_EQ(read_only[8], "type=nbd,id=exp,node-name=qcow2,name=disk,writable=off");
}

TEST_F(RawImage, FileBlockIoReadsWritesAndNamesTheFile) {
  const auto source = file_block_source(image_);
  const auto io = source->open({.writable = true, .sync = true, .purpose = "the test"});
  const std::vector<std::uint8_t> data = {9, 8, 7};
  io->write(4097, data);
  io->flush();
  std::vector<std::uint8_t> back(3);
  source->open({})->read(4097, back);
  EXPECT_EQ(back, data);
  std::vector<std::uint8_t> past(20);
  EXPECT_EQ(error_of([&] { io->read(kBytes - 10, past); }),
            image_ + ": read of 20 bytes at byte " + std::to_string(kBytes - 10) +
                " failed: unexpected end of file after 10 bytes");
  EXPECT_EQ(error_of([&] { source->open({.writable = true, .purpose = "the test"}); }), "")
      << "a writable open of a writable file";
  const auto read_only = source->open({});
  EXPECT_EQ(error_of([&] { read_only->write(8, data); })
                .rfind(image_ + ": write of 3 bytes at byte 8 failed after 0 bytes: ", 0),
            0u);
}

}  // namespace
}  // namespace pv2luks
