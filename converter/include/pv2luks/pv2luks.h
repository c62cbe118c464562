// libpv2luks: the one public header.
//
// pv2luks converts an LVM physical volume into LVM-on-LUKS in place. All logic
// lives in the library behind this header; the pv2luks CLI is a thin table of
// actions over it.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
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

// What a run may do to the whole process. Off by default: the library sets
// no process-wide policy its caller did not ask for. The pv2luks CLI turns
// both on for every conversion, resume and flatten.
//
// lock_memory, as libcryptsetup's crypt_memory_lock(): the run may lock all
// of the process's memory, mlockall(MCL_CURRENT | MCL_FUTURE), just before
// it first suspends a device-mapper device, and never unlocks it again
// (munlockall would also unlock the pages that hold keys, and any the
// caller locked). While a device is suspended, a page fault that has to
// read from it (the program's own code may live on the root LV) waits
// forever; lvm2 locks its memory around suspends for the same reason. The
// live runs that suspend devices (convert_live and a live
// resume_conversion, but not their dry runs; flatten_vg and unflatten_vg)
// are refused, before anything is written, when it is not set: locking
// only for the suspended window would mean unlocking afterwards, which
// cannot be done without unlocking the keys. Needs root or CAP_IPC_LOCK.
// The offline runs suspend nothing and lock nothing.
//
// defer_signals: from the run's first write until it returns, SIGINT,
// SIGTERM and SIGHUP are blocked in the calling thread (and the threads the
// run starts), and asked for between chunks: one that arrived stops the run
// at the next commit point, with ConvertStatus::kStopped (flatten_vg and
// unflatten_vg do not stop: their table swaps finish first). When the run returns the mask is restored, and each
// such signal that arrived is taken from the pending set and handed to
// deferred_signal, or, when that is unset, raised again (raise()), so the
// process's own disposition for it applies: a signal is never lost. The
// mask is the calling thread's: a caller with other threads must block
// these signals in them too, or the kernel may deliver one there. Without
// it the library touches no signal: a signal kills the run where it is
// (the journal makes that safe: resume_conversion finishes it), and a
// caller that wants a clean stop can ask for one from its progress
// callback (ProgressReply::kStop).
struct ProcessPolicy {
  bool lock_memory = false;
  bool defer_signals = false;
  // With defer_signals: called once per signal (SIGINT, SIGTERM, SIGHUP)
  // that arrived while deferred, after the mask is restored and before the
  // run returns. Unset: the signal is raised again. Must not throw. Set
  // without defer_signals, the run is refused.
  std::function<void(int signal)> deferred_signal;
};

// Whether `pcrs` is a PCR list ConvertOptions::tpm2_pcrs takes, as
// systemd-cryptenroll's --tpm2-pcrs: "" (none) or numbers 0-23 joined by '+'.
bool valid_tpm2_pcrs(const std::string& pcrs);

struct ConvertOptions {
  std::string device;  // the PV's partition or whole disk; offline: the image
  // Offline: `device` is a disk image (raw or qcow2) or an unused block
  // device, converted in userspace, without device-mapper. It says which
  // conversion the options describe: convert_offline refuses them without
  // it, convert_live with it.
  bool offline = false;
  std::uint32_t partition = 0;  // offline: the PV's partition number; 0: find it
  // Offline: through libguestfs, add the crypttab line inside the guest and
  // rebuild its initramfs (Debian and Ubuntu guests; others are left as they
  // are, and the result says what they still need). The guest is inspected
  // before anything is written, and refused when it could not be made to boot.
  bool guest_config = false;
  // Offline, image files only (raw or qcow2): the parts of the PV that are
  // both free extents and holes in the image stay holes (their old place is
  // zeroed with a write that deallocates), so a mostly empty image converts
  // in time and space proportional to its data. Holes inside LVs still
  // become ciphertext and read back as zeros. The trade-off is that of
  // cryptsetup's --allow-discards: whoever sees the image sees which ranges
  // are unused. Recorded in the journal, so a resume does the same. A block
  // device (which cannot say what is allocated) is refused.
  bool sparse = false;
  // The move's average rate, in bytes per second, at most this (0: as fast
  // as the disk goes). Live, it leaves the rest of the disk to the running
  // system's own I/O; a chunk still moves at full speed, and the run waits
  // between chunks. Not recorded in the journal: a resume takes its own.
  std::uint64_t max_rate_bytes = 0;
  LuksVersion type = LuksVersion::kLuks2;
  std::optional<std::string> key_file;  // "-" for stdin; none: the terminal
  // Keys nobody types (live, LUKS2): no passphrase is asked. Keyslot 0 opens
  // with a new recovery key (systemd-cryptenroll's format), written to
  // `recovery_key_file` (a new file, mode 0600) before the disk is written;
  // a second keyslot opens by the TPM 2.0 `tpm2_device` ("auto" or its
  // device), sealed to `tpm2_pcrs` (systemd-cryptenroll's list; "" for
  // none), as the systemd-tpm2 token that systemd-cryptsetup, dracut and
  // cryptsetup read. The crypttab line gets tpm2-device=auto. Refused,
  // before anything is written, with key_file set, without a TPM, or when
  // the PV holds / or /usr and the initramfs cannot unlock by TPM.
  std::string tpm2_device;  // "": no TPM
  std::string tpm2_pcrs = "7";
  std::string recovery_key_file;
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
  ProcessPolicy process;  // memory locking and signal deferral, see above
};

