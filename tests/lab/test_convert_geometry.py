"""Live conversion on the PV geometries that differ from the simple case,
each checked after a reboot into stock cryptsetup:

  span  a VG on two whole-disk PVs, one LV spanning both; only PV A converts.
        The other PV's dm targets must stay exactly as they were.
  gpt   a PV on the second GPT partition; the first partition and the
        partition table (both GPT copies) must stay untouched.
  odd   a whole-disk PV whose PV area (pe_start + pv_size) leaves a last,
        partial chunk that is not a whole number of mirror regions.
  4kn   a whole-disk PV on a disk with 4096-byte logical sectors.

All four convert in one boot and are checked in a second. Every data LV holds
random data, and its sha256 after the reboot must equal the one taken just
before its conversion. Negative control: one byte flipped on the raw disk, at
the offset computed for one LV, must be caught by the same comparison."""
import math
import re

import pytest

CONVERT = r"""#!/bin/bash
set -euo pipefail
dev() { readlink -f "$LAB_DISKS/$1"; }
fill() {  # random data over the whole LV: checksums then mean something
    local lv=/dev/$1
    dd if=/dev/urandom of="$lv" bs=64K count=$(( $(blockdev --getsize64 "$lv") / 65536 )) \
        iflag=fullblock oflag=direct status=none
}
convert() {  # NAME DEVICE: converts, labelling its output with NAME
    local rc=0
    pv2luks convert --yes "$2" --key-file "$LAB_OUT/key" --pbkdf pbkdf2 \
        --pbkdf-force-iterations 1000 --yes > "$LAB_OUT/$1.log" 2>&1 || rc=$?
    sed "s/^/[$1] /" "$LAB_OUT/$1.log"
    echo "CONVERT $1 exit=$rc"
    echo "TIME converted $1 at $SECONDS s"
}
printf 'correct horse battery staple' > "$LAB_OUT/key"
A=$(dev spana) B=$(dev spanb) G=$(dev gpt) O=$(dev odd) K=$(dev 4kn)

# span: wide starts on A and is extended onto B; aonly on A, bonly on B.
pvcreate -q --setphysicalvolumesize 40M "$A"
pvcreate -q "$B"
vgcreate -q -s 4M vgspan "$A" "$B"
lvcreate -q -n wide -L 16M vgspan "$A"
lvcreate -q -n aonly -L 12M vgspan "$A"
lvcreate -q -n bonly -L 8M vgspan "$B"
lvextend -q -L +8M vgspan/wide "$B"
echo "WIDE-ON $(lvs --noheadings -o devices vgspan/wide | tr -d ' ' | paste -sd ,)"

# gpt: partition 1 holds random data, partition 2 the PV.
sfdisk -q "$G" <<EOF
label: gpt
start=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
start=10240, type=E6D6D379-F507-44C2-A23C-238F2A3DF928
EOF
blockdev --rereadpt "$G"
dd if=/dev/urandom of="${G}1" bs=64K count=64 oflag=direct status=none
echo "P1 $(sha256sum < "${G}1" | cut -d' ' -f1)"
echo "PTABLE $(sfdisk -d "$G" | sha256sum | cut -d' ' -f1)"
pvcreate -q --setphysicalvolumesize 44M "${G}2"
vgcreate -q -s 4M vggpt "${G}2"
lvcreate -q -n data -L 20M vggpt
lvcreate -q -n more -l 100%FREE vggpt

# odd: 64 KiB extents and __EXTENTS__ of them after a 1 MiB pe_start.
pvcreate -q --setphysicalvolumesize __PV_BYTES__b "$O"
vgcreate -q -s 64K vgodd "$O"
lvcreate -q -n head -L 3M vgodd
lvcreate -q -n rest -l 100%FREE vgodd
echo "GEOM odd $(pvs --noheadings --units s --nosuffix -o pe_start,pv_size,vg_extent_size "$O")"
echo "SEG odd/rest $(lvs --noheadings -o seg_pe_ranges vgodd/rest | tr -d ' ')"

# 4kn: the guest sees 4096-byte logical sectors.
echo "SECTOR 4kn $(blockdev --getss "$K")"
pvcreate -q --setphysicalvolumesize 40M "$K"
vgcreate -q -s 4M vg4kn "$K"
lvcreate -q -n data -l 100%FREE vg4kn

echo "TIME set up at $SECONDS s"
for lv in vgspan/wide vgspan/aonly vgspan/bonly vggpt/data vggpt/more vgodd/head vgodd/rest \
    vg4kn/data; do
    fill "$lv"
done

echo "TIME filled at $SECONDS s"
set +e
table() { dmsetup table | grep '^vgspan-' | sed "s/^/$1 /"; }
echo "MAJMIN A $(cat /sys/class/block/${A##*/}/dev)"
echo "MAJMIN B $(cat /sys/class/block/${B##*/}/dev)"
table TBEFORE
pv2luks-harness checksum vgspan | sed 's/^/BEFORE /'
convert span "$A"
echo "MAJMIN A_crypt $(dmsetup info -c --noheadings --separator : -o major,minor ${A##*/}_crypt)"
table TAFTER

pv2luks-harness checksum vggpt | sed 's/^/BEFORE /'
convert gpt "${G}2"

pv2luks-harness checksum vgodd | sed 's/^/BEFORE /'
convert odd "$O"

pv2luks-harness checksum vg4kn | sed 's/^/BEFORE /'
convert 4kn "$K"

vgchange -q -an vgspan vggpt vgodd vg4kn > /dev/null; echo "DEACTIVATE exit=$?"
for name in ${A##*/} ${G##*/}2 ${O##*/} ${K##*/}; do dmsetup remove "${name}_crypt"; done
# The data segment's offset, as stock cryptsetup reads it from the header.
offset=$(cryptsetup luksDump "$O" | sed -n 's/^\toffset: *\([0-9]*\) \[bytes\]/\1/p' | head -1)
echo "DATA-OFFSET odd $offset"
"""

