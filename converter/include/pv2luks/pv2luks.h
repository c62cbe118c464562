// libpv2luks: the one public header.
//
// pv2luks converts an LVM physical volume into LVM-on-LUKS in place. All logic
// lives in the library behind this header; the pv2luks CLI is a thin table of
// actions over it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pv2luks {

// The library's version, "MAJOR.MINOR.PATCH".
std::string_view version();

// Whether this build has the test hooks (configured with
// -DPV2LUKS_TEST_HOOKS=ON, as ci/build does for the tests; never a package's).
bool test_hooks_built();

// Keeping keys out of core dumps and swap, for the whole process. The
// pv2luks CLI does both; so should any program that uses libpv2luks.
//
// lock_openssl_memory(): OpenSSL allocates from memory locked in RAM, left
// out of core dumps and wiped when freed; the AES key schedules in its
// cipher contexts (the offline conversion's XTS among them) live in such
// allocations. OpenSSL accepts this only before its first allocation, and a
// shared library may allocate through OpenSSL in its constructor, before
// main (libssh does: libguestfs loads it through libvirt, in
// pv2luks-guest-config). So call it from
// the program's .preinit_array, which the dynamic loader runs before any
// library's constructor (converter/cli/hardening.cpp). False when it came
// too late.
bool lock_openssl_memory() noexcept;

// harden_process(), first thing in main: no core dumps (RLIMIT_CORE 0); not
// dumpable (PR_SET_DUMPABLE 0: no core even through a core_pattern pipe,
// unless fs.suid_dumpable is 2, and no ptrace but by root); and OpenSSL's
// memory locked (lock_openssl_memory(), tried again here). "" or what
// failed.
std::string harden_process();

enum class LuksVersion { kLuks1, kLuks2 };

struct ConvertOptions {
  std::string device;  // the PV's partition or whole disk; offline: the image
  // Offline: `device` is a disk image (raw or qcow2) or an unused block
  // device, converted in userspace, without device-mapper.
  bool offline = false;
  std::uint32_t partition = 0;  // offline: the PV's partition number; 0: find it
  // Offline: through libguestfs, add the crypttab line inside the guest and
  // rebuild its initramfs (Debian and Ubuntu guests; others are left as they
  // are, and the result says what they still need). The guest is inspected
  // before anything is written, and refused when it could not be made to boot.
  bool guest_config = false;
  LuksVersion type = LuksVersion::kLuks2;
  std::optional<std::string> key_file;  // "-" for stdin; none: the terminal
  std::string cipher = "aes-xts-plain64";  // CIPHER-MODE, as cryptsetup's --cipher
  std::uint32_t key_size_bits = 512;
  std::string pbkdf;                    // "argon2id", "pbkdf2"; "": the type's default
  std::uint32_t pbkdf_force_iterations = 0;
  std::uint32_t iter_time_ms = 0;
  bool dry_run = false;  // print the plan and the tables (keys redacted); write nothing
  // When the tail room is short but the PV's last extents are free, shrink the
  // PV (pvresize) to make it. Without it such a PV is refused with advice.
  bool make_room = false;
  // Where the crypttab line goes when update_crypttab is set.
  bool update_crypttab = false;
  std::string crypttab_path = "/etc/crypttab";
  // Live: convert a PV that holds the running / or /usr even when the next
  // boot's initramfs could not bring it up after a conversion cut short
  // (no cryptsetup or no pv2luks recovery hook in it). Without it that is
  // refused with the command that fixes the initramfs.
  bool force = false;
  // Asked once the checks passed and before anything is written, with a
  // summary of what will happen; false refuses. Unset: no question.
  std::function<bool(const std::string& summary)> confirm;
};

struct Progress {
  std::string phase;  // "move" (after each chunk), "header" (the LUKS header written: finished)
  std::uint64_t done_bytes = 0;
  std::uint64_t total_bytes = 0;
  std::uint64_t chunks_done = 0;  // of chunk_count, committed to the journal
  std::uint64_t chunk_count = 0;
};

enum class ConvertStatus {
  kDone,     // converted; the LVs now run on the LUKS volume
  kRefused,  // checks failed before anything was written: the disk is as it was
  kFailed,   // failed after the disk was written; the message says what state it is in
  kStopped,  // a signal stopped it between chunks; `resume` finishes the job
};

// Why a kRefused result refused (the message says it in words), for a caller
// that must tell the cases apart (the pv2luks CLI's exit codes).
enum class RefuseReason {
  kOther,         // any other check failed
  kBadPassphrase, // no keyslot opens with the passphrase given
  kNoPermission,  // not run as root, or the device/image may not be opened
  kBusy,          // in use: mounted, held by device-mapper, a running QEMU or another pv2luks
  kWrongDevice,   // no such device/image, not a block device or image, no PV, no LUKS, no journal
  kOutOfMemory,   // an allocation failed
};

struct ConvertResult {
  ConvertStatus status = ConvertStatus::kRefused;
  RefuseReason reason = RefuseReason::kOther;  // for kRefused
  std::string message;        // why, for kRefused and kFailed
  std::string crypttab_line;  // for kDone
  std::vector<std::string> advice;  // for kDone: what the system still needs (initramfs, ...)
  std::string luks_uuid;            // for kDone of a conversion or resume: the new LUKS UUID
};

using MessageFn = std::function<void(const std::string&)>;
using ProgressFn = std::function<void(const Progress&)>;

