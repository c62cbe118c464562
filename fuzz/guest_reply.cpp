// offline/guest_reply: what pv2luks-guest-config prints and pv2luks reads
// back (parse_guest_reply). A reply it accepts must say the same when written
// again record by record and read once more.
//
// Input: the helper's standard output.
#include "fuzz_glue.h"
#include "offline/guest_reply.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

namespace {

std::string written_again(const GuestReply& reply) {
  std::string out;
  for (const std::string& message : reply.messages) out += guest_reply_record("say", message);
  if (reply.facts) out += guest_facts_records(*reply.facts);
  for (const std::string& line : reply.done) out += guest_reply_record("done", line);
  if (reply.error) out += guest_reply_record("error", *reply.error);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = text_of({data, size});
  refused([&] {
    const GuestReply reply = parse_guest_reply(input);
    const GuestReply again = parse_guest_reply(written_again(reply));
    require(again.messages == reply.messages, "the say records changed when written again");
    require(again.done == reply.done, "the done records changed when written again");
    require(again.error == reply.error, "the error changed when written again");
    require(again.facts == reply.facts, "the facts changed when written again");
  });
  return 0;
}
