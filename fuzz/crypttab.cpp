// system/crypttab: the line for the converted volume added to an existing
// /etc/crypttab without losing what is there (crypttab_with).
//
// Input: the line to add, a newline, then the file's text.
#include "fuzz_glue.h"
#include "system/crypttab.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = text_of({data, size});
  const std::size_t newline = input.find('\n');
  const std::string line = input.substr(0, newline);
  const std::string text = newline == std::string::npos ? "" : input.substr(newline + 1);
  refused([&] {
    const std::string out = crypttab_with(text, line);
    require(out.compare(0, text.size(), text) == 0, "the file's text was not kept");
    require(out == text || out.ends_with(line + '\n'), "the line was not added at the end");
  });
  return 0;
}
