// libdevmapper's own log, routed. libdevmapper reports through one
// process-wide logger; ours prints its errors on stderr as libdevmapper's
// default logger does, except inside a LibdmErrorCapture, which keeps the
// last error for a message of our own (its config parser says where the
// text went wrong only there).
#pragma once

#include <string>

namespace pv2luks::dm {

class LibdmErrorCapture {
 public:
  LibdmErrorCapture();
  ~LibdmErrorCapture();
  LibdmErrorCapture(const LibdmErrorCapture&) = delete;
  LibdmErrorCapture& operator=(const LibdmErrorCapture&) = delete;

  // The last error libdevmapper logged since this capture began, or "".
  std::string last_error() const;
};

}  // namespace pv2luks::dm
