#include "luks/header.h"

#include <fcntl.h>
#include <libcryptsetup.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <sstream>

#include "luks/crypt_device.h"
#include "base/durable.h"
#include "base/errno_text.h"
#include "base/memory_file.h"
#include "base/round.h"
#include "base/size_text.h"

namespace pv2luks {
namespace {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * 1024;
// Smaller LUKS2 headers tried in turn when the default does not fit; below
// the last, the largest 4 KiB multiple that fits.
constexpr std::array<std::uint64_t, 4> kLuks2SmallerHeaderBytes = {8 * kMiB, 4 * kMiB, 2 * kMiB,
                                                                   1 * kMiB};
constexpr std::array<std::uint64_t, 9> kLuks2MetadataSizesBytes = {
    16 * kKiB,  32 * kKiB, 64 * kKiB, 128 * kKiB, 256 * kKiB,
    512 * kKiB, 1 * kMiB,  2 * kMiB,  4 * kMiB};

bool valid_key_size(std::uint32_t key_size_bits) {
  return key_size_bits != 0 && key_size_bits % 8 == 0;
}

bool valid_luks2_sector_size(std::uint32_t sector_size_bytes) {
  return sector_size_bytes >= 512 && sector_size_bytes <= 4096 &&
         (sector_size_bytes & (sector_size_bytes - 1)) == 0;
}

std::uint32_t luks2_keyslot_count(std::uint64_t keyslots_size_bytes, std::uint32_t key_size_bits) {
  const std::uint64_t count = keyslots_size_bytes / keyslot_area_bytes(key_size_bits);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(count, kLuks2MaxKeyslots));
}

HeaderChoice no_fit(HeaderChoice choice, std::string why) {
  choice.fits = false;
  choice.summary = std::move(why);
  return choice;
}

HeaderChoice choose_luks1(HeaderChoice choice, std::uint64_t tail_room_bytes) {
  const std::uint32_t key_bits = choice.spec.key_size_bits;
  const std::uint64_t min_bytes = min_header_bytes(LuksType::kLuks1, key_bits);
  const std::uint64_t aligned_bytes = round_up(min_bytes, kLuksDataAlignmentBytes);
  std::ostringstream summary;
  if (tail_room_bytes >= aligned_bytes) {
    choice.spec.data_offset_sectors = aligned_bytes / kSectorBytes;
    summary << "LUKS1, cryptsetup's default " << size_text(aligned_bytes) << " header (data offset "
            << choice.spec.data_offset_sectors << " sectors: the " << min_bytes / kSectorBytes
            << "-sector minimum for a " << key_bits << "-bit key rounded up to 1 MiB), "
            << kLuks1Keyslots << " keyslots";
  } else if (tail_room_bytes >= min_bytes) {
    choice.spec.data_offset_sectors = min_bytes / kSectorBytes;
    summary << "LUKS1, the minimal header for a " << key_bits << "-bit key (data offset "
            << choice.spec.data_offset_sectors << " sectors, " << min_bytes
            << " bytes, not aligned to 1 MiB: the tail room is only " << tail_room_bytes
            << " bytes), " << kLuks1Keyslots << " keyslots";
  } else {
    summary << "no LUKS1 header fits in " << tail_room_bytes << " bytes of tail room: a "
            << key_bits << "-bit key needs " << min_bytes << " bytes ("
            << min_bytes / kSectorBytes << " sectors), " << min_bytes - tail_room_bytes
            << " bytes more";
    return no_fit(std::move(choice), summary.str());
  }
  choice.fits = true;
  choice.keyslots = kLuks1Keyslots;
  choice.summary = summary.str();
  return choice;
}

HeaderChoice choose_luks2(HeaderChoice choice, std::uint64_t tail_room_bytes) {
  const std::uint32_t key_bits = choice.spec.key_size_bits;
  const std::uint64_t min_bytes = min_header_bytes(LuksType::kLuks2, key_bits);
  std::uint64_t header_bytes = 0;
  if (tail_room_bytes >= kLuks2DefaultHeaderBytes) {
    header_bytes = kLuks2DefaultHeaderBytes;
  } else {
    for (const std::uint64_t candidate : kLuks2SmallerHeaderBytes) {
      if (tail_room_bytes >= candidate && candidate >= min_bytes) {
        header_bytes = candidate;
        break;
      }
    }
    if (header_bytes == 0) {
      header_bytes = round_down(tail_room_bytes, kLuksKeyslotAlignmentBytes);
    }
  }
  if (header_bytes < min_bytes) {
    std::ostringstream why;
    why << "no LUKS2 header fits in " << tail_room_bytes
        << " bytes of tail room: the smallest (16 KiB metadata twice and one "
        << keyslot_area_bytes(key_bits) << "-byte keyslot area for a " << key_bits
        << "-bit key) needs " << min_bytes << " bytes (" << min_bytes / kSectorBytes
        << " sectors), " << min_bytes - tail_room_bytes << " bytes more";
    return no_fit(std::move(choice), why.str());
  }
  HeaderSpec& spec = choice.spec;
  spec.data_offset_sectors = header_bytes / kSectorBytes;
  spec.luks2_metadata_size_bytes = kLuks2MinMetadataBytes;
  spec.luks2_keyslots_size_bytes =
      std::min(header_bytes - 2 * kLuks2MinMetadataBytes, kLuks2MaxKeyslotsAreaBytes);
  choice.fits = true;
  choice.keyslots = luks2_keyslot_count(spec.luks2_keyslots_size_bytes, key_bits);

  std::ostringstream summary;
  if (header_bytes == kLuks2DefaultHeaderBytes) {
    summary << "LUKS2, the default 16 MiB header";
  } else {
    summary << "LUKS2, a smaller " << size_text(header_bytes) << " header (the tail room is only "
            << tail_room_bytes << " bytes, less than the default 16 MiB)";
  }
  summary << ": data offset " << spec.data_offset_sectors
          << " sectors, 16 KiB metadata (two copies), " << spec.luks2_keyslots_size_bytes
          << "-byte keyslots area, room for " << choice.keyslots
          << (choice.keyslots == 1 ? " keyslot" : " keyslots") << " of " << key_bits << "-bit keys";
  choice.summary = summary.str();
  return choice;
}

std::string luks1_problem(const HeaderSpec& spec) {
  std::ostringstream why;
  if (spec.sector_size_bytes != 512) {
    why << "LUKS1 encrypts 512-byte sectors only, not " << spec.sector_size_bytes;
  } else if (!spec.pbkdf.empty() && spec.pbkdf != CRYPT_KDF_PBKDF2) {
    why << "LUKS1 keyslots use pbkdf2 only, not " << spec.pbkdf;
  } else if (!spec.label.empty()) {
    why << "LUKS1 headers have no label";
  } else if (spec.luks2_metadata_size_bytes != 0 || spec.luks2_keyslots_size_bytes != 0) {
    why << "LUKS2 area sizes given for a LUKS1 header";
  } else if (header_size_bytes(spec) < min_header_bytes(LuksType::kLuks1, spec.key_size_bits)) {
    why << "data offset " << spec.data_offset_sectors << " sectors is inside the LUKS1 keyslots: a "
        << spec.key_size_bits << "-bit key needs at least "
        << min_header_bytes(LuksType::kLuks1, spec.key_size_bits) / kSectorBytes;
  }
  return why.str();
}

std::string luks2_problem(const HeaderSpec& spec) {
  std::ostringstream why;
  const std::uint64_t header_bytes = header_size_bytes(spec);
  const std::uint64_t metadata_bytes =
      spec.luks2_metadata_size_bytes != 0 ? spec.luks2_metadata_size_bytes : kLuks2MinMetadataBytes;
  const bool metadata_known =
      std::find(kLuks2MetadataSizesBytes.begin(), kLuks2MetadataSizesBytes.end(), metadata_bytes) !=
      kLuks2MetadataSizesBytes.end();
  if (!valid_luks2_sector_size(spec.sector_size_bytes)) {
    why << "encryption sector size " << spec.sector_size_bytes
        << " is not a power of two from 512 to 4096";
  } else if (header_bytes % spec.sector_size_bytes != 0) {
    why << "data offset " << header_bytes << " bytes is not a multiple of the "
        << spec.sector_size_bytes << "-byte encryption sector";
  } else if (!metadata_known) {
    why << "LUKS2 metadata size " << metadata_bytes
        << " is not one of 16 KiB, 32 KiB, ... 4 MiB (powers of two)";
  } else if (spec.luks2_keyslots_size_bytes % kLuksKeyslotAlignmentBytes != 0 ||
             spec.luks2_keyslots_size_bytes > kLuks2MaxKeyslotsAreaBytes) {
    why << "LUKS2 keyslots area " << spec.luks2_keyslots_size_bytes
        << " bytes is not a multiple of 4096 up to 128 MiB";
  } else if (header_bytes < 2 * metadata_bytes) {
    why << "data offset " << header_bytes << " bytes is inside the two " << metadata_bytes
        << "-byte LUKS2 metadata copies";
  } else {
    const std::uint64_t keyslots_bytes =
        spec.luks2_keyslots_size_bytes != 0
            ? spec.luks2_keyslots_size_bytes
            : std::min(round_down(header_bytes - 2 * metadata_bytes, kLuksKeyslotAlignmentBytes),
                       kLuks2MaxKeyslotsAreaBytes);
    if (2 * metadata_bytes + keyslots_bytes > header_bytes) {
      why << "LUKS2 metadata (2 x " << metadata_bytes << " bytes) and keyslots area ("
          << keyslots_bytes << " bytes) do not fit before the data offset (" << header_bytes
          << " bytes)";
    } else if (keyslots_bytes < keyslot_area_bytes(spec.key_size_bits)) {
      why << "LUKS2 keyslots area " << keyslots_bytes << " bytes is smaller than the "
          << keyslot_area_bytes(spec.key_size_bits) << " bytes one keyslot of a "
          << spec.key_size_bits << "-bit key needs";
    }
  }
  return why.str();
}

// Makes `path` ready to take a header of `header_bytes`. True when created.
bool prepare_target(const std::string& path, std::uint64_t header_bytes) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) Fail() << path << ": stat failed: " << errno_text(errno);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) Fail() << path << ": create failed: " << errno_text(errno);
    const int result = ftruncate(fd, static_cast<off_t>(header_bytes));
    const int error_number = errno;
    close(fd);
    if (result != 0) Fail() << path << ": ftruncate failed: " << errno_text(error_number);
    return true;
  }
  if (S_ISREG(st.st_mode)) {
    if (static_cast<std::uint64_t>(st.st_size) > header_bytes) {
      Fail() << path << ": is " << st.st_size << " bytes, more than the " << header_bytes
             << "-byte header; refusing to format a file that may hold data";
    }
    if (truncate(path.c_str(), static_cast<off_t>(header_bytes)) != 0) {
      Fail() << path << ": truncate failed: " << errno_text(errno);
    }
    return false;
  }
  if (S_ISBLK(st.st_mode)) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) Fail() << path << ": open failed: " << errno_text(errno);
    std::uint64_t size_bytes = 0;
    const int result = ioctl(fd, BLKGETSIZE64, &size_bytes);
    const int error_number = errno;
    close(fd);
    if (result != 0) Fail() << path << ": BLKGETSIZE64 failed: " << errno_text(error_number);
    if (size_bytes < header_bytes) {
      Fail() << path << ": is " << size_bytes << " bytes, smaller than the " << header_bytes
             << "-byte header";
    }
    return false;
  }
  Fail() << path << ": is neither a regular file nor a block device";
}

