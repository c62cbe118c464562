// A device-mapper table as a value: a list of targets built by small
// factories, checked by validate(), and turned into text in one place per
// target type. Pure: no I/O. to_kernel() makes what dm/dm_device.h loads.
//
// Keys. A crypt target's key field is either
//   - a kernel keyring reference ":<key_size_bytes>:logon:<description>"
//     (preferred: not secret, and `dmsetup table` then never shows key bytes), or
//   - the key bytes, which the kernel reads as hex.
// THE RULE: key bytes become text in exactly one function, KeyRef::text(), and
// only when it is called with ShowKeys::yes. ShowKeys::yes is for the text that
// goes to the kernel and nothing else: to_kernel() below, whose KernelTable wipes
// it when it dies. Logs, --dry-run output, error messages and validate() use
// ShowKeys::no, which puts kRedactedKey where key bytes would be. Keyring
// references are not secret and are shown either way. The key bytes themselves
// stay in the caller's locked SecureBuffer; a KeyRef only shares it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dm/dm_device.h"
#include "base/secure_buffer.h"
#include "base/sector.h"

namespace pv2luks {

// dm mirror's smallest region: a page (4096 bytes on x86-64) in dm sectors.
inline constexpr std::uint64_t kMinMirrorRegionSectors = 8;

// What stands in for key bytes in any text that is not for the kernel. One
// word, so redacted table text splits into the same fields as the real one.
inline constexpr std::string_view kRedactedKey = "<key-redacted>";

enum class ShowKeys { no, yes };

// Overwrites all of a string's storage (its capacity, not only its size) and
// empties it. For text that held key bytes.
void wipe_string(std::string& text);

// The key field of crypt target parameters "<cipher> <key> ...": its first
// character and its length ({0, 0} when there is none).
std::pair<std::size_t, std::size_t> crypt_key_field(std::string_view params);

// A table read back from the kernel carries a crypt target's key bytes as hex:
// they become kRedactedKey, and the text that held them is wiped. Keyring
// references (":64:logon:...") are not secret and stay.
void redact_key_bytes(dm::KernelTarget& target);

// cryptsetup's cipher_null ("cipher_null-ecb"): no encryption, for tests and
// staging. dm-crypt takes no key for it, only "-" (an empty KeyRef).
bool is_null_cipher(std::string_view cipher);

// The key field of a crypt target. Copies share the key bytes.
class KeyRef {
 public:
  KeyRef() = default;  // no key ("-"): validate() reports it, but for cipher_null

  // A "logon" key in the kernel keyring, as cryptsetup loads volume keys.
  static KeyRef keyring(std::uint64_t key_size_bytes, std::string description);
  // The key bytes themselves, shared, not copied: they stay in locked memory.
  static KeyRef bytes(std::shared_ptr<const SecureBuffer> key);

  bool in_keyring() const { return kind_ == Kind::keyring; }
  bool empty() const { return kind_ == Kind::none; }
  std::uint64_t key_size_bytes() const;
  const std::string& description() const { return description_; }  // keyring only

  // The key field as dm-crypt reads it. The only place key bytes become text;
  // see THE RULE above.
  std::string text(ShowKeys show) const;

  bool operator==(const KeyRef& other) const;

 private:
  enum class Kind { none, keyring, bytes };
  Kind kind_ = Kind::none;
  std::uint64_t keyring_size_bytes_ = 0;
  std::string description_;
  std::shared_ptr<const SecureBuffer> bytes_;
};

// How a crypt target encrypts: what `cryptsetup open` would put in the table.
struct CryptSpec {
  std::string cipher = "aes-xts-plain64";  // dm-crypt cipher spec
  KeyRef key;
  // The encryption unit; "sector_size:<n>" when not 512. Target starts, lengths
  // and device offsets must be multiples of it.
  std::uint64_t sector_bytes = kSectorBytes;
  // IVs count sector_bytes units instead of 512-byte sectors ("iv_large_sectors").
  // The table's IV offset stays in 512-byte sectors either way.
  bool iv_large_sectors = false;
  // Other dm-crypt options, spelled as the kernel spells them ("allow_discards").
  std::vector<std::string> flags;

