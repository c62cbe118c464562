"""Flatten and unflatten (libpv2luks flatten/, driven by tests/tools/
flatten-tool until the CLI has the commands) on a stack made by stock
cryptsetup and lvm in the guest: LUKS2 on a disk, a PV on it, two LVs (one
in two segments) full of random bytes.

- Flattened, every LV's table is crypt targets straight on the disk, and
  every LV reads the same bytes as before.
- Bytes written through a flattened LV (O_DIRECT) are read back through the
  two-layer stack after unflatten: the independent record is the sha256 of
  what was written, taken in the guest before the write.
- Negative control: PV2LUKS_TEST_FLATTEN_IV_SKEW=8 gives the first LV's
  first segment a wrong IV offset; its bytes must then differ."""
import re
import shutil

from conftest import BUILD_DIR

SCRIPT = r"""#!/bin/bash
set -euo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
printf 'flatten test passphrase' > /tmp/key
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file /tmp/key "$disk"
cryptsetup open --key-file /tmp/key "$disk" flatcrypt
pvcreate -q /dev/mapper/flatcrypt
vgcreate -q -s 4M fvg /dev/mapper/flatcrypt
lvcreate -q -n a -L 16M fvg
lvcreate -q -n b -L 24M fvg
lvextend -q -L +16M fvg/a
for lv in a b; do dd if=/dev/urandom of=/dev/fvg/$lv bs=1M oflag=direct status=none || true; done
sums() { for lv in a b; do echo "$1 $lv $(sha256sum < /dev/fvg/$lv | cut -d' ' -f1)"; done; }
sums BEFORE
"$LAB_OUT/flatten-tool" flatten flatcrypt < /tmp/key
for lv in a b; do dmsetup table fvg-$lv | sed 's/^/TABLE /'; done
sums FLAT
if [ "${SKEW:-}" = "" ]; then
	head -c 4194304 /dev/urandom > /tmp/new
	echo "WROTE $(sha256sum < /tmp/new | cut -d' ' -f1)"
	dd if=/tmp/new of=/dev/fvg/a bs=1M seek=20 oflag=direct status=none
	"$LAB_OUT/flatten-tool" unflatten flatcrypt
	dmsetup table fvg-a | sed 's/^/TABLE2 /'
	echo "READ $(dd if=/dev/fvg/a bs=1M skip=20 count=4 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
fi
"""


def tagged(text, tag):
    """What follows "TAG " on each line of the guest's output that has it."""
    return [line[len(tag) + 1:] for line in text.splitlines() if line.startswith(tag + " ")]


def run_stack(lab, tmp_path, skew=None):
    out = tmp_path / f"out{skew or ''}"
    out.mkdir()
    shutil.copy(BUILD_DIR / "tests" / "flatten-tool", out / "flatten-tool")
    script = SCRIPT if skew is None else SCRIPT.replace("set -euo pipefail",
                                                       f"set -euo pipefail\nexport SKEW={skew}\n"
                                                       f"export PV2LUKS_TEST_FLATTEN_IV_SKEW={skew}")
    result = lab(script, "pv:96M", extra=["--out", out])
    assert result.returncode == 0, result.stdout[-3000:]
    return result.stdout


def test_flatten_keeps_every_byte_and_unflatten_brings_writes_back(lab, tmp_path):
    text = run_stack(lab, tmp_path)
    assert len(tagged(text, "BEFORE")) == 2
    assert tagged(text, "BEFORE") == tagged(text, "FLAT")
    tables = tagged(text, "TABLE")
    assert tables and all(" crypt aes-xts-plain64 :64:logon:pv2luks:flatten:flatcrypt " in t
                          for t in tables), tables
    assert len(tables) == 3  # a: two segments, b: one
    assert tagged(text, "TABLE2") and all(" linear " in t for t in tagged(text, "TABLE2"))
    wrote = re.search(r"^WROTE (\w+)$", text, re.M).group(1)
    assert re.search(r"^READ (\w+)$", text, re.M).group(1) == wrote


def test_a_wrong_iv_offset_is_caught(lab, tmp_path):
    text = run_stack(lab, tmp_path, skew=8)
    before, flat = tagged(text, "BEFORE"), tagged(text, "FLAT")
    assert before[1] == flat[1]  # b untouched
    assert before[0] != flat[0]  # a's first segment decrypts to garbage