// The PBKDF for keyslot 0, as cryptsetup's set_pbkdf_params() builds it.
crypt_pbkdf_type pbkdf_for(const HeaderSpec& spec) {
  const crypt_pbkdf_type* defaults = crypt_get_pbkdf_default(luks_type_name(spec.type).data());
  crypt_pbkdf_type pbkdf{};
  pbkdf.type = spec.pbkdf.empty() ? defaults->type : spec.pbkdf.c_str();
  pbkdf.hash = spec.hash.empty() ? defaults->hash : spec.hash.c_str();
  pbkdf.time_ms = spec.iter_time_ms != 0 ? spec.iter_time_ms : defaults->time_ms;
  if (std::string_view(pbkdf.type) != CRYPT_KDF_PBKDF2) {
    pbkdf.max_memory_kb =
        spec.pbkdf_memory_kib != 0 ? spec.pbkdf_memory_kib : defaults->max_memory_kb;
    pbkdf.parallel_threads =
        spec.pbkdf_parallel_threads != 0 ? spec.pbkdf_parallel_threads : defaults->parallel_threads;
  }
  if (spec.pbkdf_force_iterations != 0) {
    pbkdf.iterations = spec.pbkdf_force_iterations;
    pbkdf.time_ms = 0;
    pbkdf.flags |= CRYPT_PBKDF_NO_BENCHMARK;
  }
  return pbkdf;
}

