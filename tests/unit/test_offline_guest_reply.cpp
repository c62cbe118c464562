// pv2luks-guest-config's reply (offline/guest_reply.h): what the writer makes
// reads back the same, any byte included; everything else is refused, naming
// the line.
#include <gtest/gtest.h>

#include <string>

#include "error_of.h"
#include "guest_facts_fixture.h"
#include "offline/guest_reply.h"

namespace pv2luks {
namespace {

GuestFacts debian() {
  GuestFacts facts = debian_guest();
  facts.has_cryptroot_hook = false;  // a fact that differs from the default
  return facts;
}

std::string refusal(const std::string& bytes) {
  return error_of([&] { parse_guest_reply(bytes); });
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(GuestReply, FactsReadBackAsWritten) {
  const std::string bytes = guest_reply_record("say", "guest: inspecting") +
                            guest_facts_records(debian());
  const GuestReply reply = parse_guest_reply(bytes);
  ASSERT_TRUE(reply.facts);
  EXPECT_EQ(reply.facts->root, "/dev/guestvg/root");
  EXPECT_EQ(reply.facts->distro, "debian");
  EXPECT_EQ(reply.facts->product, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(reply.facts->os_release, debian().os_release);
  EXPECT_TRUE(reply.facts->has_update_initramfs);
  EXPECT_FALSE(reply.facts->has_cryptroot_hook);
  EXPECT_EQ(reply.facts->initramfs_tool, InitramfsTool::InitramfsTools);
  EXPECT_FALSE(reply.facts->has_dracut_crypt);
  EXPECT_EQ(*reply.facts, debian());
  EXPECT_EQ(reply.messages, std::vector<std::string>{"guest: inspecting"});
  EXPECT_TRUE(reply.done.empty());
  EXPECT_FALSE(reply.error);
}

TEST(GuestReply, DracutFactsReadBackAsWritten) {
  for (const InitramfsTool tool :
       {InitramfsTool::Dracut, InitramfsTool::Unknown, InitramfsTool::InitramfsTools}) {
    GuestFacts facts = debian_dracut_guest();
    facts.initramfs_tool = tool;
    const std::string bytes = guest_facts_records(facts);
    EXPECT_TRUE(contains(bytes, std::string("\ninitramfs-tool ") + initramfs_tool_name(tool) +
                                    "\ndracut-crypt yes\n"))
        << bytes;
    const GuestReply reply = parse_guest_reply(bytes);
    ASSERT_TRUE(reply.facts);
    EXPECT_EQ(*reply.facts, facts);
  }
}

TEST(GuestReply, EveryByteSurvivesAndNoControlByteIsWritten) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  all += "\\x41\\\\";  // text that looks like escapes
  const std::string record = guest_reply_record("done", all);
  EXPECT_EQ(record.find('\n'), record.size() - 1);
  for (std::size_t i = 0; i + 1 < record.size(); ++i) {
    const auto c = static_cast<unsigned char>(record[i]);
    EXPECT_TRUE(c >= 0x20 && c != 0x7f) << i;
  }
  const GuestReply reply = parse_guest_reply(record);
  EXPECT_EQ(reply.done, std::vector<std::string>{all});
}

TEST(GuestReply, DoneLinesAndAnErrorRead) {
  const GuestReply done = parse_guest_reply(guest_reply_record("say", "a") +
                                            guest_reply_record("done", "one") +
                                            guest_reply_record("done", ""));
  EXPECT_EQ(done.done, (std::vector<std::string>{"one", ""}));
  const GuestReply failed =
      parse_guest_reply(guest_reply_record("say", "a") + guest_reply_record("error", "it broke"));
  EXPECT_EQ(failed.error, "it broke");
  EXPECT_TRUE(parse_guest_reply("").messages.empty());
}

TEST(GuestReply, MalformedRecordsAreRefusedNamingTheLine) {
  EXPECT_TRUE(contains(refusal("say a\nsay b"), "cut short")) << refusal("say a\nsay b");
  EXPECT_TRUE(contains(refusal("say a\nsay\n"), "line 2: no space after the tag"));
  EXPECT_TRUE(contains(refusal("shout a\n"), "line 1: an unknown tag"));
  EXPECT_TRUE(contains(refusal("say a\tb\n"), "line 1: a control byte"));
  EXPECT_TRUE(contains(refusal("say a\rb\n"), "line 1: a control byte"));
  EXPECT_TRUE(contains(refusal("say a\x7f\n"), "line 1: a control byte"));
  for (const char* escape : {"\\", "\\n", "\\x4", "\\x41", "\\x0A", "\\x5c", "\\xg0", "\\t"}) {
    EXPECT_TRUE(contains(refusal(std::string("say ") + escape + "\n"), "line 1: a backslash"))
        << escape;
  }
  EXPECT_EQ(refusal("say \\x0a\\x7f\\\\\n"), "");
}

TEST(GuestReply, FactsMustBeAllEightInOrder) {
  const std::string facts = guest_facts_records(debian());
  const std::size_t second = facts.find('\n') + 1;
  EXPECT_TRUE(contains(refusal(facts.substr(second)), "line 1: the fact distro out of its place"));
  EXPECT_TRUE(contains(refusal(facts.substr(0, second)), "ends after 1 of the 8 facts (distro"));
  EXPECT_TRUE(contains(refusal(facts + "root /dev/x\n"), "line 9: the fact root out of its place "
                                                         "(expected no more)"));
  std::string maybe = facts;
  maybe.replace(maybe.find("update-initramfs yes"), 20, "update-initramfs Yes");
  EXPECT_TRUE(contains(refusal(maybe), "update-initramfs is neither yes nor no"));
  const std::size_t tool_line = facts.find("initramfs-tool ");
  const std::string before_tool = facts.substr(0, tool_line);
  EXPECT_TRUE(contains(refusal(before_tool), "ends after 6 of the 8 facts (initramfs-tool"));
  EXPECT_TRUE(contains(refusal(before_tool + "initramfs-tool initramfs-tools\n"),
                       "ends after 7 of the 8 facts (dracut-crypt"));
  for (const char* bad : {"Dracut", "dracut ", "mkinitcpio", "", "initramfs_tools"}) {
    EXPECT_TRUE(contains(refusal(before_tool + "initramfs-tool " + bad + "\ndracut-crypt no\n"),
                         "line 7: initramfs-tool is none of initramfs-tools, dracut, unknown"))
        << bad;
  }
  EXPECT_TRUE(contains(refusal(before_tool + "initramfs-tool dracut\ndracut-crypt 1\n"),
                       "dracut-crypt is neither yes nor no"));
  EXPECT_TRUE(contains(refusal(before_tool + "dracut-crypt yes\ninitramfs-tool dracut\n"),
                       "line 7: the fact dracut-crypt out of its place (expected initramfs-tool)"));
}

TEST(GuestReply, RecordsOutOfOrderAreRefused) {
  const std::string facts = guest_facts_records(debian());
  EXPECT_TRUE(contains(refusal(facts + "say late\n"), "a say record after the others"));
  EXPECT_TRUE(contains(refusal(facts + "done x\n"), "a done record after facts"));
  EXPECT_TRUE(contains(refusal("done x\n" + facts), "a fact after done records"));
  EXPECT_TRUE(contains(refusal("done x\nerror y\n"), "an error record after the others"));
  EXPECT_TRUE(contains(refusal("error y\nsay z\n"), "line 2: a record after the error"));
  EXPECT_TRUE(contains(refusal("error y\nerror z\n"), "line 2: a record after the error"));
}

TEST(GuestReply, TooLongIsRefused) {
  std::string long_reply;
  const std::string record = guest_reply_record("say", std::string(1000, 'a'));
  while (long_reply.size() <= kMaxGuestReplyBytes) long_reply += record;
  EXPECT_TRUE(contains(refusal(long_reply), "is longer than"));
}

}  // namespace
}  // namespace pv2luks
