// lvm/pv_report and base/json: what the lvm tools report about a PV, as
// pv2luks reads it: `pvs --reportformat json --segments` (parse_pv_report,
// then pv_refusals), and the same bytes as the `pvs --noheadings
// --separator :` line of the VG's autoactivation (parse_vg_activation) and
// as the other JSON reports pv2luks reads: lvs's of the thin pools dmeventd
// monitors (monitored_thin_pools) and `qemu-img check --output=json`'s
// (parse_qemu_img_check).
//
// Input: the report's text.
#include "fuzz_glue.h"
#include "image/qemu_img_check.h"
#include "lvm/autoactivation.h"
#include "lvm/pv_report.h"
#include "lvm/thin_monitor.h"

using namespace pv2luks;
using namespace pv2luks::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = text_of({data, size});
  refused([&] {
    const PvReport report = parse_pv_report(text);
    require(!report.segments.empty(), "a report without segments");
    require(report.used_sectors() >= report.pe_start_sectors, "the PV's used sectors wrap");
    pv_refusals(report);
    report.tail_room_sectors();
  });
  refused([&] { parse_vg_activation(text); });
  refused([&] { monitored_thin_pools("vg", text); });
  const QemuImgCheck check = parse_qemu_img_check(0, text, text);
  require(check.messages.size() <= 1003, "qemu-img check's messages not shortened");
  return 0;
}
