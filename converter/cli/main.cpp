// pv2luks: the command-line front end. Each action is parse -> one library
// call -> report. The conversion actions arrive with later work; until then
// the CLI answers --help and --version and refuses everything else clearly.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "pv2luks/pv2luks.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

void print_help(std::FILE* out) {
  std::fprintf(out,
               "Usage: pv2luks ACTION [OPTIONS]\n"
               "\n"
               "Convert an LVM physical volume into LVM-on-LUKS in place: the PV's data\n"
               "moves toward the end of its partition by the LUKS header size and is\n"
               "encrypted on the way; the LUKS header lands at the front.\n"
               "\n"
               "Actions:\n"
               "  convert DEVICE   convert a PV (not available in this version)\n"
               "\n"
               "Options:\n"
               "  -h, --help       show this help and exit\n"
               "  -V, --version    show the version and exit\n"
               "\n"
               "Exit codes: 0 success, 1 failure, 2 bad usage.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help(stderr);
    return kExitUsage;
  }
  const std::string_view arg = argv[1];
  if (arg == "-h" || arg == "--help") {
    print_help(stdout);
    return kExitOk;
  }
  if (arg == "-V" || arg == "--version") {
    std::printf("pv2luks %.*s\n", static_cast<int>(pv2luks::version().size()),
                pv2luks::version().data());
    return kExitOk;
  }
  std::fprintf(stderr,
               "pv2luks: unknown action '%s': this version has no conversion actions yet; "
               "see 'pv2luks --help'\n",
               argv[1]);
  return kExitUsage;
}
