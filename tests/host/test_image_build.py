"""pv2luks-harness image build, on the host (root, loop devices, no device-mapper).

Every check recomputes what the manifest claims from the image itself, by means
independent of the harness: partition offsets from `sfdisk --json`, LV extents
from LVM's own report on a read-only loop device, hashes with hashlib, ext4
checked by e2fsck. A negative control shows a flipped byte is caught.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import HARNESS, SOURCE_DIR, checked, run
from host_lvm import LVM_CONFIG, LVM_ENV, loop_device, needs_root_and

IMAGES = SOURCE_DIR / "images"
DATA = Path(__file__).resolve().parent / "data"
TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4", "debugfs", "e2fsck", "qemu-img"]

pytestmark = needs_root_and(TOOLS, "lvm2, fdisk, e2fsprogs, qemu-utils")

# What each test spec's pv line must say (computed by hand from the specs).
EXPECTED_PV = {
    "test-gpt": [2, 9 << 20, 118 << 20, 1 << 20, 100 << 20, 18 << 20],
    "test-msdos": [2, 5 << 20, 91 << 20, 1 << 20, 91 << 20, 0],
    "test-logical": [5, 10 << 20, 40 << 20, 1 << 20, 32 << 20, 8 << 20],
    "test-wholedisk": [0, 0, 64 << 20, 1 << 20, 56 << 20, 8 << 20],
}
SPECS = sorted(EXPECTED_PV)


def harness_build(spec, out, fmt=None, env=None):
    argv = [str(HARNESS), "image", "build", str(spec), str(out)]
    if fmt:
        argv += ["--format", fmt]
    return run(argv, env=env)


def parse_manifest(path):
    manifest = {"parts": {}, "lvs": {}, "segs": {}}
    for line in Path(path).read_text().splitlines():
        kind, *fields = line.split()
        if kind == "image":
            manifest["image"] = (fields[0], int(fields[1]))
        elif kind == "part":
            manifest["parts"][int(fields[0])] = (fields[1], int(fields[2]), int(fields[3]))
        elif kind == "pv":
            manifest["pv"] = [int(f) for f in fields]
        elif kind == "vg":
            manifest["vg"] = (fields[0], int(fields[1]), int(fields[2]))
        elif kind == "lv":
            manifest["lvs"][fields[0]] = (fields[1], int(fields[2]))
        elif kind == "seg":
            manifest["segs"].setdefault(fields[0], []).append((int(fields[1]), int(fields[2])))
        else:
            raise AssertionError(f"unknown manifest record: {line}")
    return manifest


def sha256_ranges(path, ranges):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for offset, length in ranges:
            f.seek(offset)
            while length:
                chunk = f.read(min(length, 1 << 22))
                assert chunk, f"{path}: short read at {f.tell()}"
                digest.update(chunk)
                length -= len(chunk)
    return digest.hexdigest()


def pv_area(image, spec):
    """(number, start, size) of the PV's area, from sfdisk's view of the image."""
    if spec["partition_table"] == "none":
        return 0, 0, os.path.getsize(image)
    parts = json.loads(checked(["sfdisk", "--json", str(image)]).stdout)["partitiontable"]
    # The spec's partitions in sfdisk's list, an msdos extended one left out.
    listed = [p for p in parts["partitions"] if p.get("type") not in ("5", "f", "85")]
    index = next(i for i, p in enumerate(spec["partitions"]) if p.get("pv"))
    part = listed[index]
    return int(part["node"][len(str(image)):]), part["start"] * 512, part["size"] * 512




def lvm_report(tool, device, *args):
    argv = [tool, "--devices", device, "--config", LVM_CONFIG, "--reportformat", "json",
            "--units", "b", "--nosuffix", *args]
    return json.loads(checked(argv, env=LVM_ENV).stdout)["report"][0]


def lvm_layout(image, spec):
    """LVM's own account of the image: {lv: [(offset, length)]}, seg_count, pe_start."""
    _, start, size = pv_area(image, spec)
    vg = spec["pv"]["vg"]
    with loop_device(image, start, size) as device:
        pe_start = int(lvm_report("pvs", device, "-o", "pe_start", device)["pv"][0]["pe_start"])
        segments = lvm_report("lvs", device, "-o", "lv_name,seg_start_pe,seg_size_pe,"
                              "seg_pe_ranges,vg_extent_size", vg)["lv"]
        counts = lvm_report("lvs", device, "-o", "lv_name,seg_count", vg)["lv"]
    ranges = {}
    for seg in sorted(segments, key=lambda s: (s["lv_name"], int(s["seg_start_pe"]))):
        extent = int(seg["vg_extent_size"])
        first = int(seg["seg_pe_ranges"].rsplit(":", 1)[1].split("-")[0])
        ranges.setdefault(f"{vg}/{seg['lv_name']}", []).append(
            (start + pe_start + first * extent, int(seg["seg_size_pe"]) * extent))
    seg_counts = {f"{vg}/{c['lv_name']}": int(c["seg_count"]) for c in counts}
    return ranges, seg_counts


