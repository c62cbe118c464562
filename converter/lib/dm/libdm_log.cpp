#include "dm/libdm_log.h"

#include <libdevmapper.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace pv2luks::dm {

namespace {

// libdevmapper's levels, as syslog's (its _LOG_ERR, _LOG_WARN); the bits
// above 7 are flags.
constexpr int kLibdmError = 3;
constexpr int kLibdmWarning = 4;

thread_local int capture_depth = 0;
thread_local std::string captured_error;

void route(int level, const char* /*file*/, int /*line*/, int /*dm_errno*/, const char* format,
           ...) {
  const int severity = level & 7;
  if (severity > (capture_depth > 0 ? kLibdmError : kLibdmWarning)) return;
  va_list args;
  va_start(args, format);
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (capture_depth > 0) {
    captured_error = text;
  } else {
    std::fprintf(stderr, "%s\n", text);
  }
}

}  // namespace

LibdmErrorCapture::LibdmErrorCapture() {
  static std::once_flag installed;
  std::call_once(installed, [] { dm_log_with_errno_init(route); });
  if (capture_depth++ == 0) captured_error.clear();
}

LibdmErrorCapture::~LibdmErrorCapture() { --capture_depth; }

std::string LibdmErrorCapture::last_error() const { return captured_error; }

}  // namespace pv2luks::dm
