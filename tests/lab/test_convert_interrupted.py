"""A live conversion is never started over, and leaves no plaintext behind:

- after a power cut mid-move, `pv2luks convert` run again (instead of
  `resume`) is refused with the disk byte-identical, even with one of the
  journal's record slots damaged on the disk; `resume` then finishes from
  the other slot, and stock cryptsetup finds every LV and every
  acknowledged write (the load's own log).
- after the converter is killed with the system running (the LVs on
  DEV_crypt, under load), convert is refused again and resume finishes.
- the old tail room past the PV (here full of a marker) holds no plaintext
  afterwards: the LUKS data area past the moved PV is ciphertext. The
  marker count before the conversion is the check's negative control."""
import os
import shutil

from conversion_scenario import (CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)

# The PV is 136 MiB on a 160 MiB disk: a marker in every 4 KiB block from
# its end to the disk's end.
MARK_TAIL = r"""
python3 -c 'import sys
for i in range(6144):
    sys.stdout.buffer.write(b"PV2LUKS-TAIL-MARK-%08d\n" % i + bytes(4096 - 27))' \
	| dd of="$disk" bs=1M seek=136 iflag=fullblock oflag=direct status=none
sync
"""
COUNT_MARKS = 'echo "MARKS-__WHEN__ $(grep -a -c PV2LUKS-TAIL-MARK "$disk")"\n'

CONVERT_UNTIL_CUT = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + MARK_TAIL +
                     COUNT_MARKS.replace("__WHEN__", "BEFORE") +
                     'PV2LUKS_TEST_POINTS=1 pv2luks convert "$disk" ' + CONVERT_ARGS +
                     '\necho "CONVERT exit=$?"\nsleep 120\n')

# Slot A of the journal: the device's size puts the journal in its last MiB.
AFTER_THE_CUT = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
sectors=$(blockdev --getsz "$disk")
journal=$(( (sectors - 2048) / 8 * 8 ))
printf '\xff' | dd of="$disk" bs=1 seek=$(( journal * 512 + 300 )) conv=notrunc status=none
sync
before=$(sha256sum < "$disk" | cut -d' ' -f1)
pv2luks convert "$disk" """ + CONVERT_ARGS + r""" > /run/again.out 2>&1
echo "AGAIN exit=$?"
cat /run/again.out
after=$(sha256sum < "$disk" | cut -d' ' -f1)
echo "AGAIN same=$([ "$before" = "$after" ] && echo yes || echo no)"
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" --progress-json; echo "RESUME exit=$?"
""" + VERIFY_WITH_STOCK_CRYPTSETUP + COUNT_MARKS.replace("__WHEN__", "AFTER")


def test_convert_again_after_a_power_cut_is_refused_and_resume_finishes(lab, tmp_path):
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT, disk,
                extra=["--out", out, "--power-cut-on-line", "test point: chunk-done 3"])
    assert first.returncode == 0 and "power cut" in first.stderr, first.stderr
    assert "CONVERT exit" not in first.stdout, "the conversion ended before the cut"
    assert int(field(first.stdout, "MARKS-BEFORE")) > 6000, "the marker check sees nothing"
    last = lab(AFTER_THE_CUT, disk, extra=["--out", out])
    assert last.returncode == 0, last.stderr
    assert field(last.stdout, "AGAIN exit") != "0", last.stdout[-3000:]
    assert "a conversion of it was interrupted" in last.stdout, last.stdout[-3000:]
    assert field(last.stdout, "AGAIN same") == "yes", "the refused convert wrote to the disk"
    assert field(last.stdout, "RESUME exit") == "0", last.stdout[-3000:]
    assert_verified(first.stdout, last.stdout)
    assert field(last.stdout, "MARKS-AFTER") == "0", "plaintext left in the old tail room"


KILLED_THEN_CONVERT_AGAIN = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
PV2LUKS_TEST_KILL_AT="chunk-done 2" pv2luks convert "$disk" """ + CONVERT_ARGS + r""" > /dev/null 2>&1
echo "KILLED exit=$?"
pv2luks convert "$disk" """ + CONVERT_ARGS + r""" > /run/again.out 2>&1
echo "AGAIN exit=$?"
cat /run/again.out
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" --progress-json; echo "RESUME exit=$?"
pv2luks-harness load stop --log "$LAB_OUT/load"
""" + VERIFY_WITH_STOCK_CRYPTSETUP)


def test_convert_again_after_a_kill_under_load_is_refused(lab, tmp_path):
    result = lab(KILLED_THEN_CONVERT_AGAIN, f"pv:160M:{tmp_path / 'pv.img'}")
    assert result.returncode == 0, result.stderr
    assert field(result.stdout, "KILLED exit") == "137", result.stdout[-3000:]
    assert field(result.stdout, "AGAIN exit") != "0", result.stdout[-3000:]
    assert "a conversion of it was interrupted" in result.stdout, result.stdout[-3000:]
    assert field(result.stdout, "RESUME exit") == "0", result.stdout[-3000:]
    assert_verified(result.stdout, result.stdout)


CONVERT_ONLY_AFTER_THE_CUT = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
before=$(sha256sum < "$disk" | cut -d' ' -f1)
pv2luks convert "$disk" """ + CONVERT_ARGS + r""" > /run/again.out 2>&1
echo "AGAIN exit=$?"
cat /run/again.out
echo "AGAIN same=$([ "$before" = "$(sha256sum < "$disk" | cut -d' ' -f1)" ] && echo yes || echo no)"
"""

RESUME_THEN_VERIFY = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" --progress-json; echo "RESUME exit=$?"
""" + VERIFY_WITH_STOCK_CRYPTSETUP


def test_a_disk_shrunk_after_the_cut_is_not_converted_again(lab, tmp_path):
    """The disk loses its last 8 MiB after the cut, and with them the journal.
    The PV still fits with room for a header, so only the VG's guard tag
    tells that a conversion is under way: convert must refuse on it. With
    the size (and the bytes past the cut) restored, resume finds the journal
    and finishes."""
    image = tmp_path / "pv.img"
    out = tmp_path / "out"
    out.mkdir()
    first = lab(CONVERT_UNTIL_CUT, f"pv:160M:{image}",
                extra=["--out", out, "--power-cut-on-line", "test point: chunk-done 3"])
    assert first.returncode == 0 and "power cut" in first.stderr, first.stderr
    # A partition shrunk in its table keeps the bytes past its new end:
    # keep them aside, as the disk would.
    whole = tmp_path / "pv-whole.img"
    shutil.copyfile(image, whole)
    os.truncate(image, image.stat().st_size - (8 << 20))
    shrunk = lab(CONVERT_ONLY_AFTER_THE_CUT, f"pv:auto:{image}", extra=["--out", out])
    assert shrunk.returncode == 0, shrunk.stderr
    assert field(shrunk.stdout, "AGAIN exit") != "0", shrunk.stdout[-3000:]
    assert "carries the tag pv2luks_converting" in shrunk.stdout, shrunk.stdout[-3000:]
    assert field(shrunk.stdout, "AGAIN same") == "yes", "the refused convert wrote to the disk"
    os.replace(whole, image)
    last = lab(RESUME_THEN_VERIFY, f"pv:auto:{image}", extra=["--out", out])
    assert last.returncode == 0, last.stderr
    assert field(last.stdout, "RESUME exit") == "0", last.stdout[-3000:]
    assert_verified(first.stdout, last.stdout)
