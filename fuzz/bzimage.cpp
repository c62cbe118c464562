// harness/lab/bzimage: the kernel release read from a bzImage's setup header
// (lab run --kernel BZIMAGE).
//
// Input: the first bytes of the file.
#include "fuzz_glue.h"
#include "lab/bzimage.h"

using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  const auto release = harness::bzimage_release({data, size}, why);
  if (release) {
    require(!release->empty() && release->find(' ') == std::string::npos,
            "a release is one non-empty word");
    require(release->size() < size, "the release is longer than the input");
  } else {
    require(!why.empty(), "a refusal says why");
  }
  return 0;
}
