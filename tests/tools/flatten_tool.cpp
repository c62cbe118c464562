// flatten-tool read|flatten|unflatten CRYPT_NAME
// Drives libpv2luks flatten/flatten_live.h in the lab guest until the CLI has
// `pv2luks flatten`: `read` prints the stack's tables (keys redacted by the
// kernel's keyring references), `flatten` reads the passphrase from standard
// input. Exit 1 and the error on stderr on failure.
#include <unistd.h>

#include <iostream>
#include <string>

#include "base/error.h"
#include "flatten/flatten_live.h"
#include "luks/passphrase.h"

namespace {

void print_stack(const pv2luks::LiveStack& stack) {
  std::cout << "crypt " << stack.crypt.name << " " << stack.crypt.device_number << " on "
            << stack.luks_device << "\n";
  for (const pv2luks::LvLayer& lv : stack.lvs) {
    for (const auto& target : lv.table) {
      std::cout << "lv " << lv.name << " " << target.start_sectors << " " << target.length_sectors
                << " " << target.type << "\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: flatten-tool read|flatten|unflatten CRYPT_NAME\n";
    return 2;
  }
  const std::string action = argv[1];
  try {
    const pv2luks::LiveStack stack = pv2luks::read_live_stack(argv[2]);
    if (action == "read") {
      print_stack(stack);
    } else if (action == "flatten") {
      const pv2luks::SecureBuffer passphrase = pv2luks::read_key_stream(STDIN_FILENO, "stdin");
      for (const std::string& lv : pv2luks::flatten_stack(stack, passphrase)) {
        std::cout << "flattened " << lv << "\n";
      }
    } else if (action == "unflatten") {
      for (const std::string& lv : pv2luks::unflatten_stack(stack)) {
        std::cout << "unflattened " << lv << "\n";
      }
    } else {
      std::cerr << "flatten-tool: unknown action " << action << "\n";
      return 2;
    }
  } catch (const pv2luks::Error& e) {
    std::cerr << "flatten-tool: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
