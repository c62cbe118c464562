#include "flatten/layer_parse.h"

#include <stdexcept>

#include "base/words.h"

namespace pv2luks {
namespace {

std::optional<std::uint64_t> number_of(const std::string& word) {
  if (word.empty() || word.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  try {
    return std::stoull(word);
  } catch (const std::out_of_range&) {
    return std::nullopt;
  }
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The optional parameters after the offset: "<count> <word>...". Fills the
// spec's sector size, iv_large_sectors and other flags; "" or a problem.
std::string read_crypt_options(const std::vector<std::string>& words, std::size_t at,
                               CryptSpec& spec) {
  if (at == words.size()) return "";
  const auto count = number_of(words[at]);
  if (!count || *count != words.size() - at - 1) return "malformed optional parameters";
  for (std::size_t i = at + 1; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (starts_with(word, "integrity:")) {
      return "it is integrity-protected (" + word + "): authenticated encryption is not flattened";
    }
    if (starts_with(word, "sector_size:")) {
      const auto bytes = number_of(word.substr(word.find(':') + 1));
      if (!bytes) return "malformed " + word;
      spec.sector_bytes = *bytes;
    } else if (word == "iv_large_sectors") {
      spec.iv_large_sectors = true;
    } else {
      spec.flags.push_back(word);
    }
  }
  return "";
}

}  // namespace

std::optional<CryptLayerTarget> parse_crypt_target(const dm::KernelTarget& target,
                                                   std::string& problem) {
  if (target.type != "crypt") {
    problem = "a " + target.type + " target, not crypt";
    return std::nullopt;
  }
  // <cipher> <key> <iv_offset> <device> <offset> [<#opts> <opt>...]
  const std::vector<std::string> words = words_of(target.params);
  const auto iv_offset = words.size() >= 5 ? number_of(words[2]) : std::nullopt;
  const auto offset = words.size() >= 5 ? number_of(words[4]) : std::nullopt;
  if (!iv_offset || !offset) {
    problem = "malformed crypt parameters";
    return std::nullopt;
  }
  CryptLayerTarget crypt;
  crypt.start_sectors = target.start_sectors;
  crypt.length_sectors = target.length_sectors;
  crypt.spec.cipher = words[0];
  crypt.iv_offset_sectors = *iv_offset;
  crypt.device = words[3];
  crypt.offset_sectors = *offset;
  if (crypt.spec.cipher.find("authenc") != std::string::npos ||
      crypt.spec.cipher.find("-random") != std::string::npos) {
    problem = "its cipher " + crypt.spec.cipher +
              " is authenticated encryption, which is not flattened";
    return std::nullopt;
  }
  problem = read_crypt_options(words, 5, crypt.spec);
  if (!problem.empty()) return std::nullopt;
  return crypt;
}

std::optional<LinearLayerTarget> parse_linear_target(const dm::KernelTarget& target,
                                                     std::string& problem) {
  if (target.type != "linear") {
    problem = "a " + target.type + " segment: only linear LVs are flattened";
    return std::nullopt;
  }
  const std::vector<std::string> words = words_of(target.params);
  const auto offset = words.size() == 2 ? number_of(words[1]) : std::nullopt;
  if (!offset) {
    problem = "malformed linear parameters";
    return std::nullopt;
  }
  return LinearLayerTarget{target.start_sectors, target.length_sectors, words[0], *offset};
}

std::string vg_of_dm_name(const std::string& dm_name) {
  std::string vg;
  for (std::size_t i = 0; i < dm_name.size(); ++i) {
    if (dm_name[i] != '-') {
      vg += dm_name[i];
    } else if (i + 1 < dm_name.size() && dm_name[i + 1] == '-') {
      vg += '-';
      ++i;
    } else {
      return vg;
    }
  }
  return "";
}

}  // namespace pv2luks
