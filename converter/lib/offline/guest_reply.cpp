#include "offline/guest_reply.h"

#include <array>

#include "base/error.h"

namespace pv2luks {

namespace {

constexpr char kWhat[] = "pv2luks-guest-config's reply";
constexpr char kHex[] = "0123456789abcdef";
constexpr std::array<std::string_view, 8> kFactTags = {
    "root",           "distro",         "product",        "os-release",
    "update-initramfs", "cryptroot-hook", "initramfs-tool", "dracut-crypt"};
constexpr std::array<InitramfsTool, 3> kTools = {InitramfsTool::InitramfsTools,
                                                 InitramfsTool::Dracut, InitramfsTool::Unknown};

// Where the reply is: a say record may come first, then one kind of the rest.
enum class Part { kSay, kFacts, kDone, kError };

bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

[[noreturn]] void line_fail(std::size_t line, std::string_view why) {
  Fail() << kWhat << ", line " << line << ": " << why;
}

// TEXT without its escapes; only the escapes the writer makes are taken.
std::string unescape(std::string_view text, std::size_t line) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      i += 1;
      continue;
    }
    const int high = i + 3 < text.size() && text[i + 1] == 'x' ? hex_digit(text[i + 2]) : -1;
    const int low = high >= 0 ? hex_digit(text[i + 3]) : -1;
    if (low < 0 || !control(static_cast<unsigned char>(high * 16 + low))) {
      line_fail(line, "a backslash that is not \"\\\\\" or \"\\x\" and the hex of a "
                      "control byte");
    }
    out += static_cast<char>(high * 16 + low);
    i += 3;
  }
  return out;
}

bool yes_no(const std::string& text, std::string_view tag, std::size_t line) {
  if (text == "yes") return true;
  if (text == "no") return false;
  line_fail(line, std::string(tag) + " is neither yes nor no");
}

InitramfsTool tool_named(const std::string& text, std::size_t line) {
  for (const InitramfsTool tool : kTools) {
    if (text == initramfs_tool_name(tool)) return tool;
  }
  line_fail(line, "initramfs-tool is none of initramfs-tools, dracut, unknown");
}

void set_fact(GuestFacts& facts, std::size_t index, std::string text, std::size_t line) {
  switch (index) {
    case 0: facts.root = std::move(text); break;
    case 1: facts.distro = std::move(text); break;
    case 2: facts.product = std::move(text); break;
    case 3: facts.os_release = std::move(text); break;
    case 4: facts.has_update_initramfs = yes_no(text, kFactTags[index], line); break;
    case 5: facts.has_cryptroot_hook = yes_no(text, kFactTags[index], line); break;
    case 6: facts.initramfs_tool = tool_named(text, line); break;
    default: facts.has_dracut_crypt = yes_no(text, kFactTags[index], line); break;
  }
}

std::size_t fact_index(std::string_view tag) {
  for (std::size_t i = 0; i < kFactTags.size(); ++i) {
    if (kFactTags[i] == tag) return i;
  }
  return kFactTags.size();
}

}  // namespace

GuestReply parse_guest_reply(std::string_view bytes) {
  if (bytes.size() > kMaxGuestReplyBytes) {
    Fail() << kWhat << " is longer than " << kMaxGuestReplyBytes << " bytes";
  }
  if (!bytes.empty() && bytes.back() != '\n') {
    Fail() << kWhat << " is cut short: its last line has no newline";
  }
  GuestReply reply;
  GuestFacts facts;
  std::size_t facts_seen = 0;
  Part part = Part::kSay;
  for (std::size_t line = 1; !bytes.empty(); ++line) {
    const std::string_view record = bytes.substr(0, bytes.find('\n'));
    bytes.remove_prefix(record.size() + 1);
    for (const char c : record) {
      if (control(static_cast<unsigned char>(c))) line_fail(line, "a control byte");
    }
    const std::size_t space = record.find(' ');
    if (space == std::string_view::npos) line_fail(line, "no space after the tag");
    const std::string_view tag = record.substr(0, space);
    std::string text = unescape(record.substr(space + 1), line);
    if (part == Part::kError) line_fail(line, "a record after the error");
    if (tag == "say") {
      if (part != Part::kSay) line_fail(line, "a say record after the others");
      reply.messages.push_back(std::move(text));
    } else if (tag == "error") {
      if (part != Part::kSay) line_fail(line, "an error record after the others");
      reply.error = std::move(text);
      part = Part::kError;
    } else if (tag == "done") {
      if (part != Part::kSay && part != Part::kDone) line_fail(line, "a done record after facts");
      reply.done.push_back(std::move(text));
      part = Part::kDone;
    } else if (const std::size_t index = fact_index(tag); index < kFactTags.size()) {
      if (part != Part::kSay && part != Part::kFacts) line_fail(line, "a fact after done records");
      if (index != facts_seen) {
        line_fail(line, "the fact " + std::string(tag) + " out of its place (expected " +
                            std::string(facts_seen < kFactTags.size() ? kFactTags[facts_seen]
                                                                      : "no more") +
                            ")");
      }
      set_fact(facts, index, std::move(text), line);
      ++facts_seen;
      part = Part::kFacts;
    } else {
      line_fail(line, "an unknown tag");
    }
  }
  if (part == Part::kFacts) {
    if (facts_seen != kFactTags.size()) {
      Fail() << kWhat << " ends after " << facts_seen << " of the " << kFactTags.size()
             << " facts (" << kFactTags[facts_seen] << " is missing)";
    }
    reply.facts = std::move(facts);
  }
  return reply;
}

std::string guest_reply_record(std::string_view tag, std::string_view text) {
  std::string out(tag);
  out += ' ';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (control(byte)) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '\n';
  return out;
}

std::string guest_facts_records(const GuestFacts& facts) {
  return guest_reply_record(kFactTags[0], facts.root) +
         guest_reply_record(kFactTags[1], facts.distro) +
         guest_reply_record(kFactTags[2], facts.product) +
         guest_reply_record(kFactTags[3], facts.os_release) +
         guest_reply_record(kFactTags[4], facts.has_update_initramfs ? "yes" : "no") +
         guest_reply_record(kFactTags[5], facts.has_cryptroot_hook ? "yes" : "no") +
         guest_reply_record(kFactTags[6], initramfs_tool_name(facts.initramfs_tool)) +
         guest_reply_record(kFactTags[7], facts.has_dracut_crypt ? "yes" : "no");
}

}  // namespace pv2luks
