// convert_live: the live conversion, top-down. Each phase is one function.
//
//   check      what the disk and LVM say; refuse before anything is written
//   prepare    passphrase, volume key, header (in memory), key in the keyring
//   insert     crypt_full and the intermediate device; LVs remapped onto it
//   move       chunk by chunk from the end, through a mirror into crypt_full
//   finish     one crypt table; the LUKS header written at the front
//
// Failures in `check` and `prepare` are refusals: nothing was written. From
// `insert` on, the running kernel's tables are the only map of the data until
// the header is written; a failure there leaves the tables live (the LVs keep
// working) and says so. Crash safety and resume are the next layer.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>

#include "base/error.h"
#include "device/block_device.h"
#include "dm/dm_device.h"
#include "dm/dm_table.h"
#include "live/kernel_key.h"
#include "live/mirror_sync.h"
#include "live/remap.h"
#include "luks/error.h"
#include "luks/header.h"
#include "luks/passphrase.h"
#include "luks/volume_key.h"
#include "lvm/pv_report.h"
#include "plan/plan.h"
#include "plan/step_tables.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kSectorBytes = 512;

struct Checked {
  BlockDevice device;
  std::shared_ptr<DeviceLock> lock;  // taken before LVM is asked anything
  PvReport pv;
  HeaderChoice header;
  Plan plan;
};

std::string size_text(std::uint64_t bytes) {
  std::ostringstream out;
  if (bytes >= 1024 * 1024) {
    out << bytes / (1024.0 * 1024.0) << " MiB";
  } else {
    out << bytes << " bytes";
  }
  return out.str();
}

Checked check(const ConvertOptions& options, const MessageFn& say) {
  if (::geteuid() != 0) Fail() << "pv2luks convert must run as root";
  Checked checked;
  checked.device = inspect_block_device(options.device);
  checked.lock = std::make_shared<DeviceLock>(checked.device);
  if (checked.device.read_only) {
    Fail() << options.device << ": the device is read-only; nothing to convert on it";
  }
  if (starts_with_luks_header(options.device)) {
    Fail() << options.device << ": already a LUKS device; nothing to convert";
  }
  checked.pv = read_pv_report(options.device);
  const auto refusals = pv_refusals(checked.pv);
  if (!refusals.empty()) Fail() << options.device << ": " << refusals.front();
  const LuksType type = options.type == LuksVersion::kLuks1 ? LuksType::kLuks1 : LuksType::kLuks2;
  checked.header = choose_header(type, checked.pv.tail_room_sectors() * kSectorBytes,
                                 options.key_size_bits, 512);
  if (!checked.header.fits) {
    Fail() << options.device << ": not enough room after the PV for a LUKS header: "
           << checked.header.summary << "; free the PV's last extents (pvresize) and retry";
  }
  PlanInput input;
  input.move_sectors = checked.pv.used_sectors();
  input.device_sectors = checked.device.size_bytes / kSectorBytes;
  input.data_offset_sectors = checked.header.spec.data_offset_sectors;
  input.sector_bytes = checked.device.logical_sector_bytes;
  checked.plan = make_plan(input);
  if (!checked.plan.ok()) Fail() << options.device << ": " << checked.plan.problems.front();
  say(options.device + ": PV of VG " + checked.pv.vg_name + ", " +
      size_text(input.move_sectors * kSectorBytes) + " to move, " +
      size_text(checked.pv.tail_room_sectors() * kSectorBytes) + " free after it");
  say("header: " + checked.header.summary);
  say("plan: " + std::to_string(checked.plan.chunk_count()) + " chunks of up to " +
      size_text(checked.plan.chunk_sectors * kSectorBytes) + ", moved from the end");
  return checked;
}

