#include "lab/bzimage.h"

#include <fstream>
#include <vector>

namespace harness {

namespace {

std::uint16_t le16(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return static_cast<std::uint16_t>(bytes[offset] | bytes[offset + 1] << 8);
}

}  // namespace

std::optional<std::string> bzimage_release(std::span<const std::uint8_t> head, std::string& why) {
  constexpr std::size_t kSetupSects = 0x1F1;
  constexpr std::size_t kBootFlag = 0x1FE;
  constexpr std::size_t kHeader = 0x202;
  constexpr std::size_t kProtocol = 0x206;
  constexpr std::size_t kKernelVersion = 0x20E;
  if (head.size() < kKernelVersion + 2) {
    why = "too short for a bzImage (" + std::to_string(head.size()) + " bytes)";
    return std::nullopt;
  }
  if (le16(head, kBootFlag) != 0xAA55 ||
      std::string(head.begin() + kHeader, head.begin() + kHeader + 4) != "HdrS") {
    why = "no bzImage setup header (boot flag 0xAA55 at 0x1FE, \"HdrS\" at 0x202)";
    return std::nullopt;
  }
  if (le16(head, kProtocol) < 0x0200) {
    why = "boot protocol older than 2.00: no kernel_version field";
    return std::nullopt;
  }
  const std::size_t pointer = le16(head, kKernelVersion);
  if (pointer == 0) {
    why = "the setup header's kernel_version field is 0";
    return std::nullopt;
  }
  // The string lies in the setup sectors: (setup_sects + 1) * 512 bytes, where 0 means 4.
  const std::size_t setup_sects = head[kSetupSects] == 0 ? 4 : head[kSetupSects];
  const std::size_t setup_end = std::min((setup_sects + 1) * 512, head.size());
  const std::size_t start = pointer + 0x200;
  std::string text;
  for (std::size_t at = start; at < setup_end && head[at] != 0; ++at) {
    const char c = static_cast<char>(head[at]);
    if (c < 0x20 || c > 0x7E) {
      why = "the kernel version string holds a byte that is not printable";
      return std::nullopt;
    }
    text += c;
  }
  const std::size_t end = text.find(' ');
  const std::string release = text.substr(0, end);
  if (release.empty() || start + text.size() >= setup_end) {
    why = "no NUL-terminated kernel version string at the kernel_version offset";
    return std::nullopt;
  }
  return release;
}

std::optional<std::string> bzimage_file_release(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot open it";
    return std::nullopt;
  }
  std::vector<std::uint8_t> head(kBzImageHeadBytes);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return bzimage_release(head, why);
}

}  // namespace harness
