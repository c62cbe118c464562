#include "dm/dm_table.h"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

namespace pv2luks {
namespace {

constexpr std::uint64_t kMaxCryptSectorBytes = 4096;  // dm-crypt's sector_size limit

// Joins `parts` with `separator` into a string allocated once, so no partial
// copy of a key is left in freed memory, and wipes the parts.
std::string join_and_wipe(std::vector<std::string>& parts, std::string_view separator) {
  std::size_t size_bytes = 0;
  for (const std::string& part : parts) size_bytes += part.size() + separator.size();
  std::string joined;
  joined.reserve(size_bytes);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
    wipe_string(parts[i]);
  }
  return joined;
}

bool is_word(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return false;
  }
  return true;
}

std::string crypt_features(const CryptSpec& spec) {
  std::vector<std::string> words = spec.flags;
  if (spec.sector_bytes != kSectorBytes) {
    words.push_back("sector_size:" + std::to_string(spec.sector_bytes));
  }
  if (spec.iv_large_sectors) words.push_back("iv_large_sectors");
  if (words.empty()) return "";
  words.insert(words.begin(), std::to_string(words.size()));
  return join_and_wipe(words, " ");
}

std::string linear_params_text(const LinearParams& linear) {
  return linear.device + " " + std::to_string(linear.offset_sectors);
}

std::string crypt_params_text(const CryptParams& crypt, ShowKeys show) {
  std::vector<std::string> words;
  words.reserve(6);
  words.push_back(crypt.spec.cipher);
  words.push_back(crypt.spec.key.text(show));
  words.push_back(std::to_string(crypt.iv_offset_sectors));
  words.push_back(crypt.device);
  words.push_back(std::to_string(crypt.offset_sectors));
  std::string features = crypt_features(crypt.spec);
  if (!features.empty()) words.push_back(std::move(features));
  return join_and_wipe(words, " ");
}

std::string mirror_params_text(const MirrorParams& mirror) {
  std::string text = "core ";
  text += mirror.sync == MirrorSync::nosync ? "2 " : "1 ";
  text += std::to_string(mirror.region_sectors);
  if (mirror.sync == MirrorSync::nosync) text += " nosync";
  text += " " + std::to_string(mirror.legs.size());
  for (const MirrorLeg& leg : mirror.legs) {
    text += " " + leg.device + " " + std::to_string(leg.offset_sectors);
  }
  return text;
}

// "target 2 (crypt, sectors 100+50)": how problems name a target.
std::string target_name(std::size_t index, const DmTarget& target) {
  return "target " + std::to_string(index) + " (" + std::string(target.type()) + ", sectors " +
         std::to_string(target.start_sectors) + "+" + std::to_string(target.length_sectors) + ")";
}

void check_multiple(std::vector<std::string>& problems, const std::string& name,
                    std::string_view what, std::uint64_t value_sectors, const CryptSpec& spec) {
  const std::uint64_t unit_sectors = spec.sector_bytes / kSectorBytes;
  if (value_sectors % unit_sectors != 0) {
    problems.push_back(name + ": " + std::string(what) + " " + std::to_string(value_sectors) +
                       " is not a multiple of its " + std::to_string(spec.sector_bytes) +
                       "-byte encryption sector (" + std::to_string(unit_sectors) + " sectors)");
  }
}

void check_key(std::vector<std::string>& problems, const std::string& name, const KeyRef& key) {
  if (key.empty()) {
    problems.push_back(name + ": has no key");
  } else if (key.key_size_bytes() == 0) {
    problems.push_back(name + ": key has 0 bytes");
  } else if (key.in_keyring() && !is_word(key.description())) {
    problems.push_back(name + ": keyring key description '" + key.description() +
                       "' is empty or has white space");
  }
}

void check_crypt(std::vector<std::string>& problems, const std::string& name,
                 const DmTarget& target, const CryptParams& crypt) {
  const CryptSpec& spec = crypt.spec;
  if (!is_word(spec.cipher)) {
    problems.push_back(name + ": cipher '" + spec.cipher + "' is empty or has white space");
  }
  if (!is_null_cipher(spec.cipher)) {
    check_key(problems, name, spec.key);
  } else if (!spec.key.empty()) {
    problems.push_back(name + ": " + spec.cipher + " takes no key, only '-'");
  }
  for (const std::string& flag : spec.flags) {
    if (!is_word(flag)) problems.push_back(name + ": option '" + flag + "' is empty or has white space");
  }
  if (!is_word(crypt.device)) {
    problems.push_back(name + ": device name '" + crypt.device + "' is empty or has white space");
  }
  if (!std::has_single_bit(spec.sector_bytes) || spec.sector_bytes < kSectorBytes ||
      spec.sector_bytes > kMaxCryptSectorBytes) {
    problems.push_back(name + ": encryption sector of " + std::to_string(spec.sector_bytes) +
                       " bytes is not a power of two from 512 to 4096");
    return;
  }
  check_multiple(problems, name, "start", target.start_sectors, spec);
  check_multiple(problems, name, "length", target.length_sectors, spec);
  check_multiple(problems, name, "device offset", crypt.offset_sectors, spec);
  if (spec.iv_large_sectors) check_multiple(problems, name, "IV offset", crypt.iv_offset_sectors, spec);
}

