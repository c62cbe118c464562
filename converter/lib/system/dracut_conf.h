// What dracut needs to unlock a converted volume at boot: a dracut.conf.d
// snippet beside the crypttab line.
//
// Debian's dracut (059) builds generic images by default (NEWS.Debian,
// 059-1), and its crypt module copies /etc/crypttab into the image only when
// host-only; a generic image without rd.luks.uuid on the command line unlocks
// nothing. The snippet asks for both, whichever mode the admin chose:
//   install_items+=" /etc/crypttab "      systemd mode: systemd-cryptsetup's
//       generator reads the image's crypttab and asks for the passphrase
//       ("Please enter passphrase for disk ...");
//   kernel_cmdline+=" rd.luks.uuid=UUID "  without systemd: dracut's
//       cryptroot-ask unlocks only the listed UUIDs (it takes the volume's
//       name from the crypttab); written into the image's /etc/cmdline.d;
//   add_dracutmodules+=" crypt lvm "      refuse to build without them.
// In host-only mode the crypt module's own filtered crypttab is installed
// first and install_items leaves it alone.
#pragma once

#include <string>

namespace pv2luks {

// "DIR/dracut.conf.d/90-pv2luks-NAME.conf" where DIR holds `crypttab_path`
// (/etc/crypttab: /etc/dracut.conf.d/90-pv2luks-NAME.conf).
std::string dracut_conf_path(const std::string& crypttab_path, const std::string& name);

// The snippet's text for volume `name` with LUKS `uuid`. With `tpm2` (its
// crypttab line has tpm2-device=) it also asks for dracut's tpm2-tss module:
// the crypt module adds it only to host-only images (it greps the crypttab
// then), and without it a generic image cannot reach the TPM and waits for
// a passphrase nobody was given. Pure.
std::string dracut_conf_text(const std::string& name, const std::string& uuid, bool tpm2 = false);

// Writes `text` to `path` (0644, atomically) unless it holds it already;
// false then. Error naming the file when its directory is missing (no dracut
// there) or the write fails.
bool write_dracut_conf(const std::string& path, const std::string& text);

}  // namespace pv2luks