AFTER_REBOOT = r"""#!/bin/bash
set -uo pipefail
dev() { readlink -f "$LAB_DISKS/$1"; }
A=$(dev spana) G=$(dev gpt) O=$(dev odd) K=$(dev 4kn)
for pair in span:$A gpt:${G}2 odd:$O 4kn:$K; do
    name=${pair%%:*} device=${pair#*:}
    echo "VERSION $name $(cryptsetup luksDump "$device" | sed -n 's/^Version:\s*//p')"
    cryptsetup open "$device" "${name}_crypt" --key-file "$LAB_OUT/key"
    echo "OPEN $name exit=$?"
done
vgchange -q -ay vgspan vggpt vgodd vg4kn > /dev/null; echo "ACTIVATE exit=$?"
pv2luks-harness checksum vgspan vggpt vgodd vg4kn | sed 's/^/AFTER /'
echo "TIME checked at $SECONDS s"
echo "P1 $(sha256sum < "${G}1" | cut -d' ' -f1)"
echo "PTABLE $(sfdisk -d "$G" | sha256sum | cut -d' ' -f1)"
sfdisk --verify "$G" > /dev/null 2>&1; echo "GPT-VERIFY exit=$?"

# Negative control: flip one byte of vgodd/rest on the raw disk, under dm-crypt.
vgchange -q -an vgodd > /dev/null
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
offset = int(sys.argv[2])
os.pwrite(fd, bytes([os.pread(fd, 1, offset)[0] ^ 0xFF]), offset)
os.fsync(fd)
' "$O" __FLIP_OFFSET__
echo "FLIPPED exit=$?"
pv2luks-harness checksum vgodd | sed 's/^/TAMPERED /'

vgchange -q -an vgspan vggpt vgodd vg4kn > /dev/null
for name in span gpt odd 4kn; do cryptsetup close "${name}_crypt"; done
"""

CASES = ("span", "gpt", "odd", "4kn")
EXTENT_BYTES = 64 << 10
CHUNK_REGION_SECTORS = 1024  # the converter's default dm mirror region
# odd: two chunks of 16 MiB (256 extents each) from the end, then a front
# chunk of 1 MiB (pe_start) + 5 extents = 2688 sectors: two whole mirror
# regions and a partial one.
ODD_EXTENTS = 2 * 256 + 5
ODD_PV_BYTES = (1 << 20) + ODD_EXTENTS * EXTENT_BYTES


def field(stdout, name):
    match = re.search(rf"^{re.escape(name)}[ =](.*)$", stdout, re.M)
    assert match, f"{name} missing from the output"
    return match.group(1).strip()


