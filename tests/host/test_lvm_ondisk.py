"""LVM metadata read straight from a PV's bytes (libpv2luks lvm/, through
tests/tools/lvm-read-tool), on the host (root, loop devices, no device-mapper).

The reader never runs an lvm tool. What it says is checked against what the
harness computed independently (OUT.manifest: lvs' segment report plus byte
offsets) and against LVM's own reports. Negative controls: one flipped byte in
one LV changes exactly that LV's checksum; a corrupt metadata area header, a
wiped label or a too small size is a clear error.
"""

import json
import os
import struct
from pathlib import Path

import pytest

from conftest import BUILD_DIR, HARNESS, SOURCE_DIR, checked, run
from host_lvm import LVM_CONFIG, LVM_ENV, loop_device, needs_root_and

TOOL = BUILD_DIR / "tests" / "lvm-read-tool"
IMAGES = SOURCE_DIR / "images"
SPECS = sorted(p.stem for p in IMAGES.glob("*.json"))
TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4"]

pytestmark = needs_root_and(TOOLS, "lvm2, fdisk, e2fsprogs")
MDA_MAGIC = b" LVM2 x[5A%r0N*>"  # lvm2 lib/format_text/layout.h, FMTT_MAGIC


def read_tool(path, offset, size):
    return run([TOOL, path, offset, size])


def tool_lines(path, offset, size):
    """{kind: [line, ...]} of a successful run."""
    result = read_tool(path, offset, size)
    assert result.returncode == 0, result.stderr
    lines = {}
    for line in result.stdout.splitlines():
        lines.setdefault(line.split()[0], []).append(line)
    return lines


def manifest_records(path):
    records = {}
    for line in Path(path).read_text().splitlines():
        records.setdefault(line.split()[0], []).append(line)
    return records