// The library's trace, off unless the caller turns it on (a library does not
// print behind its caller's back). kVerbose: each external command it runs
// (its argv; keys never travel in argv) and each device-mapper step that
// changes a device (create/load/suspend/resume/remove and the device's name;
// never a table's key). kDebug adds the commands' exit codes and the
// device-mapper queries. Lines go to `log` without a trailing newline, from
// the thread that did the work. Process-wide; set it before calling the
// conversions. set_log(LogLevel::kQuiet, nullptr) turns it off again.
enum class LogLevel { kQuiet, kVerbose, kDebug };
void set_log(LogLevel level, MessageFn log);

// Converts the active PV options.device into LVM-on-LUKS live: its LVs stay
// in use. Needs root and device-mapper. Never throws for what a user or a
// disk did; the result says what happened.
ConvertResult convert_live(const ConvertOptions& options, const MessageFn& say,
                           const ProgressFn& progress);

struct ResumeOptions {
  std::string device;
  bool offline = false;         // as in ConvertOptions
  std::uint32_t partition = 0;  // as in ConvertOptions
  std::optional<std::string> key_file;  // "-" for stdin; none: the terminal
  // Only set up the dm devices in the journal's state (so the VG can be
  // activated), without moving anything.
  bool activate_only = false;
  bool guest_config = false;  // offline: as in ConvertOptions, once the move is finished
  // Live: as in ConvertOptions, once the move is finished (a power cut
  // during convert leaves the crypttab to resume).
  bool update_crypttab = false;
  std::string crypttab_path = "/etc/crypttab";
  std::function<bool(const std::string& summary)> confirm;  // as in ConvertOptions
};

// Converts the PV in the disk image or unused device options.device offline,
// in userspace: no device-mapper, no lvm tools. The same journal as the live
// conversion, so resume_conversion (with offline set) finishes it.
ConvertResult convert_offline(const ConvertOptions& options, const MessageFn& say,
                              const ProgressFn& progress);

// Continues an interrupted conversion from the journal at the device's end:
// after a power cut (nothing active) or after the converter died (the LVs
// still on the live tables). Idempotent: interrupting it and running it again
// is safe. kRefused when there is no journal or it fails its checks.
ConvertResult resume_conversion(const ResumeOptions& options, const MessageFn& say,
                                const ProgressFn& progress);

// Says (through `say`) whether the device is being converted and how far the
// journal says it got. kDone when a good journal was found, kRefused (with
// the reason) when not. Writes nothing.
ConvertResult conversion_status(const std::string& device, const MessageFn& say);
// The same for a disk image or an unused device (its PV's partition found as
// convert_offline finds it, or `partition`).
ConvertResult offline_conversion_status(const std::string& image, std::uint32_t partition,
                                        const MessageFn& say);

struct VerifyOptions {
  std::string image;            // a converted disk image or device
  std::uint32_t partition = 0;  // 0: the one LUKS partition there
  std::optional<std::string> key_file;  // "-" for stdin; none: the terminal
};
struct VerifyResult {
  ConvertStatus status = ConvertStatus::kRefused;  // kDone, or kRefused with message
  RefuseReason reason = RefuseReason::kOther;      // for kRefused
  std::string message;
  // "lv VG/LV SHA256 SIZE_BYTES" for every LV wholly on the PV, sorted, as
  // pv2luks-harness prints them for the plaintext image; "skip VG/LV REASON"
  // for the others.
  std::vector<std::string> lv_lines;
};
// Opens the LUKS volume in `image` in userspace, reads the LVM metadata
// inside and checksums every LV. Writes nothing.
VerifyResult verify_offline(const VerifyOptions& options, const MessageFn& say);

struct FlattenOptions {
  // The VG, or the dm name of the crypt device under it; "": the only
  // LVM-on-LUKS stack there is.
  std::string target;
  // The passphrase, when the volume key must come from the LUKS header: the
  // crypt table names a keyring key (cryptsetup 2.x opens LUKS2 so) instead
  // of holding its bytes, or (unflatten) the crypt device was closed.
  std::optional<std::string> key_file;  // "-" for stdin; none: the terminal
};

// Maps every LV of an LVM-on-LUKS VG straight onto the LUKS device's disk,
// live: each linear segment on the crypt device becomes a crypt target on
// the disk (IV and data offsets shifted by the segment's offset), so I/O
// passes one dm layer instead of two. The crypt device stays open under the
// VG (LVM keeps seeing its PV), held by the dm device pv2luks-flat-CRYPT, and
// the VG gets the tag pv2luks_flattened. kRefused, nothing changed, for
// several crypt segments, integrity or authenticated ciphers, non-linear LV
// segments, a reencryption in progress. kFailed when a table swap failed
// part way (every LV is then either flattened or not; both are consistent).
ConvertResult flatten_vg(const FlattenOptions& options, const MessageFn& say);

// Maps every flattened LV back onto the crypt device (reopening it with the
// passphrase when it was closed, under the name options.target), then drops
// the guard device and the tag. kDone also when nothing was flattened.
ConvertResult unflatten_vg(const FlattenOptions& options, const MessageFn& say);

// Says, for the stack `target` names (or every one when ""), whether it is
// layered, flattened or partly flattened, and what to run. Writes nothing.
ConvertResult flatten_status(const std::string& target, const MessageFn& say);

}  // namespace pv2luks
