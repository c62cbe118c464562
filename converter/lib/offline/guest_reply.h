// What pv2luks-guest-config (the --guest-config helper, which links
// libguestfs so that pv2luks itself does not) prints on its standard output,
// and pv2luks reads back: bytes from another process, so the reader is small
// and strict, and a plain function of a string.
//
// One record per line, "TAG TEXT\n", in this order: any number of
//   say TEXT               a progress line for the user ("guest: ...")
// then either the facts of a probe, all eight, in this order:
//   root TEXT              the guest root's device in the appliance
//   distro TEXT            libguestfs's name of the distribution
//   product TEXT           "Debian GNU/Linux 12 (bookworm)"
//   os-release TEXT        the guest's /etc/os-release ("" when missing)
//   update-initramfs yes|no
//   cryptroot-hook yes|no
//   initramfs-tool initramfs-tools|dracut|unknown
//   dracut-crypt yes|no
// or, of a configuration, one or more
//   done TEXT              a line saying what was done, or what was not
// or, when it failed,
//   error TEXT             the message (nothing after it).
// TEXT is any bytes: a backslash is written "\\", and a byte below 0x20 or
// 0x7f as "\xHH" (two lower-case hex digits), so a record is one line with
// no control byte in it. Anything else (an unknown tag, a missing space or
// final newline, another escape, a fact missing or out of its place, a say
// after the others, anything after an error, more than kMaxGuestReplyBytes)
// is an Error naming the line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "offline/guest_rules.h"

namespace pv2luks {

inline constexpr std::size_t kMaxGuestReplyBytes = 4 << 20;

struct GuestReply {
  std::vector<std::string> messages;  // the say records, in order
  std::optional<GuestFacts> facts;    // a probe's
  std::vector<std::string> done;      // a configuration's
  std::optional<std::string> error;   // the helper failed: its message
};

GuestReply parse_guest_reply(std::string_view bytes);

// The writer's side, for the helper: one record (with its newline), and the
// eight records of `facts`.
std::string guest_reply_record(std::string_view tag, std::string_view text);
std::string guest_facts_records(const GuestFacts& facts);

}  // namespace pv2luks
