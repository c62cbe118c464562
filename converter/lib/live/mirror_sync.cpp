#include "live/mirror_sync.h"

#include <sstream>
#include <vector>

#include "base/error.h"
#include "dm/dm_device.h"

namespace pv2luks {

std::optional<MirrorState> parse_mirror_status(const std::string& params) {
  std::istringstream in(params);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  if (words.empty()) return std::nullopt;
  std::size_t legs = 0;
  try {
    legs = std::stoul(words[0]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  // legs, the leg devices, "in/total", the health count, the health string
  // (compared without adding to `legs`, which may be anything).
  if (legs > words.size() || words.size() - legs < 4) return std::nullopt;
  const std::string& sync = words[legs + 1];
  const auto slash = sync.find('/');
  if (slash == std::string::npos) return std::nullopt;
  MirrorState state;
  try {
    state.in_sync_regions = std::stoull(sync.substr(0, slash));
    state.total_regions = std::stoull(sync.substr(slash + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string& health = words[legs + 3];
  state.leg_failed = health.find_first_not_of('A') != std::string::npos;
  return state;
}

void wait_for_mirror_sync(const std::string& name, std::uint64_t expected_regions) {
  std::uint32_t event_nr = dm::info(name).event_nr;
  for (;;) {
    std::optional<MirrorState> state;
    for (const dm::KernelTarget& target : dm::status(name)) {
      if (target.type == "mirror") state = parse_mirror_status(target.params);
    }
    if (!state) Fail() << name << ": no mirror target in its status";
    if (state->leg_failed) Fail() << name << ": a mirror leg failed while copying";
    if (state->total_regions != expected_regions) {
      Fail() << name << ": the mirror has " << state->total_regions << " regions, expected "
             << expected_regions;
    }
    if (state->in_sync_regions == state->total_regions) return;
    event_nr = dm::wait_event(name, event_nr);  // the kernel wakes us when it syncs
  }
}

}  // namespace pv2luks
