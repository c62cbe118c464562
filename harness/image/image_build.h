// pv2luks-harness image build: a disk image from a layout spec, on the host
// (root, loop devices, no device-mapper), with OUT.manifest beside it.
#pragma once

#include <string>

namespace harness {

enum class ImageFormat { raw, qcow2 };

// Validates the spec before creating any file (a bad spec is Error(kExitUsage)),
// builds OUT.tmp and renames it to OUT only when everything succeeded.
void build_image(const std::string& spec_path, const std::string& out_path, ImageFormat format);

}  // namespace harness
