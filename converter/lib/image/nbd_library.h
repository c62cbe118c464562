// libnbd, loaded with dlopen when a qcow2 image is first opened instead of
// linked. pv2luks links only what every conversion needs: libnbd pulls
// gnutls, libxml2 and ICU (tens of MiB), and the initramfs hooks copy
// pv2luks with every library it links, to resume live conversions that
// never touch an image. So a machine without libnbd0 runs pv2luks, and only
// a qcow2 image asks for it, by name.
#pragma once

#include <libnbd.h>

#include <string>

namespace pv2luks {

// The libnbd functions pv2luks calls, resolved from libnbd.so.0.
struct NbdLibrary {
  decltype(&::nbd_create) create;
  decltype(&::nbd_close) close;
  decltype(&::nbd_get_error) get_error;
  decltype(&::nbd_set_export_name) set_export_name;
  decltype(&::nbd_add_meta_context) add_meta_context;
  decltype(&::nbd_aio_connect_socket) aio_connect_socket;
  decltype(&::nbd_aio_is_connecting) aio_is_connecting;
  decltype(&::nbd_aio_is_ready) aio_is_ready;
  decltype(&::nbd_poll) poll;
  decltype(&::nbd_can_fua) can_fua;
  decltype(&::nbd_can_zero) can_zero;
  decltype(&::nbd_can_meta_context) can_meta_context;
  decltype(&::nbd_get_size) get_size;
  decltype(&::nbd_pread) pread;
  decltype(&::nbd_pwrite) pwrite;
  decltype(&::nbd_flush) flush;
  decltype(&::nbd_zero) zero;
  decltype(&::nbd_block_status) block_status;
  decltype(&::nbd_shutdown) shutdown;

  // libnbd's last error on this thread, or a placeholder when it has none.
  std::string error_text() const;
};

// The loaded library (loaded on the first call; later calls return it).
// Fails, naming `image_path` and the package to install, when libnbd.so.0
// cannot be loaded or lacks a function; a later call tries again.
const NbdLibrary& nbd_library(const std::string& image_path);

}  // namespace pv2luks