// An option the chosen function does not use is refused (kRefused, nothing
// written; the message names the option and what to do), never silently
// ignored: convert_live refuses `offline` set, `partition`, `guest_config`
// and `sparse`; convert_offline refuses `offline` unset, `force`,
// `update_crypttab`, a `crypttab_path` other than the default and the TPM2
// options; resume_conversion (which runs the offline resume when `offline`
// is set) refuses `partition` and `guest_config` when live, `activate_only`
// with `max_rate_bytes`, `activate_only`, `token_only`, `update_crypttab` and
// `crypttab_path` when offline, and `token_only` beside `key_file` or
// `disable_external_tokens`. The process policy's fields are permissions,
// not requests: lock_memory is refused by no run (an offline run has no use
// for it and locks nothing), but the live runs that suspend devices refuse
// to run without it.

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
  // stopped between chunks: a deferred signal (ProcessPolicy) or the
  // progress callback's kStop asked; `resume` finishes the job
  kStopped,
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

// What a progress callback answers. kStop asks the run to stop at its next
// commit point (after the chunk it reported, before the next one is
// copied), as a non-zero return from libcryptsetup's progress callback
// does: the run ends with ConvertStatus::kStopped, the journal records how
// far it got, and resume_conversion finishes it. After the last chunk
// there is no next one: the run finishes.
enum class ProgressReply { kContinue, kStop };

// The progress callback: called from the thread that called the run, after
// each chunk is committed to the journal ("move") and once the LUKS header
// is written ("header", the last call; its reply is not asked). It may
// return ProgressReply, or nothing (void: always kContinue), so callbacks
// written before it could stop the run still compile. Empty: no callback.
class ProgressFn {
 public:
  ProgressFn() = default;
  ProgressFn(std::nullptr_t) {}  // NOLINT: no callback, as for std::function
  template <typename F>
    requires(!std::same_as<std::remove_cvref_t<F>, ProgressFn> &&
             std::invocable<F&, const Progress&>)
  ProgressFn(F callback) {  // NOLINT: any callable converts, as for std::function
    using Reply = std::invoke_result_t<F&, const Progress&>;
    static_assert(std::is_void_v<Reply> || std::is_same_v<Reply, ProgressReply>,
                  "a progress callback returns void or pv2luks::ProgressReply");
    if constexpr (std::is_void_v<Reply>) {
      call_ = [callback](const Progress& progress) mutable {
        callback(progress);
        return ProgressReply::kContinue;
      };
    } else {
      call_ = std::move(callback);
    }
  }
  // The callback's reply; kContinue when there is none.
  ProgressReply operator()(const Progress& progress) const {
    return call_ ? call_(progress) : ProgressReply::kContinue;
  }
  explicit operator bool() const { return static_cast<bool>(call_); }

 private:
  std::function<ProgressReply(const Progress&)> call_;
};

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
  bool offline = false;         // the offline resume (of convert_offline's journal)
  std::uint32_t partition = 0;  // as in ConvertOptions
  std::optional<std::string> key_file;  // "-" for stdin; none: the terminal
  // Without key_file, a staged header with a systemd-tpm2 token (convert's
  // --tpm2-device) is opened by the TPM first, and the passphrase is asked
  // only when that fails. token_only: never ask; kRefused when the TPM does
  // not open it (a boot with nobody at the console). Live only.
  bool token_only = false;
  // Never try the token, as cryptsetup's --disable-external-tokens (the
  // systemd-tpm2 token is an external one): the passphrase or recovery key
  // is asked straight away. For a prompt after a token that already failed
  // (the initramfs hook's).
  bool disable_external_tokens = false;
  // Only set up the dm devices in the journal's state (so the VG can be
  // activated), without moving anything.
  bool activate_only = false;
  bool guest_config = false;  // offline: as in ConvertOptions, once the move is finished
  // Live: as in ConvertOptions, once the move is finished (a power cut
  // during convert leaves the crypttab to resume).
  bool update_crypttab = false;
  std::string crypttab_path = "/etc/crypttab";
  std::uint64_t max_rate_bytes = 0;  // as in ConvertOptions
  std::function<bool(const std::string& summary)> confirm;  // as in ConvertOptions
  ProcessPolicy process;  // as in ConvertOptions
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

// What convert_live or convert_offline (as options.offline says) and
// resume_conversion refuse before anything else (see "An option the chosen
// function does not use" above), for a front end to report first, as a
// usage error: "" or the first option the run would refuse, named as the
// CLI names it, and what to do instead. Pure.
std::string unused_option(const ConvertOptions& options);
std::string unused_option(const ResumeOptions& options);

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
  // As in ConvertOptions: flatten_vg and unflatten_vg suspend each LV they
  // swap, so they are refused without lock_memory; with defer_signals the
  // swaps finish before a signal is delivered.
  ProcessPolicy process;
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
