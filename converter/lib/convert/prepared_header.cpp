#include "convert/prepared_header.h"

#include <tuple>

#include "base/error.h"
#include "base/memory_file.h"
#include "luks/passphrase.h"
#include "luks/recovery_key.h"
#include "luks/tpm2_enrol.h"
#include "luks/volume_key.h"

namespace pv2luks {

std::pair<std::string, std::string> split_cipher(const std::string& cipher) {
  const auto dash = cipher.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == cipher.size()) {
    Fail() << "--cipher '" << cipher << "' is not CIPHER-MODE, e.g. aes-xts-plain64";
  }
  return {cipher.substr(0, dash), cipher.substr(dash + 1)};
}

PreparedHeader prepare_header(const ConvertOptions& options, HeaderSpec spec,
                              std::uint64_t device_size_bytes) {
  std::tie(spec.cipher, spec.cipher_mode) = split_cipher(options.cipher);
  spec.pbkdf = options.pbkdf;
  spec.pbkdf_force_iterations = options.pbkdf_force_iterations;
  spec.iter_time_ms = options.iter_time_ms;
  const bool tpm2 = !options.tpm2_device.empty();
  SecureBuffer passphrase =
      tpm2 ? make_recovery_key()
           : read_passphrase(passphrase_source(options.key_file), PassphrasePurpose::kNew,
                             "Enter a new passphrase for " + options.device + ": ");
  PreparedHeader prepared;
  prepared.volume_key = generate_volume_key(options.key_size_bits);
  const MemoryFile file("pv2luks-header");
  prepared.built =
      build_header(spec, prepared.volume_key, passphrase, device_size_bytes, file.path());
  if (tpm2) {
    enrol_tpm2(file, passphrase, {options.tpm2_device, options.tpm2_pcrs});
    prepared.built.used_bytes = header_used_bytes(file.path());
  }
  prepared.header = file.read_all();
  prepared.header.resize(prepared.built.header_bytes, 0);
  prepared.cipher = spec.cipher + "-" + spec.cipher_mode;
  if (tpm2) {
    prepared.recovery_key = std::move(passphrase);
  } else if (options.guest_config) {
    prepared.passphrase = std::move(passphrase);
  }
  return prepared;
}

}  // namespace pv2luks