int format(CryptDevice& cd, const HeaderSpec& spec, const SecureBuffer& volume_key) {
  const char* uuid = spec.uuid.empty() ? nullptr : spec.uuid.c_str();
  if (spec.type == LuksType::kLuks1) {
    crypt_params_luks1 params{};
    params.hash = spec.hash.empty() ? nullptr : spec.hash.c_str();
    return crypt_format(cd.get(), CRYPT_LUKS1, spec.cipher.c_str(), spec.cipher_mode.c_str(), uuid,
                        volume_key.chars(), volume_key.size_bytes(), &params);
  }
  crypt_params_luks2 params{};
  params.sector_size = spec.sector_size_bytes;
  params.label = spec.label.empty() ? nullptr : spec.label.c_str();
  return crypt_format(cd.get(), CRYPT_LUKS2, spec.cipher.c_str(), spec.cipher_mode.c_str(), uuid,
                      volume_key.chars(), volume_key.size_bytes(), &params);
}

LuksType type_of(CryptDevice& cd) {
  const char* type = crypt_get_type(cd.get());
  if (type != nullptr && std::string_view(type) == CRYPT_LUKS1) return LuksType::kLuks1;
  if (type != nullptr && std::string_view(type) == CRYPT_LUKS2) return LuksType::kLuks2;
  Fail(RefuseReason::kWrongDevice)
      << cd.path() << ": not a LUKS header (type " << (type != nullptr ? type : "none") << ")";
}

}  // namespace

