// LVM's tag lists, as `vgs -o vg_tags` prints them: "tag1,tag2".
#pragma once

#include <string>

#include "base/words.h"

namespace pv2luks {

inline bool tags_include(std::string tags, const std::string& tag) {
  for (char& c : tags) {
    if (c == ',') c = ' ';
  }
  for (const std::string& word : words_of(tags)) {
    if (word == tag) return true;
  }
  return false;
}

}  // namespace pv2luks