def checksums(stdout, prefix):
    """{'vg/lv': sha256} from the `prefix lv VG/LV SHA256 SIZE` lines."""
    sums = {}
    for line in stdout.splitlines():
        if line.startswith(prefix + " lv "):
            _, _, name, sha, _size = line.split()
            sums[name] = sha
    return sums


def mismatches(before, after):
    """The LVs whose checksum differs, or which one side lacks: the verifier."""
    return sorted(lv for lv in before.keys() | after.keys() if before.get(lv) != after.get(lv))


def tables(stdout, prefix):
    return [line[len(prefix) + 1:] for line in stdout.splitlines() if line.startswith(prefix + " ")]


def flip_offset(converted):
    """Byte 12345 of vgodd/rest on the raw disk: LUKS data offset + pe_start
    + its first extent, computed from LVM's and cryptsetup's own reports."""
    pe_start, _, extent = (int(x) for x in field(converted, "GEOM odd").split())
    seg = re.fullmatch(r"/dev/\w+:(\d+)-\d+", field(converted, "SEG odd/rest"))
    data_offset_bytes = int(field(converted, "DATA-OFFSET odd"))
    return data_offset_bytes + (pe_start + int(seg.group(1)) * extent) * 512 + 12345


def check_only_pv_a_was_remapped(converted):
    """Every vgspan target on PV A now names A's crypt device; the rest,
    bonly and wide's segment on PV B, are exactly as before."""
    a, b = field(converted, "MAJMIN A"), field(converted, "MAJMIN B")
    a_crypt = field(converted, "MAJMIN A_crypt")
    assert re.fullmatch(r"\d+:\d+", a_crypt) and a_crypt != a
    assert field(converted, "WIDE-ON").count("(") == 2, "wide should span both PVs"
    before, after = tables(converted, "TBEFORE"), tables(converted, "TAFTER")
    assert len(before) == len(after) == 4  # wide: 2 segments, aonly, bonly
    assert any(line.startswith("vgspan-wide: ") and f" {a} " in line for line in before)
    assert any(line.startswith("vgspan-wide: ") and f" {b} " in line for line in before)
    for old, new in zip(before, after):
        expected = old.replace(f" {a} ", f" {a_crypt} ") if f" {a} " in old else old
        assert new == expected, f"{old!r} became {new!r}"
    bonly = [line for line in before if line.startswith("vgspan-bonly: ")]
    assert bonly and bonly == [line for line in after if line.startswith("vgspan-bonly: ")]


def check_partial_last_chunk(converted):
    """odd's PV area ends in a partial chunk that is not whole mirror regions,
    and the converter's plan line says so. The chunk is the LUKS data offset."""
    pe_start, pv_size, extent = (int(x) for x in field(converted, "GEOM odd").split())
    assert extent * 512 == EXTENT_BYTES and pv_size * 512 == ODD_EXTENTS * EXTENT_BYTES
    chunk = int(field(converted, "DATA-OFFSET odd")) // 512
    used = pe_start + pv_size
    remainder = used % chunk
    assert remainder > CHUNK_REGION_SECTORS and remainder % CHUNK_REGION_SECTORS != 0
    plan = field(converted, "[odd] pv2luks: plan:")
    expected = f"{math.ceil(used / chunk)} chunks of up to {chunk // 2048} MiB, moved from the end"
    assert plan == expected, plan


