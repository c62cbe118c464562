// A value in QEMU's option syntax (--blockdev, --image-opts): a comma ends a
// value, a doubled comma is a literal one. Naming a file this way, never as
// a bare file name, keeps QEMU from reading "json:", "nbd:" or other
// protocol prefixes in it.
#pragma once

#include <string>

namespace pv2luks {

inline std::string qemu_option_value(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    escaped += c;
    if (c == ',') escaped += ',';
  }
  return escaped;
}

}  // namespace pv2luks
