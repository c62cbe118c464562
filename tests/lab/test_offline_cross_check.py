"""Images converted offline on the host, opened in the lab guest by stock
cryptsetup and LVM: raw and qcow2, LUKS2 and LUKS1, every LV's sha256 (the
harness's `checksum`, through dm) equal to the manifest written when the
plaintext image was built. The qcow2 LUKS2 image is test-logical, its PV
in msdos logical partition 5 (extended 2): the guest kernel's /dev/vdX5
is what pv2luks converted. The LUKS data area after the PV (the old tail
room, up to the journal's wiped 1 MiB) reads as zeros: pv2luks wrote the
ciphertext of zeros there. Negative control: a fifth image with one
ciphertext byte flipped inside an LV and one in that tail must show
exactly that LV changed, and non-zero bytes in the tail."""
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))
from offline_common import build_image, convert, flip_byte, key_file, partition_of  # noqa: E402

MIB = 1 << 20

CROSS_CHECK = r"""#!/bin/bash
set -uo pipefail
for case in __CASES__; do
	IFS=: read -r name part vg <<< "$case"
	disk=$(readlink -f "$LAB_DISKS/$name")
	cryptsetup open "${disk}${part}" "x$name" --key-file "$LAB_OUT/key"; echo "OPEN $name exit=$?"
	cryptsetup status "x$name" | sed -n 's/^ *type: */TYPE '"$name"' /p'
	vgchange -ay "$vg" > /dev/null; echo "ACTIVATE $name exit=$?"
	pv2luks-harness checksum "$vg" | sed "s/^lv /LV $name lv /"
	# The LUKS data area after the PV, up to the journal's (wiped) 1 MiB at
	# the partition's end: the old tail room, now the ciphertext of zeros.
	pv_bytes=$(pvs --noheadings --nosuffix --units b -o pv_size "/dev/mapper/x$name" | tr -d ' ')
	offset=$(cryptsetup status "x$name" | awk '$1 == "offset:" { print $2 }')
	from=$((pv_bytes / 512))
	to=$((($(blockdev --getsz "${disk}${part}") - 2048) / 8 * 8 - offset))
	nonzero=$(dd if="/dev/mapper/x$name" bs=512 skip="$from" count=$((to - from)) status=none |
		tr -d '\000' | wc -c)
	echo "TAIL $name sectors=$((to - from)) nonzero=$nonzero"
	vgchange -an "$vg" > /dev/null
	cryptsetup close "x$name"
done
"""

CASES = [("rawl2", "raw", "luks2"), ("rawl1", "raw", "luks1"),
         ("qcowl2", "qcow2", "luks2"), ("qcowl1", "qcow2", "luks1")]
# Which image each case builds: (spec, PV partition, VG).
SPECS = {"qcowl2": ("test-logical", 5, "testlogical")}
DEFAULT_SPEC = ("test-gpt", 2, "testgpt")


def flip_byte_in_first_lv(image):
    """One ciphertext byte 1 MiB into the first LV (16 MiB LUKS2 header and
    1 MiB pe_start before it)."""
    start, _ = partition_of(image)
    flip_byte(image, start + 16 * MIB + MIB + MIB, 0x80)


def flip_byte_in_tail(image):
    """One ciphertext byte in the last sector before the journal's 1 MiB
    (the journal starts at a 4 KiB boundary)."""
    start, size = partition_of(image)
    flip_byte(image, start + (size // 512 - 2048) // 8 * 8 * 512 - 512, 0x80)


def test_offline_converted_images_open_with_stock_cryptsetup(lab, tmp_path):
    if shutil.which("qemu-storage-daemon") is None:
        pytest.skip("needs qemu-storage-daemon (qemu-system-common)")
    out = tmp_path / "out"
    out.mkdir()
    key = key_file(out)
    manifests, disks = {}, []
    for name, fmt, luks_type in CASES + [("broken", "raw", "luks2")]:
        spec, _, _ = SPECS.get(name, DEFAULT_SPEC)
        image, manifest = build_image(tmp_path, spec, fmt=fmt, name=f"{name}.{fmt}")
        result = convert(image, key, "--type", luks_type)
        assert result.returncode == 0, result.stderr
        if name == "broken":
            flip_byte_in_first_lv(image)
            flip_byte_in_tail(image)
        manifests[name] = manifest
        disks.append(f"{name}:auto:{image}")
    cases = [f"{name}:{SPECS.get(name, DEFAULT_SPEC)[1]}:{SPECS.get(name, DEFAULT_SPEC)[2]}"
             for name, *_ in CASES + [("broken",)]]
    result = lab(CROSS_CHECK.replace("__CASES__", " ".join(cases)), *disks,
                 extra=["--out", out], timeout=600)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for name, _, luks_type in CASES + [("broken", "raw", "luks2")]:
        assert f"OPEN {name} exit=0" in text, text[-3000:]
        assert re.search(rf"^TYPE {name} {luks_type.upper()}$", text, re.M), text[-3000:]
        seen = sorted(line.split(" ", 2)[2] for line in text.splitlines()
                      if line.startswith(f"LV {name} "))
        tail = re.search(rf"^TAIL {name} sectors=(\d+) nonzero=(\d+)$", text, re.M)
        assert tail and int(tail[1]) >= 16, text[-3000:]  # 8 KiB: both threads encrypted it
        if name == "broken":
            changed = [line for line in seen if line not in manifests[name]]
            assert len(changed) == 1 and len(seen) == len(manifests[name]), (seen, manifests[name])
            assert int(tail[2]) > 0, tail[0]  # the flipped byte's sector decrypts to noise
        else:
            assert seen == manifests[name], (name, seen, manifests[name])
            assert int(tail[2]) == 0, tail[0]
