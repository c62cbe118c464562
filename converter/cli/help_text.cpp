#include "help_text.h"

namespace cli {

const char kTopDescription[] =
    "Convert an LVM physical volume into LVM-on-LUKS in place: the PV's data\n"
    "moves toward the end of its partition by the LUKS header size and is\n"
    "encrypted on the way; the LUKS header lands at the front.\n";

const char kExitCodesText[] =
    "Exit codes (cryptsetup's, where the meaning is the same):\n"
    "  0  done (or nothing to do)\n"
    "  1  bad usage: an unknown option, a missing argument\n"
    "  2  no permission: a wrong passphrase, a TPM2 token that does not open\n"
    "     (resume), or not run as root\n"
    "  3  out of memory\n"
    "  4  wrong device: it does not exist, is not a block device or image, or\n"
    "     holds no PV, no LUKS volume or no conversion journal where one is needed\n"
    "  5  device busy: mounted elsewhere, open by a running QEMU or another\n"
    "     pv2luks, in use\n"
    "  6  refused for another reason; nothing was written (the message says why\n"
    "     and what to do)\n"
    "  7  stopped by a signal between chunks; 'pv2luks resume' finishes\n"
    "  8  failed after the disk was written; the message says what state it is\n"
    "     in and how to resume\n";

const char kTopFooter[] =
    "\n"
    "Forms:\n"
    "  convert DEVICE   convert the active PV on DEVICE live; its LVs stay in use\n"
    "  convert --offline IMAGE\n"
    "                   convert the PV in a VM disk image (raw or qcow2) or on an\n"
    "                   unused device, in userspace, without device-mapper\n"
    "  resume [--offline] DEVICE|IMAGE\n"
    "                   finish a conversion that a crash, a power cut or a signal\n"
    "                   interrupted, from the journal at the device's end\n"
    "  status [--offline] DEVICE|IMAGE\n"
    "                   say whether it is being converted and how far it got\n"
    "  flatten [VG|CRYPT]\n"
    "                   map every LV of an LVM-on-LUKS VG straight onto the\n"
    "                   LUKS device's disk with crypt targets, live: one\n"
    "                   device-mapper layer instead of two (default: the only\n"
    "                   LVM-on-LUKS VG; CRYPT is the crypt device's dm name)\n"
    "  unflatten [VG|CRYPT]\n"
    "                   map the LVs back onto the crypt device, as before\n"
    "  status [VG|CRYPT]\n"
    "                   say whether a VG (default: every one on LUKS) is\n"
    "                   layered, flattened or partly flattened\n"
    "  verify --offline IMAGE\n"
    "                   open the converted image in userspace and print the\n"
    "                   sha256 of every LV (as pv2luks-harness checksum does)\n"
    "\n"
    "'pv2luks ACTION --help' (or 'pv2luks help ACTION') shows an action's\n"
    "options, named as in cryptsetup; options take '--opt VALUE' and\n"
    "'--opt=VALUE'. Every action takes -v/--verbose (each external command and\n"
    "device-mapper step, on stderr; never a key) and --debug (more detail).\n"
    "\n"
    "Crash safety: before the first data sector moves, the LUKS header (with the\n"
    "volume key in keyslot 0) and the plan are written to a journal in the\n"
    "device's last MiB; each chunk is committed there once it is durable. After\n"
    "a power cut, or if pv2luks is killed, 'pv2luks resume DEVICE' finishes.\n"
    "SIGINT, SIGTERM and SIGHUP stop it after the chunk in flight.\n"
    "\n";

const char kConvertDescription[] =
    "convert a PV into LVM-on-LUKS in place, live or --offline\n"
    "Convert the active PV on DEVICE live (its LVs stay in use), or with\n"
    "--offline the PV in a VM disk image (raw or qcow2) or on an unused device,\n"
    "in userspace, without device-mapper.\n";

const char kConvertFooter[] =
    "\n"
    "Before anything is written, convert asks for confirmation on the terminal\n"
    "(type YES) unless -q/--batch-mode/--yes is given.\n"
    "\n"
    "Until the LUKS header is written, the VG does not autoactivate (convert\n"
    "turns it off and tags the VG pv2luks_converting), so no boot mounts the\n"
    "half-converted partition. After a power cut, the initramfs hook installed\n"
    "with pv2luks (initramfs-tools or dracut; rebuild the initramfs before\n"
    "converting) asks for the\n"
    "passphrase and maps the PV, and 'pv2luks resume DEVICE --update-crypttab'\n"
    "finishes under the running system.\n"
    "\n"
    "Offline, a qcow2 image is read and written through qemu-storage-daemon's\n"
    "NBD export (libnbd, on a socket with no path). A qcow2 image with a\n"
    "backing file, internal snapshots or compressed clusters (their plaintext\n"
    "would stay in the file) or damage 'qemu-img check' finds is refused; so\n"
    "are other formats QEMU opens (vmdk, vdi, vhdx, vpc, qed), with the\n"
    "'qemu-img convert' command that makes a qcow2 image of them. Every sector\n"
    "of the PV, used or free, is encrypted, so holes in a sparse image are\n"
    "filled; with --sparse, free extents that are holes stay holes (the image\n"
    "then shows which ranges are unused, as with cryptsetup's\n"
    "--allow-discards). An image a running QEMU or another pv2luks has open is\n"
    "refused.\n"
    "\n"
    "With --progress-json, stdout carries only JSON objects, one a line: progress\n"
    "(cryptsetup's fields plus phase and chunks) and a last result object with\n"
    "\"status\", \"exit_code\" and, when done, \"luks_uuid\" and \"crypttab_line\"\n"
    "(docs/progress-json.md).\n"
    "\n";

const char kResumeDescription[] =
    "finish an interrupted conversion from its journal\n"
    "Finish a conversion that a crash, a power cut or a signal interrupted,\n"
    "from the journal at the end of DEVICE (or, with --offline, of the PV's\n"
    "partition in IMAGE).\n";

const char kResumeFooter[] =
    "\n"
    "After a power cut, the initramfs hook installed with pv2luks maps the PV\n"
    "(by its TPM2 token when convert had --tpm2-device, else asking for the\n"
    "passphrase), and 'pv2luks resume DEVICE --update-crypttab' finishes under\n"
    "the running system. Interrupting resume and running it again is safe.\n"
    "\n";

const char kStatusDescription[] =
    "say how far a conversion got, or whether a VG is flattened\n"
    "Say whether DEVICE (or, with --offline, IMAGE) is being converted and how\n"
    "far the journal says it got; or, for a VG or crypt device name (default:\n"
    "every VG on LUKS), whether it is layered, flattened or partly flattened.\n"
    "Writes nothing.\n";

const char kStatusFooter[] =
    "\n"
    "Exit 0 when a conversion is in progress (its journal is good) or the named\n"
    "stack was found; 4 when there is no journal (nothing to resume) or no such\n"
    "device; see 'pv2luks --help' for the others.\n"
    "\n";

const char kVerifyDescription[] =
    "checksum every LV of a converted image, in userspace\n"
    "Open the converted image in userspace and print the sha256 of every LV\n"
    "(as pv2luks-harness checksum does), one 'lv VG/LV SHA256 SIZE' line each\n"
    "on stdout. Writes nothing.\n";

const char kFlattenDescription[] =
    "map a VG's LVs straight onto the LUKS device's disk (one dm layer)\n"
    "Map every LV of an LVM-on-LUKS VG straight onto the LUKS device's disk\n"
    "with crypt targets, live: one device-mapper layer instead of two (default:\n"
    "the only LVM-on-LUKS VG; CRYPT is the crypt device's dm name).\n";

const char kUnflattenDescription[] =
    "map a flattened VG's LVs back onto the crypt device\n"
    "Map the LVs of a flattened VG back onto the crypt device, as before.\n";

const char kFlattenFooter[] =
    "\n"
    "While flattened, the crypt device stays open under the VG (LVM still sees\n"
    "its PV there) and the dm device pv2luks-flat-CRYPT holds it, so\n"
    "'cryptsetup close' refuses; the VG carries the tag pv2luks_flattened.\n"
    "Unflatten before changing LVM metadata: an LVM command that reloads an LV\n"
    "maps it onto the crypt device again (the same bytes, two layers), and\n"
    "status shows the VG as partly flattened. A reboot unflattens; the tag\n"
    "stays until 'pv2luks unflatten'.\n"
    "\n";

const char kHelpDescription[] = "show the help of ACTION (or of pv2luks) and exit\n";

}  // namespace cli
