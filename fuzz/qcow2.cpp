// image/image_format, image/qcow2_snapshots and image/qcow2_compressed: a
// qcow2 image file as offline conversion judges it before converting it:
// its format (detect_file_format), its header and whether it stands alone
// (read_qcow2_header), its internal snapshots (read_qcow2_snapshots) and
// its compressed clusters, found by walking its L1 and L2 tables
// (find_compressed_clusters); and the other formats QEMU opens, told by
// their magic (foreign_image_format).
//
// Input: the image file.
#include "fuzz_glue.h"
#include "image/image_format.h"
#include "image/qcow2_compressed.h"
#include "image/qcow2_snapshots.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ReadAt read = memory_reader({data, size}, size);
  const std::string foreign = foreign_image_format(read, size);
  require(foreign.empty() || detect_file_format(read, size) == ImageFormat::raw,
          "a file both qcow2 and another format");
  if (detect_file_format(read, size) != ImageFormat::qcow2) return 0;
  Qcow2Header header;
  if (refused([&] { header = read_qcow2_header(read, size, "fuzz.qcow2"); })) return 0;
  require(header.header_length <= size, "a header longer than the file");
  refused([&] { read_qcow2_snapshots(read, header, size, "fuzz.qcow2"); });
  refused([&] { find_compressed_clusters(read, header, size, "fuzz.qcow2"); });
  return 0;
}
