#include "flatten/flatten_state.h"

namespace pv2luks {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

std::vector<std::string> describe_flatten_state(const FlattenState& state) {
  const std::string vg = state.vg.empty() ? "(no LVs)" : state.vg;
  const std::string head = "VG " + vg + " on " + state.crypt + " (" + state.luks_device + "): ";
  const std::string undo = "run 'pv2luks unflatten " + (state.vg.empty() ? state.crypt : state.vg);
  const std::size_t total = state.layered_lvs.size() + state.flattened_lvs.size();
  std::vector<std::string> lines;
  if (!state.crypt_open) {
    const std::string name = state.crypt.empty() ? "NAME" : state.crypt;
    lines.push_back("VG " + vg + " on " + state.luks_device + ": CLOSED WHILE FLATTENED: " +
                    std::to_string(state.flattened_lvs.size()) +
                    " LVs map straight onto the disk, and LVM cannot see the PV");
    lines.push_back("  run 'pv2luks unflatten " + name +
                    " --key-file FILE' to reopen it as NAME (as it was opened) and map the " +
                    "LVs back onto it");
    return lines;
  }
  if (state.flattened_lvs.empty()) {
    lines.push_back(head + "layered (" + std::to_string(total) + " LVs on the crypt device)");
    if (state.guard || state.tagged) {
      lines.push_back(std::string("  but a flatten record remains (") +
                      (state.tagged ? "VG tag pv2luks_flattened" : "") +
                      (state.guard && state.tagged ? ", " : "") +
                      (state.guard ? "dm device pv2luks-flat-" + state.crypt : "") +
                      "), as a reboot while flattened leaves it; " + undo + "' to clear it");
    }
    return lines;
  }
  if (state.layered_lvs.empty()) {
    lines.push_back(head + "FLATTENED: " + std::to_string(total) +
                    " LVs map straight onto " + state.luks_device + " through crypt targets");
  } else {
    lines.push_back(head + "PARTLY FLATTENED: " + std::to_string(state.flattened_lvs.size()) +
                    " of " + std::to_string(total) + " LVs map straight onto " +
                    state.luks_device);
    lines.push_back("  on the crypt device again: " + joined(state.layered_lvs) +
                    " (an LVM command reloaded them; both ways read the same bytes)");
  }
  if (!state.guard) {
    lines.push_back("  the guard device pv2luks-flat-" + state.crypt +
                    " is gone: nothing stops 'cryptsetup close " + state.crypt + "' now");
  }
  lines.push_back("  " + undo + "' before changing LVM metadata (lvextend, pvmove, ...)");
  return lines;
}

}  // namespace pv2luks