def pv_area_from_sfdisk(image, spec):
    """(start, size) of the PV's area, from sfdisk's view of the image."""
    if spec["partition_table"] == "none":
        return 0, os.path.getsize(image)
    table = json.loads(checked(["sfdisk", "--json", str(image)]).stdout)["partitiontable"]
    # The spec's partitions in sfdisk's list, an msdos extended one left out.
    listed = [p for p in table["partitions"] if p.get("type") not in ("5", "f", "85")]
    index = next(i for i, p in enumerate(spec["partitions"]) if p.get("pv"))
    part = listed[index]
    return part["start"] * 512, part["size"] * 512


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each spec in images/ built once, raw: {name: (image, manifest path, spec)}."""
    assert HARNESS.exists(), f"{HARNESS} is missing: build the project first"
    assert TOOL.exists(), f"{TOOL} is missing: build the project first"
    images = {}
    for name in SPECS:
        out = tmp_path_factory.mktemp(name) / f"{name}.img"
        result = run([HARNESS, "image", "build", IMAGES / f"{name}.json", out])
        assert result.returncode == 0, result.stderr
        spec = json.loads((IMAGES / f"{name}.json").read_text())
        images[name] = (out, Path(f"{out}.manifest"), spec)
    return images


def pv_area(built, name):
    image, manifest, spec = built[name]
    fields = manifest_records(manifest)["pv"][0].split()
    start, size = int(fields[2]), int(fields[3])
    assert (start, size) == pv_area_from_sfdisk(image, spec)
    return start, size


@pytest.mark.parametrize("name", SPECS)
def test_lv_checksums_equal_the_manifest(built, name):
    image, manifest, _ = built[name]
    start, size = pv_area(built, name)
    lines = tool_lines(image, start, size)
    expected = manifest_records(manifest)["lv"]
    assert len(expected) >= 2
    assert lines["lv"] == expected
    assert "skip" not in lines


@pytest.mark.parametrize("name", SPECS)
def test_geometry_equals_the_manifest(built, name):
    image, manifest, _ = built[name]
    start, size = pv_area(built, name)
    records = manifest_records(manifest)
    lines = tool_lines(image, start, size)
    assert lines["vg"] == records["vg"]
    _, _, _, _, pe_start, pv_size, _ = records["pv"][0].split()
    segment_ends = [int(f[2]) + int(f[3]) for f in (s.split() for s in records["seg"])]
    _, tool_pe_start, tool_pv_size, allocated_end = lines["pv-on-disk"][0].split()
    assert (tool_pe_start, tool_pv_size) == (pe_start, pv_size)
    assert int(allocated_end) == max(segment_ends) - start




def test_reads_a_block_device_too(built):
    image, manifest, _ = built["test-gpt"]
    start, size = pv_area(built, "test-gpt")
    with loop_device(image, start, size) as device:
        lines = tool_lines(device, 0, size)
    assert lines["lv"] == manifest_records(manifest)["lv"]


def copy_of(image, tmp_path, name):
    copy = tmp_path / name
    checked(["cp", "--sparse=always", str(image), str(copy)])
    return copy


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


def test_flipped_byte_changes_only_its_lv(built, tmp_path):
    """Negative control: the comparison above can fail, and only for the LV hit."""
    image, manifest, _ = built["test-gpt"]
    start, size = pv_area(built, "test-gpt")
    copy = copy_of(image, tmp_path, "flipped.img")
    segs = [s.split() for s in manifest_records(manifest)["seg"] if s.split()[1] == "testgpt/data"]
    offset, length = int(segs[1][2]), int(segs[1][3])
    flip_byte(copy, offset + length // 2)
    expected = {line.split()[1]: line for line in manifest_records(manifest)["lv"]}
    got = {line.split()[1]: line for line in tool_lines(copy, start, size)["lv"]}
    assert sorted(got) == sorted(expected)
    for lv in expected:
        assert (got[lv] == expected[lv]) == (lv != "testgpt/data"), lv


def mda_header_offset(path, pv_start):
    """The first metadata area header, found by its magic (not through the reader)."""
    with open(path, "rb") as f:
        f.seek(pv_start)
        head = f.read(1 << 20)
    at = head.find(MDA_MAGIC)
    assert at >= 4, "no metadata area header in the PV's first MiB"
    return pv_start + at - 4


def test_corrupt_metadata_area_header_is_an_error(built, tmp_path):
    image, _, _ = built["test-gpt"]
    start, size = pv_area(built, "test-gpt")
    copy = copy_of(image, tmp_path, "bad-mda.img")
    flip_byte(copy, mda_header_offset(copy, start) + 40)  # the text's offset, in slot 0
    result = read_tool(copy, start, size)
    assert result.returncode == 1
    assert "metadata area header checksum mismatch" in result.stderr
    assert result.stdout == ""


def test_wiped_label_is_not_a_pv(built, tmp_path):
    image, _, _ = built["test-wholedisk"]
    start, size = pv_area(built, "test-wholedisk")
    copy = copy_of(image, tmp_path, "no-label.img")
    with open(copy, "r+b") as f:
        f.seek(start)
        f.write(bytes(4 * 512))
    result = read_tool(copy, start, size)
    assert result.returncode == 1
    assert "no LVM label in the first 4 sectors: not a PV" in result.stderr


def test_size_smaller_than_the_extents_is_an_error(built):
    image, manifest, _ = built["test-gpt"]
    start, _ = pv_area(built, "test-gpt")
    records = manifest_records(manifest)
    pe_start = int(records["pv"][0].split()[4])
    _, _, extent_bytes, pe_count = records["vg"][0].split()
    extents_end = pe_start + int(extent_bytes) * int(pe_count)
    assert tool_lines(image, start, extents_end)["lv"] == records["lv"]
    result = read_tool(image, start, extents_end - 1)
    assert result.returncode == 1
    assert f"end at byte {extents_end}, beyond the PV's {extents_end - 1} bytes" in result.stderr


def lvm(tool, device, *args):
    return checked([tool, "--devices", device, "--config", LVM_CONFIG, *args], env=LVM_ENV)


def slot0_wraps(path):
    """Whether the committed text of the first metadata area wraps round its end."""
    with open(path, "rb") as f:
        f.seek(mda_header_offset(path, 0))
        header = f.read(512)
    mda_size = struct.unpack_from("<Q", header, 32)[0]
    offset, size = struct.unpack_from("<QQ", header, 40)
    return offset + size > mda_size


def test_two_small_metadata_areas_whose_text_wraps(tmp_path):
    """A PV made by LVM with a metadata area at each end, small enough that the
    text wraps round it after a few writes: every state reads as LVM says."""
    path = tmp_path / "wrap.img"
    size = 64 << 20
    with open(path, "wb") as f:
        f.truncate(size)
    wrapped = 0
    device = checked(["losetup", "--find", "--show", str(path)]).stdout.strip()
    try:
        lvm("pvcreate", device, "-y", "--metadatasize", "32k", "--dataalignment", "64k",
            "--pvmetadatacopies", "2", device)
        lvm("vgcreate", device, "-s", "1M", "wrapvg", device)
        pv = json.loads(lvm("pvs", device, "--reportformat", "json", "--units", "b", "--nosuffix",
                            "-o", "pv_mda_count,pv_pe_count,vg_extent_size",
                            device).stdout)["report"][0]["pv"][0]
        assert pv["pv_mda_count"] == "2"
        vg_line = f"vg wrapvg {pv['vg_extent_size']} {pv['pv_pe_count']}"
        for i in range(16):
            lvm("lvcreate", device, "-y", "-Zn", "-n", f"lv{i:02}", "-L", "1M",
                "--addtag", f"t{i:02}" + "x" * 1000, "wrapvg")  # the text grows fast
            lines = tool_lines(path, 0, size)
            assert lines["vg"] == [vg_line]
            assert [line.split()[1] for line in lines["lv"]] == [
                f"wrapvg/lv{j:02}" for j in range(i + 1)]
            wrapped += slot0_wraps(path)
    finally:
        run(["losetup", "--detach", device])
    assert wrapped >= 1, "the metadata text never wrapped: the area is too large for this test"
