// Reading passphrases into SecureBuffers, with cryptsetup's rules, so a key
// file or pipe that opens a volume with cryptsetup opens it with pv2luks too.
//
// Never from argv or the environment: both are readable by other processes
// (/proc/PID/cmdline, /proc/PID/environ) and end up in shell histories.
//
// The sources, as cryptsetup 2.6 reads them (src/utils_password.c,
// tools_get_key, and lib/utils.c, crypt_keyfile_device_read):
//   --key-file FILE  the whole file, byte for byte: newlines and NULs are part
//                    of the passphrase. At most 8 MiB.
//   --key-file -     the whole of standard input up to end of file, newlines
//                    kept (cryptsetup's manual: "reading will not stop at
//                    newline characters"). At most 8 MiB. When standard input
//                    is a terminal, cryptsetup prompts instead, and so do we.
//   no --key-file    a terminal on standard input: prompt without echo (a new
//                    passphrase twice); otherwise standard input up to the
//                    first newline, which is dropped, and not a byte beyond it.
// Stricter than cryptsetup: an empty passphrase or key file is refused (an
// empty regular key file is a classic mistake, e.g. a failed redirection).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/secure_buffer.h"

namespace pv2luks {

// cryptsetup's compiled-in limits (DEFAULT_KEYFILE_SIZE_MAXKB 8192,
// DEFAULT_PASSPHRASE_SIZE_MAX 512).
inline constexpr std::size_t kMaxKeyFileBytes = 8192 * 1024;
inline constexpr std::size_t kMaxPassphraseBytes = 512;  // typed or one line of stdin

// A new passphrase is asked twice on a terminal; an existing one once.
enum class PassphrasePurpose { kExisting, kNew };

struct PassphraseSource {
  enum class Kind {
    kKeyFile,       // `path`, whole file
    kKeyFileStdin,  // --key-file -: all of stdin, to end of file
    kStdinLine,     // stdin up to the first newline
    kTerminal,      // prompt on the terminal that is stdin
  };
  Kind kind = Kind::kTerminal;
  std::string path;  // kKeyFile only
};

// The source for a --key-file option value (nullopt: not given), choosing
// between terminal and stdin by isatty(stdin) as cryptsetup does.
PassphraseSource passphrase_source(const std::optional<std::string>& key_file);

// Reads a passphrase from `source`. `prompt` is shown on a terminal, e.g.
// "Enter passphrase for /dev/sda2: ". Error, naming the source, when it
// is missing, unreadable, empty, too long, or (new, on a terminal) the two
// entries differ.
SecureBuffer read_passphrase(const PassphraseSource& source, PassphrasePurpose purpose,
                             const std::string& prompt);

// The pieces, for tests and for callers holding their own descriptors.
// `what` names the input in messages ("standard input").
SecureBuffer read_key_file(const std::string& path);
SecureBuffer read_key_stream(int fd, const std::string& what);
SecureBuffer read_passphrase_line(int fd, const std::string& what);
// The file open on `fd` (a terminal) opened again for reading and writing:
// a new descriptor, or -1 with errno.
int reopen_read_write(int fd);
// Prompts on `tty_fd` with echo off (restored afterwards, also on errors).
SecureBuffer read_passphrase_terminal(int tty_fd, const std::string& prompt,
                                      PassphrasePurpose purpose);

}  // namespace pv2luks
