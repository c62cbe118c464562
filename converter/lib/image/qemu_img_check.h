// What `qemu-img check` finds in a qcow2 image: QEMU's own check of every
// cluster reference against the refcounts and the end of the file. Its
// --output=json report gives the counts; its standard error the findings
// (its first ERROR line is kept, to quote).
#pragma once

#include <cstdint>
#include <string>

namespace pv2luks {

struct QemuImgCheck {
  // False when the check could not run to its end (qemu-img's exit 1, no
  // report): `messages` says why.
  bool complete = false;
  std::uint64_t corruptions = 0;   // wrong references or refcounts: data may be lost
  std::uint64_t leaks = 0;         // clusters allocated that nothing uses
  std::uint64_t check_errors = 0;  // what the check itself could not read
  std::string first_error;         // the first "ERROR" line, "" when none
  bool past_end_of_file = false;   // a finding is a reference past the end of the file
  std::string messages;            // standard error, shortened
};

// Pure: the findings from qemu-img check's exit code (0 clean, 1 not
// complete, 2 corruptions, 3 only leaks), standard output and error.
QemuImgCheck parse_qemu_img_check(int exit_code, const std::string& out, const std::string& err);

// Runs `qemu-img check --output=json` on the qcow2 file `path` (read-only:
// it shares the image with readers, not writers). An Error when qemu-img is
// missing.
QemuImgCheck run_qemu_img_check(const std::string& path);

}  // namespace pv2luks
