// --tpm STATE_DIR: a software TPM 2.0 (swtpm) for one guest run. Its state
// persists in STATE_DIR, so successive runs with one STATE_DIR are the same
// machine and another STATE_DIR is another machine.
#pragma once

#include <memory>
#include <string>

namespace harness {

// A usage Error (naming `command`) for a STATE_DIR swtpm cannot take: a
// comma (its option syntax) or an existing non-directory. "" passes.
void check_tpm_state_dir(const std::string& state_dir, const std::string& command);

class SoftwareTpm {
 public:
  // Creates STATE_DIR (mode 0700) when it is missing and starts swtpm with
  // its control socket in `run_dir`; returns once the socket is there. An
  // Error with kExitLab when swtpm is missing or does not come up.
  SoftwareTpm(const std::string& state_dir, const std::string& run_dir);
  // swtpm ends by itself once QEMU has gone (--terminate); it is stopped
  // here if it has not.
  ~SoftwareTpm();
  SoftwareTpm(const SoftwareTpm&) = delete;
  SoftwareTpm& operator=(const SoftwareTpm&) = delete;

  // The control socket QEMU's tpm-emulator backend connects to.
  const std::string& socket() const { return socket_; }

 private:
  struct Impl;
  std::string socket_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