void check_mirror(std::vector<std::string>& problems, const std::string& name,
                  const DmTarget& target, const MirrorParams& mirror) {
  const std::uint64_t region_sectors = mirror.region_sectors;
  if (!std::has_single_bit(region_sectors) || region_sectors < kMinMirrorRegionSectors) {
    problems.push_back(name + ": region of " + std::to_string(region_sectors) +
                       " sectors is not a power of two of at least " +
                       std::to_string(kMinMirrorRegionSectors));
  } else if (region_sectors > target.length_sectors) {
    problems.push_back(name + ": region of " + std::to_string(region_sectors) +
                       " sectors is longer than the target");
  }
  if (mirror.legs.size() < 2) {
    problems.push_back(name + ": has " + std::to_string(mirror.legs.size()) +
                       " legs; a mirror needs at least 2");
  }
  for (std::size_t leg = 0; leg < mirror.legs.size(); ++leg) {
    if (!is_word(mirror.legs[leg].device)) {
      problems.push_back(name + ": leg " + std::to_string(leg) + " device name '" +
                         mirror.legs[leg].device + "' is empty or has white space");
    }
  }
}

}  // namespace

void wipe_string(std::string& text) {
  text.resize(text.capacity());  // within capacity: no reallocation, so no copy left behind
  explicit_bzero(text.data(), text.size());
  text.clear();
}

std::pair<std::size_t, std::size_t> crypt_key_field(std::string_view params) {
  const std::size_t space = params.find(' ');
  if (space == std::string_view::npos) return {0, 0};
  const std::size_t end = params.find(' ', space + 1);
  return {space + 1, (end == std::string_view::npos ? params.size() : end) - space - 1};
}

void redact_key_bytes(dm::KernelTarget& target) {
  if (target.type != "crypt") return;
  const auto [at, size] = crypt_key_field(target.params);
  if (size == 0 || target.params[at] == ':') return;
  std::string redacted = target.params.substr(0, at);
  redacted += kRedactedKey;
  redacted += std::string_view(target.params).substr(at + size);
  wipe_string(target.params);
  target.params = std::move(redacted);
}

bool is_null_cipher(std::string_view cipher) { return cipher.starts_with("cipher_null"); }

KeyRef KeyRef::keyring(std::uint64_t key_size_bytes, std::string description) {
  KeyRef key;
  key.kind_ = Kind::keyring;
  key.keyring_size_bytes_ = key_size_bytes;
  key.description_ = std::move(description);
  return key;
}

KeyRef KeyRef::bytes(std::shared_ptr<const SecureBuffer> bytes) {
  KeyRef key;
  key.kind_ = Kind::bytes;
  key.bytes_ = std::move(bytes);
  return key;
}

std::uint64_t KeyRef::key_size_bytes() const {
  switch (kind_) {
    case Kind::none: return 0;
    case Kind::keyring: return keyring_size_bytes_;
    case Kind::bytes: return bytes_ ? bytes_->size_bytes() : 0;
  }
  return 0;
}

std::string KeyRef::text(ShowKeys show) const {
  switch (kind_) {
    case Kind::none:
      return "-";  // dm-crypt's "no key"; validate() reports it, but for cipher_null
    case Kind::keyring:
      return ":" + std::to_string(keyring_size_bytes_) + ":logon:" + description_;
    case Kind::bytes:
      break;
  }
  if (show == ShowKeys::no) return std::string(kRedactedKey);
  if (!bytes_) return "";
  constexpr char kHexDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * key_size_bytes());  // one allocation: no partial copies left behind
  for (std::uint8_t byte : bytes_->bytes()) {
    hex += kHexDigits[byte >> 4];
    hex += kHexDigits[byte & 0x0f];
  }
  return hex;
}

