// convert_live: the live conversion, top-down. Each phase is one function.
//
//   check      what the disk and LVM say; refuse before anything is written
//              (live/checks.h); --dry-run stops here and prints the tables
//   confirm    the caller's question, unless --yes
//   prepare    passphrase, volume key, header (in memory), key in the keyring
//   make room  --make-room only: pvresize shrinks the PV (LVM metadata)
//   insert     crypt_full and the intermediate device; LVs remapped onto it
//   move       chunk by chunk from the end, through a mirror into crypt_full
//   finish     one crypt table; the LUKS header written at the front
//   after      crypttab, LVM devices file and pvscan, initramfs advice
//
// Failures in `check`, `prepare` and `insert` are refusals: no data sector was
// written. From
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
#include <tuple>

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
#include "live/after_move.h"
#include "live/checks.h"
#include "lvm/pv_report.h"
#include "lvm/room.h"
#include "base/process.h"
#include "plan/plan.h"
#include "plan/plan_text.h"
#include "plan/step_tables.h"
#include "system/crypttab.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

namespace {

constexpr std::uint64_t kSectorBytes = 512;

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
  std::tie(spec.cipher, spec.cipher_mode) = split_cipher(options.cipher);
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
  prepared.key = std::make_unique<KernelKey>("pv2luks:" + checked.base_name, volume_key);
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

// Shrinks the PV for --make-room. LVM rewrites its metadata; no extent moves.
// The result is checked against the plan: the conversion goes on only when
// LVM now reports exactly the PV the plan was made for.
void make_room(const ConvertOptions& options, const Checked& checked, const MessageFn& say) {
  const std::vector<std::string> command = make_room_command(*checked.make_room, options.device);
  run_checked(command);
  say("ran: " + command_line(command));
  const PvReport now = read_pv_report(options.device);
  if (now.used_sectors() != checked.pv.used_sectors()) {
    Fail() << "after " << command_line(command) << " the PV spans " << now.used_sectors()
           << " sectors, not the planned " << checked.pv.used_sectors();
  }
}

// insert. Nothing on the disk changes here: the new devices only map it.
// Until the holders are remapped, a failure removes what was made and is a
// refusal: the disk and the LVs are as they were.
PlanDevices insert(const Checked& checked, const Prepared& prepared, const MessageFn& say) {
  PlanDevices devices{dev_text(checked.device.dev), "", prepared.crypt};
  const std::vector<std::string> holders = dm::holders_of(checked.device.dev);
  dm::create(checked.crypt_full, "", to_kernel(crypt_full_table(checked.plan, devices)).targets());
  try {
    devices.crypt_full = dev_text(dm_dev(checked.crypt_full));
    dm::create(checked.intermediate, "",
               to_kernel(initial_table(checked.plan, devices)).targets());
  } catch (const Error&) {
    dm::remove(checked.crypt_full);
    throw;
  }
  remap_holders(holders, checked.device.dev, dm_dev(checked.intermediate));
  say("LVs now run on /dev/mapper/" + checked.intermediate + " (" +
      std::to_string(holders.size()) + " remapped)");
  return devices;
}

// move, then finish. Returns the crypttab line.
std::string move_and_finish(const ConvertOptions& options, const Checked& checked,
                            const Prepared& prepared, const PlanDevices& devices,
                            const ProgressFn& progress) {
  const Plan& plan = checked.plan;
  const std::string& crypt_name = checked.intermediate;
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
  dm::remove(checked.crypt_full);
  return crypttab_line(crypt_name, prepared.header.uuid);
}

std::string confirm_summary(const ConvertOptions& options, const Checked& checked) {
  std::ostringstream out;
  out << "This converts " << options.device << " (PV of VG " << checked.pv.vg_name << ") to "
      << (options.type == LuksVersion::kLuks1 ? "LUKS1" : "LUKS2")
      << " in place while its LVs stay in use";
  if (checked.make_room) out << ", after shrinking the PV by " << checked.make_room->extents_to_free << " extents";
  out << ". A power cut during the move loses the data: keep a backup.";
  return out.str();
}

// Blocks SIGINT, SIGTERM and SIGHUP while it lives: a signal during the move
// would leave the data half moved with no map on disk.
class SignalsDeferred {
 public:
  SignalsDeferred() {
    sigset_t block;
    sigemptyset(&block);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, signal);
    ::pthread_sigmask(SIG_BLOCK, &block, &before_);
  }
  ~SignalsDeferred() { ::pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  SignalsDeferred(const SignalsDeferred&) = delete;
  SignalsDeferred& operator=(const SignalsDeferred&) = delete;

 private:
  sigset_t before_;
};

ConvertResult refused(const std::string& message) {
  ConvertResult result;
  result.status = ConvertStatus::kRefused;
  result.message = message;
  return result;
}

}  // namespace

ConvertResult convert_live(const ConvertOptions& options, const MessageFn& say,
                           const ProgressFn& progress) {
  ConvertResult result;
  Checked checked;
  Prepared prepared;
  PlanDevices devices;
  try {
    checked = check(options, say);
    if (options.dry_run) {
      CryptSpec crypt;
      crypt.cipher = options.cipher;
      crypt.key = KeyRef::keyring(options.key_size_bits / 8, "pv2luks:" + checked.base_name);
      const PlanDevices shown{options.device, "/dev/mapper/" + checked.crypt_full, crypt};
      if (checked.make_room) {
        say("would run: " + command_line(make_room_command(*checked.make_room, options.device)));
      }
      say("the tables, in the order they are loaded:\n" +
          describe_plan(checked.plan, shown, {checked.crypt_full, checked.intermediate}));
      say("dry run: nothing written");
      result.status = ConvertStatus::kDone;
      return result;
    }
    if (options.confirm && !options.confirm(confirm_summary(options, checked))) {
      return refused("not confirmed");
    }
    prepared = prepare(options, checked);
  } catch (const Error& e) {
    return refused(e.what());
  }
  if (checked.make_room) {
    try {
      make_room(options, checked, say);
    } catch (const Error& e) {
      result.status = ConvertStatus::kFailed;
      result.message = std::string(e.what()) +
                       "; only LVM's metadata may have changed (pvresize): check with "
                       "'pvs " + options.device + "'; no data was moved";
      return result;
    }
  }
  try {
    devices = insert(checked, prepared, say);
  } catch (const Error& e) {
    // Before any holder was remapped nothing maps differently; after, the
    // LVs run on the intermediate device's plaintext table, which maps the
    // PV as it was. Either way no data sector was written.
    return refused(std::string(e.what()) + " (while setting up the dm devices; /dev/mapper/" +
                   checked.intermediate + " may remain under some LVs, mapping the PV unchanged)");
  }
  const SignalsDeferred deferred;
  try {
    result.crypttab_line = move_and_finish(options, checked, prepared, devices, progress);
    result.status = ConvertStatus::kDone;
  } catch (const Error& e) {
    result.status = ConvertStatus::kFailed;
    result.message = std::string(e.what()) +
                     "; the conversion stopped half way: the LVs keep running on the live "
                     "dm tables, do not reboot or deactivate them";
    return result;
  }
  result.advice = after_move(options, checked.intermediate, prepared.header.uuid,
                             result.crypttab_line);
  return result;
}

}  // namespace pv2luks