std::string_view luks_type_name(LuksType type) {
  return type == LuksType::kLuks1 ? CRYPT_LUKS1 : CRYPT_LUKS2;
}

std::uint64_t keyslot_area_bytes(std::uint32_t key_size_bits) {
  return round_up(std::uint64_t{key_size_bits} / 8 * kLuksAfStripes, kLuksKeyslotAlignmentBytes);
}

std::uint64_t min_header_bytes(LuksType type, std::uint32_t key_size_bits) {
  if (type == LuksType::kLuks1) {
    return kLuks1BinaryHeaderBytes + kLuks1Keyslots * keyslot_area_bytes(key_size_bits);
  }
  return 2 * kLuks2MinMetadataBytes + keyslot_area_bytes(key_size_bits);
}

HeaderChoice choose_header(LuksType type, std::uint64_t tail_room_bytes,
                           std::uint32_t key_size_bits, std::uint32_t sector_size_bytes) {
  HeaderChoice choice;
  choice.spec.type = type;
  choice.spec.key_size_bits = key_size_bits;
  choice.spec.sector_size_bytes = sector_size_bytes;
  std::ostringstream why;
  if (!valid_key_size(key_size_bits)) {
    why << "invalid key size " << key_size_bits << " bits (a positive multiple of 8)";
    return no_fit(std::move(choice), why.str());
  }
  if (type == LuksType::kLuks1) {
    if (sector_size_bytes != 512) {
      why << "LUKS1 encrypts 512-byte sectors only, not " << sector_size_bytes;
      return no_fit(std::move(choice), why.str());
    }
    return choose_luks1(std::move(choice), tail_room_bytes);
  }
  if (!valid_luks2_sector_size(sector_size_bytes)) {
    why << "encryption sector size " << sector_size_bytes
        << " is not a power of two from 512 to 4096";
    return no_fit(std::move(choice), why.str());
  }
  return choose_luks2(std::move(choice), tail_room_bytes);
}

std::string header_spec_problem(const HeaderSpec& spec, std::size_t volume_key_bytes,
                                std::uint64_t device_size_bytes) {
  std::ostringstream why;
  const std::uint64_t header_bytes = header_size_bytes(spec);
  if (!valid_key_size(spec.key_size_bits)) {
    why << "invalid key size " << spec.key_size_bits << " bits";
  } else if (std::uint64_t{volume_key_bytes} * 8 != spec.key_size_bits) {
    why << "the volume key has " << volume_key_bytes * 8 << " bits, the header wants "
        << spec.key_size_bits;
  } else if (spec.cipher.empty() || spec.cipher_mode.empty()) {
    why << "no cipher or cipher mode";
  } else if (spec.data_offset_sectors == 0 || spec.data_offset_sectors % 8 != 0) {
    why << "data offset " << spec.data_offset_sectors
        << " sectors is not a positive multiple of 8 sectors (4 KiB)";
  } else if (device_size_bytes <= header_bytes) {
    why << "the device (" << device_size_bytes << " bytes) has no room for data behind the "
        << header_bytes << "-byte header";
  } else if ((device_size_bytes - header_bytes) % spec.sector_size_bytes != 0) {
    why << "the data area (" << device_size_bytes - header_bytes
        << " bytes) is not a whole number of " << spec.sector_size_bytes
        << "-byte encryption sectors";
  } else {
    return spec.type == LuksType::kLuks1 ? luks1_problem(spec) : luks2_problem(spec);
  }
  return why.str();
}

