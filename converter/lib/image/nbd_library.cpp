#include "image/nbd_library.h"

#include <dlfcn.h>

#include <mutex>
#include <optional>

#include "base/error.h"

namespace pv2luks {

namespace {

constexpr const char* kSoname = "libnbd.so.0";

std::string dl_error() {
  const char* text = ::dlerror();
  return text != nullptr ? text : "unknown dlopen error";
}

template <typename Function>
void resolve(void* handle, const char* symbol, Function& out, const std::string& image_path) {
  ::dlerror();
  out = reinterpret_cast<Function>(::dlsym(handle, symbol));
  if (out == nullptr) {
    Fail() << image_path << " is a qcow2 image, which pv2luks reads through libnbd: " << kSoname
           << " has no " << symbol << " (" << dl_error() << "); install a libnbd0 of 1.14 or later";
  }
}

NbdLibrary load(const std::string& image_path) {
  // Never closed: the functions stay valid for the rest of the process.
  void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    Fail() << image_path << " is a qcow2 image, which pv2luks reads through libnbd: loading "
           << kSoname << " failed (" << dl_error() << "); install libnbd0";
  }
  NbdLibrary library{};
#define PV2LUKS_NBD_RESOLVE(field) resolve(handle, "nbd_" #field, library.field, image_path)
  PV2LUKS_NBD_RESOLVE(create);
  PV2LUKS_NBD_RESOLVE(close);
  PV2LUKS_NBD_RESOLVE(get_error);
  PV2LUKS_NBD_RESOLVE(set_export_name);
  PV2LUKS_NBD_RESOLVE(add_meta_context);
  PV2LUKS_NBD_RESOLVE(aio_connect_socket);
  PV2LUKS_NBD_RESOLVE(aio_is_connecting);
  PV2LUKS_NBD_RESOLVE(aio_is_ready);
  PV2LUKS_NBD_RESOLVE(poll);
  PV2LUKS_NBD_RESOLVE(can_fua);
  PV2LUKS_NBD_RESOLVE(can_zero);
  PV2LUKS_NBD_RESOLVE(can_meta_context);
  PV2LUKS_NBD_RESOLVE(get_size);
  PV2LUKS_NBD_RESOLVE(pread);
  PV2LUKS_NBD_RESOLVE(pwrite);
  PV2LUKS_NBD_RESOLVE(flush);
  PV2LUKS_NBD_RESOLVE(zero);
  PV2LUKS_NBD_RESOLVE(block_status);
  PV2LUKS_NBD_RESOLVE(shutdown);
#undef PV2LUKS_NBD_RESOLVE
  return library;
}

}  // namespace

std::string NbdLibrary::error_text() const {
  const char* text = get_error();
  return text != nullptr ? text : "unknown libnbd error";
}

const NbdLibrary& nbd_library(const std::string& image_path) {
  static std::mutex mutex;
  static std::optional<NbdLibrary> loaded;
  const std::lock_guard lock(mutex);
  if (!loaded) loaded = load(image_path);
  return *loaded;
}

}  // namespace pv2luks
