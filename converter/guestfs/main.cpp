// pv2luks-guest-config: the work of 'pv2luks convert --offline IMAGE
// --guest-config' that needs libguestfs, in an executable of its own (and a
// package of its own), so that pv2luks, its package and the initramfs that
// carries it link no libguestfs. pv2luks runs it (offline/guest_config.h);
// it is not meant to be run by hand:
//
//   pv2luks-guest-config probe --format raw|qcow2|block --image IMAGE
//   pv2luks-guest-config configure --format raw|qcow2|block --image IMAGE
//                                  --luks-uuid UUID
//
// configure reads the passphrase from standard input, all of it to end of
// file, into locked memory (never from argv or the environment). The reply
// goes to standard output (offline/guest_reply.h). Exit 0: done; 1: failed
// (the reply's error record says why); 2: bad usage (on standard error).
// Hardened as pv2luks is (cli/hardening.h): no core dumps, OpenSSL's memory
// locked.
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "guest_inside.h"
#include "hardening.h"
#include "luks/passphrase.h"
#include "offline/guest_reply.h"
#include "offline/guest_rules.h"

namespace {

using namespace pv2luks;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct HelperArgs {
  std::string mode;  // probe, configure
  ImageFormat format = ImageFormat::raw;
  std::string image;
  std::string luks_uuid;
};

// "" or what is wrong with the command line.
std::string parse_args(const std::vector<std::string>& words, HelperArgs& args) {
  if (words.empty() || (words[0] != "probe" && words[0] != "configure")) {
    return "the first word is probe or configure";
  }
  args.mode = words[0];
  std::map<std::string, std::string> values;
  for (std::size_t i = 1; i < words.size(); i += 2) {
    const std::string& option = words[i];
    const bool known = option == "--format" || option == "--image" ||
                       (option == "--luks-uuid" && args.mode == "configure");
    if (!known) return "unknown option '" + option + "'";
    if (i + 1 >= words.size()) return option + " needs a value";
    if (!values.emplace(option, words[i + 1]).second) return option + " is given twice";
  }
  const std::map<std::string, ImageFormat> formats = {
      {"raw", ImageFormat::raw}, {"qcow2", ImageFormat::qcow2}, {"block", ImageFormat::block}};
  const auto format = formats.find(values["--format"]);
  if (format == formats.end()) return "--format takes raw, qcow2 or block";
  args.format = format->second;
  args.image = values["--image"];
  if (args.image.empty()) return "--image IMAGE is needed";
  args.luks_uuid = values["--luks-uuid"];
  if (args.mode == "configure" && args.luks_uuid.empty()) return "--luks-uuid UUID is needed";
  return "";
}

void put(const std::string& records) {
  std::fwrite(records.data(), 1, records.size(), stdout);
  std::fflush(stdout);
}

void say(const std::string& line) { put(guest_reply_record("say", line)); }

void run(const HelperArgs& args) {
  if (args.mode == "probe") {
    put(guest_facts_records(probe_inside(args.image, args.format)));
    return;
  }
  const SecureBuffer key =
      passphrase_c_string(read_key_stream(0, "pv2luks-guest-config's standard input"));
  const std::vector<std::string> done =
      configure_inside(args.image, args.format, args.luks_uuid, key, say);
  for (const std::string& line : done) put(guest_reply_record("done", line));
}

}  // namespace

int main(int argc, char** argv) {
  if (const std::string problem = cli::harden(); !problem.empty()) {
    put(guest_reply_record("error", "pv2luks-guest-config cannot keep keys out of core dumps "
                                    "and swap: " + problem));
    return kExitFailed;
  }
  HelperArgs args;
  if (const std::string problem = parse_args({argv + 1, argv + argc}, args); !problem.empty()) {
    std::fprintf(stderr,
                 "pv2luks-guest-config: %s (it is run by 'pv2luks convert --offline IMAGE "
                 "--guest-config', not by hand)\n",
                 problem.c_str());
    return kExitUsage;
  }
  try {
    run(args);
    return kExitOk;
  } catch (const std::exception& e) {
    put(guest_reply_record("error", e.what()));
    return kExitFailed;
  }
}