namespace {

// What a copy of the header must keep: the metadata (LUKS1's 4 KiB binary
// header, LUKS2's two metadata copies) and the areas of its active keyslots.
std::uint64_t used_bytes_of(CryptDevice& cd, bool luks2) {
  std::uint64_t used = kLuks1BinaryHeaderBytes;
  if (luks2) {
    std::uint64_t metadata = 0, keyslots = 0;
    cd.check(crypt_get_metadata_size(cd.get(), &metadata, &keyslots), "crypt_get_metadata_size");
    used = 2 * metadata;
  }
  const int slots = crypt_keyslot_max(luks2 ? CRYPT_LUKS2 : CRYPT_LUKS1);
  for (int slot = 0; slot < slots; ++slot) {
    const crypt_keyslot_info info = crypt_keyslot_status(cd.get(), slot);
    if (info != CRYPT_SLOT_ACTIVE && info != CRYPT_SLOT_ACTIVE_LAST) continue;
    std::uint64_t area_offset = 0, area_length = 0;
    cd.check(crypt_keyslot_area(cd.get(), slot, &area_offset, &area_length), "crypt_keyslot_area");
    used = std::max(used, area_offset + area_length);
  }
  return used;
}

}  // namespace

std::uint64_t header_used_bytes(const std::string& path) {
  CryptDevice cd(path);
  cd.check(crypt_load(cd.get(), CRYPT_LUKS, nullptr), "crypt_load");
  return used_bytes_of(cd, std::string(crypt_get_type(cd.get())) == CRYPT_LUKS2);
}

BuiltHeader build_header(const HeaderSpec& spec, const SecureBuffer& volume_key,
                         const SecureBuffer& passphrase, std::uint64_t device_size_bytes,
                         const std::string& path) {
  if (const std::string problem =
          header_spec_problem(spec, volume_key.size_bytes(), device_size_bytes);
      !problem.empty()) {
    Fail() << path << ": cannot build the " << luks_type_name(spec.type) << " header: " << problem;
  }
  if (passphrase.empty()) Fail() << path << ": cannot build the header: empty passphrase";

  BuiltHeader built;
  built.header_bytes = header_size_bytes(spec);
  const bool created = prepare_target(path, built.header_bytes);
  {
    CryptDevice cd(path);
    cd.check(crypt_set_data_offset(cd.get(), spec.data_offset_sectors), "crypt_set_data_offset");
    if (spec.type == LuksType::kLuks2 &&
        (spec.luks2_metadata_size_bytes != 0 || spec.luks2_keyslots_size_bytes != 0)) {
      cd.check(crypt_set_metadata_size(cd.get(), spec.luks2_metadata_size_bytes,
                                       spec.luks2_keyslots_size_bytes),
               "crypt_set_metadata_size");
    }
    const crypt_pbkdf_type pbkdf = pbkdf_for(spec);
    cd.check(crypt_set_pbkdf_type(cd.get(), &pbkdf), "crypt_set_pbkdf_type");
    cd.check(format(cd, spec, volume_key), "crypt_format");
    built.keyslot = cd.check(
        crypt_keyslot_add_by_volume_key(cd.get(), 0, volume_key.chars(), volume_key.size_bytes(),
                                        passphrase.chars(), passphrase.size_bytes()),
        "crypt_keyslot_add_by_volume_key");
    built.data_offset_sectors = crypt_get_data_offset(cd.get());
    built.uuid = crypt_get_uuid(cd.get()) != nullptr ? crypt_get_uuid(cd.get()) : "";
    built.used_bytes = used_bytes_of(cd, spec.type == LuksType::kLuks2);
    built.notes = cd.notes();
  }
  if (built.data_offset_sectors != spec.data_offset_sectors) {
    Fail() << path << ": libcryptsetup placed the data at sector " << built.data_offset_sectors
           << ", not at the requested " << spec.data_offset_sectors;
  }
  fsync_path(path);
  if (created) fsync_directory_of(path);
  return built;
}