def leftovers(out):
    return sorted(p.name for p in Path(out).parent.glob(Path(out).name + "*"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each test spec built once, raw: {name: (image, manifest, spec)}."""
    assert HARNESS.exists(), f"{HARNESS} is missing: build the project first"
    images = {}
    for name in SPECS:
        out = tmp_path_factory.mktemp(name) / f"{name}.img"
        spec_path = IMAGES / f"{name}.json"
        result = harness_build(spec_path, out)
        assert result.returncode == 0, result.stderr
        images[name] = (out, parse_manifest(f"{out}.manifest"), json.loads(spec_path.read_text()))
    return images


@pytest.mark.parametrize("name", SPECS)
def test_manifest_has_the_expected_lines(built, name):
    image, manifest, spec = built[name]
    assert leftovers(image) == [image.name, image.name + ".manifest"]
    assert manifest["pv"] == EXPECTED_PV[name]
    vg = spec["pv"]["vg"]
    assert manifest["vg"][0] == vg
    assert sorted(manifest["lvs"]) == sorted(f"{vg}/{lv['name']}" for lv in spec["lvs"])
    lines = [line for line in Path(f"{image}.manifest").read_text().splitlines()
             if line.startswith("lv ")]
    assert lines == sorted(lines)
    for lv in spec["lvs"]:
        assert manifest["lvs"][f"{vg}/{lv['name']}"][1] == int(lv["size"].rstrip("M")) << 20
    assert manifest["image"][1] == os.path.getsize(image)


@pytest.mark.parametrize("name", SPECS)
def test_image_sha256_recomputed(built, name):
    image, manifest, _ = built[name]
    assert sha256_ranges(image, [(0, os.path.getsize(image))]) == manifest["image"][0]


@pytest.mark.parametrize("name", SPECS)
def test_partitions_recomputed_from_sfdisk(built, name):
    image, manifest, spec = built[name]
    if spec["partition_table"] == "none":
        assert manifest["parts"] == {}
        return
    table = json.loads(checked(["sfdisk", "--json", str(image)]).stdout)["partitiontable"]
    assert table["label"] == {"gpt": "gpt", "msdos": "dos"}[spec["partition_table"]]
    # sfdisk lists an msdos extended partition too (test-logical's 2): the
    # spec's partitions are the others, in order (logical ones from 5).
    listed = [p for p in table["partitions"] if p.get("type") not in ("5", "f", "85")]
    assert len(listed) == len(spec["partitions"])
    for index, part in enumerate(listed):
        number = int(part["node"][len(str(image)):])
        if spec["partitions"][index].get("logical"):
            assert number == 5 + sum(1 for p in spec["partitions"][:index] if p.get("logical"))
        if spec["partitions"][index].get("pv"):
            assert number not in manifest["parts"]
            continue
        start, size = part["start"] * 512, part["size"] * 512
        assert manifest["parts"][number] == (sha256_ranges(image, [(start, size)]), start, size)


@pytest.mark.parametrize("name", SPECS)
def test_lv_checksums_recomputed_from_lvm_offsets(built, name):
    image, manifest, spec = built[name]
    ranges, _ = lvm_layout(image, spec)
    assert sorted(ranges) == sorted(manifest["lvs"])
    for lv, lv_ranges in ranges.items():
        assert manifest["segs"][lv] == lv_ranges, lv
        assert sum(length for _, length in lv_ranges) == manifest["lvs"][lv][1]
        assert sha256_ranges(image, lv_ranges) == manifest["lvs"][lv][0], lv


@pytest.mark.parametrize("name", SPECS)
def test_ext4_lvs_pass_fsck(built, name, tmp_path):
    image, _, spec = built[name]
    ranges, _ = lvm_layout(image, spec)
    ext4 = [lv for lv in spec["lvs"] if lv.get("content") == "ext4"]
    assert ext4, f"{name} has no ext4 LV to check"
    for lv in ext4:
        extracted = tmp_path / f"{lv['name']}.ext4"
        with open(image, "rb") as src, open(extracted, "wb") as dst:
            for offset, length in ranges[f"{spec['pv']['vg']}/{lv['name']}"]:
                src.seek(offset)
                dst.write(src.read(length))
        result = run(["e2fsck", "-fn", str(extracted)])
        assert result.returncode == 0, result.stdout + result.stderr
        listing = checked(["debugfs", "-R", "ls -p /dir0", str(extracted)]).stdout
        assert "file0000.bin" in listing


@pytest.mark.parametrize("name", SPECS)
def test_multi_segment_lvs_have_their_segments(built, name):
    image, _, spec = built[name]
    ranges, seg_counts = lvm_layout(image, spec)
    vg = spec["pv"]["vg"]
    multi = [lv for lv in spec["lvs"] if lv.get("segments", 1) > 1]
    assert multi, f"{name} has no multi-segment LV"
    for lv in spec["lvs"]:
        full = f"{vg}/{lv['name']}"
        assert seg_counts[full] == lv.get("segments", 1), full
        for (offset, length), (next_offset, _) in zip(ranges[full], ranges[full][1:]):
            assert offset + length < next_offset, f"{full}: segments are adjacent"


def test_qcow2_holds_the_same_disk(built, tmp_path):
    out = tmp_path / "gpt.qcow2"
    result = harness_build(IMAGES / "test-gpt.json", out, "qcow2")
    assert result.returncode == 0, result.stderr
    assert leftovers(out) == [out.name, out.name + ".manifest"]
    info = json.loads(checked(["qemu-img", "info", "--output", "json", str(out)]).stdout)
    assert info["format"] == "qcow2"
    manifest = parse_manifest(f"{out}.manifest")
    assert info["virtual-size"] == manifest["image"][1]
    raw = tmp_path / "gpt.raw"
    checked(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(out), str(raw)])
    assert sha256_ranges(raw, [(0, os.path.getsize(raw))]) == manifest["image"][0]
    spec = json.loads((IMAGES / "test-gpt.json").read_text())
    ranges, _ = lvm_layout(raw, spec)
    for lv, lv_ranges in ranges.items():
        assert sha256_ranges(raw, lv_ranges) == manifest["lvs"][lv][0], lv
    # Content is seeded: a second build has the same LVs (only LVM's UUIDs differ).
    _, raw_manifest, _ = built["test-gpt"]
    assert manifest["lvs"] == raw_manifest["lvs"]
    assert manifest["parts"] == raw_manifest["parts"]


def test_demo_image(tmp_path):
    out = tmp_path / "demo.img"
    result = harness_build(IMAGES / "demo.json", out)
    assert result.returncode == 0, result.stderr
    manifest = parse_manifest(f"{out}.manifest")
    assert sorted(manifest["lvs"]) == ["demo/home", "demo/root", "demo/scratch"]
    assert manifest["pv"][0] == 2 and manifest["pv"][5] == 32 << 20
    assert len(manifest["segs"]["demo/home"]) == 2


def test_flipped_byte_is_caught(built, tmp_path):
    """Negative control: the recomputation can fail, and only where the byte changed."""
    image, manifest, spec = built["test-gpt"]
    copy = tmp_path / "flipped.img"
    checked(["cp", "--sparse=always", str(image), str(copy)])
    ranges, _ = lvm_layout(copy, spec)
    offset, length = ranges["testgpt/data"][1]
    with open(copy, "r+b") as f:
        f.seek(offset + length // 2)
        byte = f.read(1)
        f.seek(offset + length // 2)
        f.write(bytes([byte[0] ^ 0x01]))
    for lv, lv_ranges in ranges.items():
        matches = sha256_ranges(copy, lv_ranges) == manifest["lvs"][lv][0]
        assert matches == (lv != "testgpt/data"), lv
    assert sha256_ranges(copy, [(0, os.path.getsize(copy))]) != manifest["image"][0]


BAD_SPECS = {
    "not-json": ('{"disk_size": "64M",', "not valid JSON"),
    "unknown-field": ('{"disk_size": "64M", "partition_table": "none", "colour": 1, '
                      '"pv": {"vg": "v"}}', "unknown field 'colour'"),
    "bad-size": ('{"disk_size": "64 MB", "partition_table": "none", "pv": {"vg": "v"}}',
                 "disk_size: '64 MB' is not a size"),
    "partitions-overflow": ('{"disk_size": "32M", "partition_table": "msdos", "partitions": '
                            '[{"size": "24M"}, {"size": "16M", "pv": true}], "pv": {"vg": "v"}}',
                            "partitions[1]: ends at 41 MiB but the usable disk ends at 32 MiB"),
    "pv-too-big": ('{"disk_size": "32M", "partition_table": "gpt", "partitions": '
                   '[{"size": "rest", "pv": true}], "pv": {"vg": "v", "size": "31M"}}',
                   "pv: size 31 MiB is larger than its partition (30 MiB)"),
    "logical-on-gpt": ('{"disk_size": "32M", "partition_table": "gpt", "partitions": '
                       '[{"size": "rest", "pv": true, "logical": true}], "pv": {"vg": "v"}}',
                       '"logical" partitions need partition_table "msdos"'),
    "primary-after-logical": ('{"disk_size": "32M", "partition_table": "msdos", "partitions": '
                              '[{"size": "8M", "logical": true}, {"size": "rest", "pv": true}], '
                              '"pv": {"vg": "v"}}',
                              "logical partitions must come after every primary one"),
    "no-pv-partition": ('{"disk_size": "32M", "partition_table": "gpt", "partitions": '
                        '[{"size": "rest"}], "pv": {"vg": "v"}}',
                        'exactly one partition needs "pv": true'),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS) + ["bad-does-not-fit"])
def test_bad_spec_exits_2_and_writes_nothing(tmp_path, case):
    if case in BAD_SPECS:
        spec = tmp_path / f"{case}.json"
        spec.write_text(BAD_SPECS[case][0])
        expected = BAD_SPECS[case][1]
    else:
        spec = DATA / f"{case}.json"
        expected = "lvs: need 16 extents of 4 MiB"
    out = tmp_path / "out" / "bad.img"
    out.parent.mkdir()
    result = harness_build(spec, out)
    assert result.returncode == 2, result.stderr
    assert f"{spec}: bad layout spec:" in result.stderr
    assert expected in result.stderr
    assert list(out.parent.iterdir()) == []


def test_missing_spec_file_exits_2(tmp_path):
    result = harness_build(tmp_path / "nosuch.json", tmp_path / "x.img")
    assert result.returncode == 2
    assert "cannot read the layout spec" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_failed_build_leaves_no_output_and_no_loop_device(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "mkfs.ext4").write_text("#!/bin/sh\necho fake mkfs.ext4 failure >&2\nexit 1\n")
    (fake / "mkfs.ext4").chmod(0o755)
    out = tmp_path / "out" / "fail.img"
    out.parent.mkdir()
    env = dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}")
    result = harness_build(IMAGES / "test-gpt.json", out, env=env)
    assert result.returncode == 1
    assert "fake mkfs.ext4 failure" in result.stderr
    assert list(out.parent.iterdir()) == []
    assert str(out) not in checked(["losetup", "--list", "--noheadings", "-O", "BACK-FILE"]).stdout


def test_checksum_of_unknown_vg_exits_2():
    result = run([HARNESS, "checksum", "pv2luks-no-such-vg"], env=LVM_ENV)
    assert result.returncode == 2
    assert "volume group 'pv2luks-no-such-vg' not found" in result.stderr
