#include "dm/remap.h"

#include <sys/sysmacros.h>

#include <sstream>

namespace pv2luks {

std::string dev_text(dev_t dev) {
  return std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

std::vector<dm::KernelTarget> retarget(const std::vector<dm::KernelTarget>& table,
                                       const std::string& from, const std::string& to) {
  std::vector<dm::KernelTarget> result = table;
  for (dm::KernelTarget& target : result) {
    std::istringstream words(target.params);
    std::string params;
    for (std::string word; words >> word;) {
      if (!params.empty()) params += ' ';
      params += word == from ? to : word;
    }
    target.params = params;
  }
  return result;
}

std::vector<std::string> remap_holders(const std::vector<std::string>& holders, dev_t from,
                                       dev_t to) {
  std::vector<std::string> done;
  for (const std::string& holder : holders) {
    dm::load(holder, retarget(dm::table(holder), dev_text(from), dev_text(to)));
    dm::suspend(holder);
    dm::resume(holder);
    done.push_back(holder);
  }
  return done;
}

}  // namespace pv2luks