SecureBuffer unlock_volume_key(const std::string& path, const SecureBuffer& passphrase) {
  if (passphrase.empty()) Fail() << path << ": cannot unlock: empty passphrase";
  CryptDevice cd(path);
  cd.check(crypt_load(cd.get(), CRYPT_LUKS, nullptr), "crypt_load");
  const int key_bytes = crypt_get_volume_key_size(cd.get());
  if (key_bytes <= 0) Fail() << path << ": the header names no volume key size";
  SecureBuffer volume_key(static_cast<std::size_t>(key_bytes));
  std::size_t size_bytes = volume_key.size_bytes();
  const int result =
      crypt_volume_key_get(cd.get(), CRYPT_ANY_SLOT, reinterpret_cast<char*>(volume_key.data()),
                           &size_bytes, passphrase.chars(), passphrase.size_bytes());
  if (result == -EPERM) Fail(RefuseReason::kBadPassphrase)
      << path << ": no keyslot opens with this passphrase";
  cd.check(result, "crypt_volume_key_get");
  volume_key.shrink(size_bytes);
  return volume_key;
}

HeaderInfo read_header(const std::string& path) {
  CryptDevice cd(path);
  cd.check(crypt_load(cd.get(), CRYPT_LUKS, nullptr), "crypt_load");
  HeaderInfo info;
  info.type = type_of(cd);
  info.cipher = crypt_get_cipher(cd.get()) != nullptr ? crypt_get_cipher(cd.get()) : "";
  info.cipher_mode =
      crypt_get_cipher_mode(cd.get()) != nullptr ? crypt_get_cipher_mode(cd.get()) : "";
  info.key_size_bits = static_cast<std::uint32_t>(crypt_get_volume_key_size(cd.get())) * 8;
  info.data_offset_sectors = crypt_get_data_offset(cd.get());
  info.sector_size_bytes = static_cast<std::uint32_t>(crypt_get_sector_size(cd.get()));
  info.uuid = crypt_get_uuid(cd.get()) != nullptr ? crypt_get_uuid(cd.get()) : "";
  if (info.type == LuksType::kLuks2) {
    std::uint32_t requirements = 0;
    cd.check(crypt_persistent_flags_get(cd.get(), CRYPT_FLAGS_REQUIREMENTS, &requirements),
             "crypt_persistent_flags_get");
    info.reencrypting = (requirements & CRYPT_REQUIREMENT_ONLINE_REENCRYPT) != 0;
    cd.check(crypt_get_metadata_size(cd.get(), &info.luks2_metadata_size_bytes,
                                     &info.luks2_keyslots_size_bytes),
             "crypt_get_metadata_size");
  }
  return info;
}

LuksType luks_type_of(const std::vector<std::uint8_t>& header) {
  const unsigned version = header.size() >= 8 ? header[6] * 256u + header[7] : 0;
  if (version == 1) return LuksType::kLuks1;
  if (version == 2) return LuksType::kLuks2;
  Fail() << "not a LUKS1 or LUKS2 header (version field " << version << ")";
}

bool header_has_token(const std::vector<std::uint8_t>& header, const std::string& type) {
  if (luks_type_of(header) != LuksType::kLuks2) return false;
  MemoryFile file("pv2luks-staged-header");
  file.write_all(header);
  CryptDevice cd(file.path());
  cd.check(crypt_load(cd.get(), CRYPT_LUKS2, nullptr), "crypt_load");
  for (int token = 0; token < 32; ++token) {
    const char* token_type = nullptr;
    const crypt_token_info info = crypt_token_status(cd.get(), token, &token_type);
    if (info == CRYPT_TOKEN_INVALID || info == CRYPT_TOKEN_INACTIVE) continue;
    if (token_type != nullptr && type == token_type) return true;
  }
  return false;
}

std::string cryptsetup_dm_uuid(LuksType type, const std::string& luks_uuid,
                               const std::string& name) {
  std::string hex = luks_uuid;
  std::erase(hex, '-');
  return "CRYPT-" + std::string(luks_type_name(type)) + "-" + hex + "-" + name;
}

}  // namespace pv2luks
