// verify_offline: a converted image opened in userspace (no device-mapper):
// the LUKS header unlocked with libcryptsetup from a copy in memory, the data
// area decrypted with XtsCipher, the LVM metadata inside read from its own
// bytes, and every LV's sha256 computed. Writes nothing.
#include <algorithm>
#include <vector>

#include "base/sector.h"
#include "base/error.h"
#include "base/memory_file.h"
#include "crypto/xts.h"
#include "journal/journal_state.h"
#include "luks/header.h"
#include "luks/passphrase.h"
#include "lvm/lv_checksums.h"
#include "lvm/pv_metadata.h"
#include "offline/decrypting_reader.h"
#include "offline/locate_pv.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kFirstHeaderReadBytes = 16 * 1024 * 1024;  // LUKS2's default header

std::vector<std::uint8_t> read_bytes(const RangeFile& file, std::uint64_t size_bytes) {
  std::vector<std::uint8_t> bytes(std::min(size_bytes, file.range().size_bytes));
  file.reader()(0, bytes);
  return bytes;
}

// The LUKS header at the partition's front, whole: its data offset is read
// from a first copy, then as many bytes as it says.
std::vector<std::uint8_t> read_luks_header(const RangeFile& file, HeaderInfo& info) {
  std::vector<std::uint8_t> header = read_bytes(file, kFirstHeaderReadBytes);
  MemoryFile copy("pv2luks-verify-header");
  copy.write_all(header);
  info = read_header(copy.path());
  const std::uint64_t data_offset_bytes = info.data_offset_sectors * kSectorBytes;
  if (data_offset_bytes > header.size()) header = read_bytes(file, data_offset_bytes);
  if (data_offset_bytes == 0 || data_offset_bytes >= file.range().size_bytes) {
    Fail() << file.range().name() << ": the LUKS header's data offset " << data_offset_bytes
           << " is outside the partition";
  }
  header.resize(data_offset_bytes);
  return header;
}

}  // namespace

VerifyResult verify_offline(const VerifyOptions& options, const MessageFn& say) {
  VerifyResult result;
  try {
    const ImageView image = open_image(options.image, ImageUse::read);
    const PvLocation location = locate_pv(image, options.partition, has_luks_magic, "LUKS volume");
    const RangeFile file(location.range, false);
    HeaderInfo info;
    const std::vector<std::uint8_t> header = read_luks_header(file, info);
    const std::string cipher_spec = info.cipher + "-" + info.cipher_mode;
    if (const std::string problem = xts_support_problem(cipher_spec, info.key_size_bits / 8);
        !problem.empty()) {
      Fail() << problem;
    }
    say(options.image + ": " + location.name + ": LUKS, " + cipher_spec + ", data offset " +
        std::to_string(info.data_offset_sectors) + " sectors, UUID " + info.uuid);
    const SecureBuffer passphrase =
        read_passphrase(passphrase_source(options.key_file), PassphrasePurpose::kExisting,
                        "Enter the passphrase for " + options.image + ": ");
    const SecureBuffer volume_key = unlock_header(header, passphrase, options.image);
    XtsCipher cipher(volume_key.bytes(), info.sector_size_bytes, false);
    const std::uint64_t data_offset_bytes = info.data_offset_sectors * kSectorBytes;
    const std::uint64_t data_bytes = location.range.size_bytes - data_offset_bytes;
    const ReadAt plaintext = decrypting_reader(file, cipher, data_offset_bytes);
    const PvOnDisk pv = [&] {
      try {
        return read_pv(plaintext, data_bytes);
      } catch (const Error& e) {
        Fail() << "the LUKS volume opens, but what it holds is not a readable PV: " << e.what();
      }
    }();
    say("inside: the PV of VG " + pv.vg.name + " (" + std::to_string(pv.vg.lvs.size()) + " LVs)");
    for (const LvChecksum& lv : checksum_lvs(plaintext, pv)) {
      result.lv_lines.push_back(lv_checksum_line(lv));
    }
    result.status = ConvertStatus::kDone;
  } catch (const Error& e) {
    result.status = ConvertStatus::kRefused;
    result.reason = e.reason();
    result.message = e.what();
  }
  return result;
}

}  // namespace pv2luks