def test_each_geometry_converts_live_and_opens_with_stock_cryptsetup(lab, tmp_path):
    disks = [f"spana:64M:{tmp_path / 'spana.img'}", f"spanb:32M:{tmp_path / 'spanb.img'}",
             f"gpt:80M:{tmp_path / 'gpt.img'}", f"odd:64M:{tmp_path / 'odd.img'}",
             f"4kn:64M/4096:{tmp_path / '4kn.img'}"]
    out = tmp_path / "out"
    out.mkdir()
    script = CONVERT.replace("__PV_BYTES__", str(ODD_PV_BYTES))
    first = lab(script.replace("__EXTENTS__", str(ODD_EXTENTS)), *disks, extra=["--out", out])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    converted = first.stdout
    for name in CASES:
        assert field(converted, f"CONVERT {name} exit") == "0", converted[-3000:]
    assert field(converted, "DEACTIVATE exit") == "0"
    before = checksums(converted, "BEFORE")
    assert sorted(before) == ["vg4kn/data", "vggpt/data", "vggpt/more", "vgodd/head",
                              "vgodd/rest", "vgspan/aonly", "vgspan/bonly", "vgspan/wide"]
    assert field(converted, "SECTOR 4kn") == "4096"
    check_only_pv_a_was_remapped(converted)
    check_partial_last_chunk(converted)

    reboot = AFTER_REBOOT.replace("__FLIP_OFFSET__", str(flip_offset(converted)))
    second = lab(reboot, *disks, extra=["--out", out])
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr
    rebooted = second.stdout
    for name in CASES:
        assert field(rebooted, f"VERSION {name}") == "2"
        assert field(rebooted, f"OPEN {name} exit") == "0"
    assert field(rebooted, "ACTIVATE exit") == "0"
    after = checksums(rebooted, "AFTER")
    assert mismatches(before, after) == []
    assert field(rebooted, "P1") == field(converted, "P1"), "partition 1 changed"
    assert field(rebooted, "PTABLE") == field(converted, "PTABLE"), "the partition table changed"
    assert field(rebooted, "GPT-VERIFY exit") == "0"

    # The negative control goes through the same comparison and must be caught.
    assert field(rebooted, "FLIPPED exit") == "0"
    tampered = checksums(rebooted, "TAMPERED")
    assert sorted(tampered) == ["vgodd/head", "vgodd/rest"]
    odd_after = {lv: sha for lv, sha in after.items() if lv.startswith("vgodd/")}
    assert mismatches(odd_after, tampered) == ["vgodd/rest"]



# What the first boot prints for span and odd, as in a real run: the checks
# above pass on it and must fail on each wrong variant. No lab needed.
SAMPLE = """\
WIDE-ON /dev/vda(0),/dev/vdb(2)
MAJMIN A 254:0
MAJMIN B 254:16
TBEFORE vgspan-aonly: 0 24576 linear 254:0 34816
TBEFORE vgspan-bonly: 0 16384 linear 254:16 2048
TBEFORE vgspan-wide: 0 32768 linear 254:0 2048
TBEFORE vgspan-wide: 32768 16384 linear 254:16 18432
MAJMIN A_crypt 253:9
TAFTER vgspan-aonly: 0 24576 linear 253:9 34816
TAFTER vgspan-bonly: 0 16384 linear 254:16 2048
TAFTER vgspan-wide: 0 32768 linear 253:9 2048
TAFTER vgspan-wide: 32768 16384 linear 254:16 18432
GEOM odd 2048 66176 128
[odd] pv2luks: plan: 3 chunks of up to 16 MiB, moved from the end
DATA-OFFSET odd 16777216
"""


def test_the_checks_pass_on_a_good_sample():
    check_only_pv_a_was_remapped(SAMPLE)
    check_partial_last_chunk(SAMPLE)


@pytest.mark.parametrize("check, good, bad", [
    # a target on PV B remapped; one on A left alone or moved elsewhere
    ("span", "TAFTER vgspan-bonly: 0 16384 linear 254:16",
     "TAFTER vgspan-bonly: 0 16384 linear 253:9"),
    ("span", "TAFTER vgspan-wide: 32768 16384 linear 254:16",
     "TAFTER vgspan-wide: 32768 16384 linear 253:9"),
    ("span", "TAFTER vgspan-aonly: 0 24576 linear 253:9",
     "TAFTER vgspan-aonly: 0 24576 linear 254:0"),
    ("span", "linear 253:9 2048", "linear 253:9 4096"),
    ("span", "WIDE-ON /dev/vda(0),/dev/vdb(2)", "WIDE-ON /dev/vda(0)"),
    # a plan line that miscounts; a remainder under one region; no remainder
    ("odd", "plan: 3 chunks", "plan: 2 chunks"),
    ("odd", "DATA-OFFSET odd 16777216", "DATA-OFFSET odd 1048576"),
    ("odd", "GEOM odd 2048 66176", "GEOM odd 2048 63488"),
])
def test_the_checks_catch_a_wrong_table_or_plan(check, good, bad):
    assert good in SAMPLE
    checker = check_only_pv_a_was_remapped if check == "span" else check_partial_last_chunk
    with pytest.raises(AssertionError):
        checker(SAMPLE.replace(good, bad))