bool KeyRef::operator==(const KeyRef& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::none: return true;
    case Kind::keyring:
      return keyring_size_bytes_ == other.keyring_size_bytes_ && description_ == other.description_;
    case Kind::bytes:
      if (!bytes_ || !other.bytes_) return bytes_ == other.bytes_;
      return std::ranges::equal(bytes_->bytes(), other.bytes_->bytes());
  }
  return false;
}

std::string_view DmTarget::type() const {
  if (std::holds_alternative<LinearParams>(params)) return "linear";
  if (std::holds_alternative<CryptParams>(params)) return "crypt";
  return "mirror";
}

std::string DmTarget::params_text(ShowKeys show) const {
  if (const auto* linear = std::get_if<LinearParams>(&params)) return linear_params_text(*linear);
  if (const auto* crypt = std::get_if<CryptParams>(&params)) return crypt_params_text(*crypt, show);
  return mirror_params_text(std::get<MirrorParams>(params));
}

DmTarget linear_target(std::uint64_t start_sectors, std::uint64_t length_sectors,
                       std::string device, std::uint64_t device_offset_sectors) {
  return {start_sectors, length_sectors, LinearParams{std::move(device), device_offset_sectors}};
}

DmTarget crypt_target(std::uint64_t start_sectors, std::uint64_t length_sectors,
                      CryptSpec spec, std::uint64_t iv_offset_sectors, std::string device,
                      std::uint64_t device_offset_sectors) {
  return {start_sectors, length_sectors,
          CryptParams{std::move(spec), iv_offset_sectors, std::move(device), device_offset_sectors}};
}

DmTarget mirror_target(std::uint64_t start_sectors, std::uint64_t length_sectors,
                       std::uint64_t region_sectors, std::vector<MirrorLeg> legs,
                       MirrorSync sync) {
  return {start_sectors, length_sectors, MirrorParams{region_sectors, sync, std::move(legs)}};
}

std::uint64_t DmTable::total_sectors() const {
  return targets.empty() ? 0 : targets.back().end_sectors();
}

std::vector<std::string> DmTable::validate() const {
  std::vector<std::string> problems;
  if (targets.empty()) problems.push_back("the table has no targets");
  std::uint64_t expected_start_sectors = 0;  // where the previous target ended
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const DmTarget& target = targets[i];
    const std::string name = target_name(i, target);
    if (target.length_sectors == 0) problems.push_back(name + ": is empty");
    if (target.start_sectors > expected_start_sectors) {
      problems.push_back(name + ": gap of " +
                         std::to_string(target.start_sectors - expected_start_sectors) +
                         " sectors before it");
    } else if (target.start_sectors < expected_start_sectors) {
      problems.push_back(name + ": overlaps " +
                         std::to_string(expected_start_sectors - target.start_sectors) +
                         " sectors of the targets before it");
    }
    if (target.length_sectors > std::numeric_limits<std::uint64_t>::max() - target.start_sectors) {
      problems.push_back(name + ": ends beyond the largest sector number");
      break;
    }
    expected_start_sectors = std::max(expected_start_sectors, target.end_sectors());
    if (const auto* linear = std::get_if<LinearParams>(&target.params)) {
      if (!is_word(linear->device)) {
        problems.push_back(name + ": device name '" + linear->device +
                           "' is empty or has white space");
      }
    } else if (const auto* crypt = std::get_if<CryptParams>(&target.params)) {
      check_crypt(problems, name, target, *crypt);
    } else {
      check_mirror(problems, name, target, std::get<MirrorParams>(target.params));
    }
  }
  return problems;
}

KernelTable::~KernelTable() {
  for (dm::KernelTarget& target : targets_) wipe_string(target.params);
}

KernelTable to_kernel(const DmTable& table) {
  std::vector<dm::KernelTarget> targets;
  targets.reserve(table.targets.size());
  for (const DmTarget& target : table.targets) {
    targets.push_back({target.start_sectors, target.length_sectors, std::string(target.type()),
                       target.params_text(ShowKeys::yes)});
  }
  return KernelTable(std::move(targets));
}

std::string DmTable::to_text(ShowKeys show) const {
  std::vector<std::string> parts;
  parts.reserve(3 * targets.size());
  for (const DmTarget& target : targets) {
    parts.push_back(std::to_string(target.start_sectors) + " " +
                    std::to_string(target.length_sectors) + " " + std::string(target.type()) + " ");
    parts.push_back(target.params_text(show));
    parts.push_back("\n");
  }
  return join_and_wipe(parts, "");
}

}  // namespace pv2luks