  bool operator==(const CryptSpec&) const = default;
};

struct LinearParams {
  std::string device;  // "/dev/vdb", "253:3"
  std::uint64_t offset_sectors = 0;
  bool operator==(const LinearParams&) const = default;
};

struct CryptParams {
  CryptSpec spec;
  std::uint64_t iv_offset_sectors = 0;  // IV of the target's first sector
  std::string device;
  std::uint64_t offset_sectors = 0;
  bool operator==(const CryptParams&) const = default;
};

struct MirrorLeg {
  std::string device;
  std::uint64_t offset_sectors = 0;
  bool operator==(const MirrorLeg&) const = default;
};

// resync: copy the first leg onto the others ("core 1 <region>").
// nosync: trust the legs already match ("core 2 <region> nosync"); never right
// for a leg that still has to be written.
enum class MirrorSync { resync, nosync };

// A mirror with an in-memory ("core") log. Its status counts regions, not
// sectors: see expected_mirror_regions() in plan/plan.h.
struct MirrorParams {
  std::uint64_t region_sectors = 0;
  MirrorSync sync = MirrorSync::resync;
  std::vector<MirrorLeg> legs;
  bool operator==(const MirrorParams&) const = default;
};

// One line of a table. The parameters are typed rather than one string so that
// a key never sits in a plain string and validate() reads fields, not text.
struct DmTarget {
  std::uint64_t start_sectors = 0;
  std::uint64_t length_sectors = 0;
  std::variant<LinearParams, CryptParams, MirrorParams> params;

  std::uint64_t end_sectors() const { return start_sectors + length_sectors; }
  // "linear", "crypt" or "mirror": the kernel's target type name.
  std::string_view type() const;
  // The parameter string the kernel parses (ShowKeys::yes) or a redacted copy.
  std::string params_text(ShowKeys show) const;

  bool operator==(const DmTarget&) const = default;
};

DmTarget linear_target(std::uint64_t start_sectors, std::uint64_t length_sectors,
                       std::string device, std::uint64_t device_offset_sectors);
DmTarget crypt_target(std::uint64_t start_sectors, std::uint64_t length_sectors,
                      CryptSpec spec, std::uint64_t iv_offset_sectors, std::string device,
                      std::uint64_t device_offset_sectors);
DmTarget mirror_target(std::uint64_t start_sectors, std::uint64_t length_sectors,
                       std::uint64_t region_sectors, std::vector<MirrorLeg> legs,
                       MirrorSync sync = MirrorSync::resync);

struct DmTable {
  std::vector<DmTarget> targets;

  // The size of the device the table makes: where its last target ends.
  std::uint64_t total_sectors() const;
  // What the kernel would refuse or we never mean to load: targets not
  // contiguous from 0, empty targets, bad mirror regions or legs, crypt targets
  // without a key or off their sector size, device names that would break the
  // text. Empty when the table is good. Never contains key bytes.
  std::vector<std::string> validate() const;
  // "start length type params" lines, each ending in '\n', as `dmsetup table`
  // prints them and `dmsetup load` reads them. For logs and --dry-run:
  // ShowKeys::no. (ShowKeys::yes gives text the caller must wipe_string(); the
  // kernel path is to_kernel().)
  std::string to_text(ShowKeys show) const;

  bool operator==(const DmTable&) const = default;
};

// A table formatted for the kernel, keys included (ShowKeys::yes): the one
// place table text with key bytes is meant to exist. Move-only; wipes every target's
// params when it dies, so hand it straight to dm::create()/dm::load():
//   dm::load(name, to_kernel(table).targets());
class KernelTable {
 public:
  explicit KernelTable(std::vector<dm::KernelTarget> targets) : targets_(std::move(targets)) {}
  ~KernelTable();
  KernelTable(KernelTable&&) = default;
  KernelTable& operator=(KernelTable&&) = delete;  // would drop unwiped text
  KernelTable(const KernelTable&) = delete;
  KernelTable& operator=(const KernelTable&) = delete;

  const std::vector<dm::KernelTarget>& targets() const { return targets_; }

 private:
  std::vector<dm::KernelTarget> targets_;
};

KernelTable to_kernel(const DmTable& table);

}  // namespace pv2luks