// An anonymous in-memory file for the header until it is written to the disk:
// never a file in /tmp or on a mounted tmpfs.
class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("pv2luks-header", MFD_CLOEXEC)) {
    if (fd_ < 0) Fail() << "memfd_create failed: " << errno_text(errno);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct Prepared {
  std::unique_ptr<MemoryFile> header_file;
  BuiltHeader header;
  std::unique_ptr<KernelKey> key;
  CryptSpec crypt;
};

Prepared prepare(const ConvertOptions& options, const Checked& checked) {
  HeaderSpec spec = checked.header.spec;
  spec.pbkdf = options.pbkdf;
  spec.pbkdf_force_iterations = options.pbkdf_force_iterations;
  spec.iter_time_ms = options.iter_time_ms;
  const SecureBuffer passphrase =
      read_passphrase(passphrase_source(options.key_file), PassphrasePurpose::kNew,
                      "Enter a new passphrase for " + options.device + ": ");
  const SecureBuffer volume_key = generate_volume_key(options.key_size_bits);
  Prepared prepared;
  prepared.header_file = std::make_unique<MemoryFile>();
  prepared.header = build_header(spec, volume_key, passphrase, checked.device.size_bytes,
                                 prepared.header_file->path());
  const std::string name = std::filesystem::canonical(options.device).filename().string();
  prepared.key = std::make_unique<KernelKey>("pv2luks:" + name, volume_key);
  prepared.crypt.cipher = spec.cipher + "-" + spec.cipher_mode;
  prepared.crypt.key = KeyRef::keyring(volume_key.size_bytes(), prepared.key->description());
  return prepared;
}

void load_and_swap(const std::string& name, const DmTable& table) {
  dm::load(name, to_kernel(table).targets());
  dm::suspend(name);
  dm::resume(name);
}

dev_t dm_dev(const std::string& name) {
  const dm::DeviceInfo info = dm::info(name);
  return makedev(info.major, info.minor);
}

// The negative control of the lab tests: PV2LUKS_TEST_SKIP_MIRROR_CHUNK=K
// switches chunk K to crypt without copying it, which loses its data.
std::optional<std::uint64_t> test_skip_chunk() {
  const char* value = std::getenv("PV2LUKS_TEST_SKIP_MIRROR_CHUNK");
  if (!value || !*value) return std::nullopt;
  return std::stoull(value);
}

void write_header(const Prepared& prepared, const std::string& device) {
  std::vector<char> bytes(prepared.header.header_bytes);
  if (::pread(prepared.header_file->fd(), bytes.data(), bytes.size(), 0) !=
      static_cast<ssize_t>(bytes.size())) {
    Fail() << "reading the built header back failed: " << errno_text(errno);
  }
  const int fd = ::open(device.c_str(), O_WRONLY | O_CLOEXEC | O_SYNC);
  if (fd < 0) Fail() << device << ": open for the header failed: " << errno_text(errno);
  const ssize_t wrote = ::pwrite(fd, bytes.data(), bytes.size(), 0);
  const int sync = ::fsync(fd);
  ::close(fd);
  if (wrote != static_cast<ssize_t>(bytes.size()) || sync != 0) {
    Fail() << device << ": writing the LUKS header failed: " << errno_text(errno);
  }
}

std::string move_and_finish(const ConvertOptions& options, const Checked& checked,
                            const Prepared& prepared, const MessageFn& say,
                            const ProgressFn& progress) {
  const std::string base = std::filesystem::canonical(options.device).filename().string();
  const std::string full_name = "pv2luks-" + base + "-full";
  const std::string crypt_name = base + "_crypt";
  const Plan& plan = checked.plan;
  PlanDevices devices{dev_text(checked.device.dev), "", prepared.crypt};
  const std::vector<std::string> holders = dm::holders_of(checked.device.dev);

  // insert. Nothing on the disk changes here: the new devices only map it.
  dm::create(full_name, "", to_kernel(crypt_full_table(plan, devices)).targets());
  devices.crypt_full = dev_text(dm_dev(full_name));
  dm::create(crypt_name, "", to_kernel(initial_table(plan, devices)).targets());
  remap_holders(holders, checked.device.dev, dm_dev(crypt_name));
  say("LVs now run on /dev/mapper/" + crypt_name + " (" + std::to_string(holders.size()) +
      " remapped)");

  // move. From the first chunk's mirror on, the disk is written.
  // Write point (not a commit point): after chunk k is in sync its data is
  // durable as ciphertext at data_offset + start, but NOTHING on the disk
  // records how far the move got; only the live table of crypt_name knows.
  // A crash here loses the map. Durable progress is the crash-safety work.
  const std::uint64_t total_bytes = plan.input.move_sectors * kSectorBytes;
  std::uint64_t done_bytes = 0;
  const auto skip = test_skip_chunk();
  for (std::uint64_t k = 0; k < plan.chunk_count(); ++k) {
    const Chunk chunk = plan.chunk(k);
    if (!skip || *skip != k) {
      load_and_swap(crypt_name, table_for_step(plan, k, devices));
      wait_for_mirror_sync(crypt_name,
                           expected_mirror_regions(chunk.length_sectors, chunk.region_sectors));
    }
    done_bytes += chunk.length_sectors * kSectorBytes;
    progress({"move", done_bytes, total_bytes});
  }

  // finish
  load_and_swap(crypt_name, final_table(plan, devices));
  // Commit point: once write_header returns (O_SYNC + fsync), the device is a
  // complete LUKS volume on disk: header, keyslot 0 and every sector moved.
  // A crash after it leaves a device that stock cryptsetup opens.
  write_header(prepared, options.device);
  progress({"header", total_bytes, total_bytes});
  dm::remove(full_name);
  return crypt_name + " UUID=" + prepared.header.uuid + " none luks";
}

}  // namespace

ConvertResult convert_live(const ConvertOptions& options, const MessageFn& say,
                           const ProgressFn& progress) {
  ConvertResult result;
  Checked checked;
  Prepared prepared;
  try {
    checked = check(options, say);
    if (options.dry_run) {
      say("dry run: nothing written");
      result.status = ConvertStatus::kDone;
      return result;
    }
    prepared = prepare(options, checked);
  } catch (const Error& e) {
    result.status = ConvertStatus::kRefused;
    result.message = e.what();
    return result;
  }
  // From here on the kernel's tables change. A signal would leave the data
  // half moved with no map on disk, so SIGINT, SIGTERM and SIGHUP wait until
  // the end.
  sigset_t block;
  sigemptyset(&block);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, signal);
  sigset_t before;
  ::pthread_sigmask(SIG_BLOCK, &block, &before);
  try {
    result.crypttab_line = move_and_finish(options, checked, prepared, say, progress);
    result.status = ConvertStatus::kDone;
  } catch (const Error& e) {
    result.status = ConvertStatus::kFailed;
    result.message = std::string(e.what()) +
                     "; the conversion stopped half way: the LVs keep running on the live "
                     "dm tables, do not reboot or deactivate them";
  }
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return result;
}

}  // namespace pv2luks
