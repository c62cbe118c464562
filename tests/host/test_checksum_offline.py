"""pv2luks-harness checksum --offline on the host (root, loop devices, no
device-mapper): for images built raw and qcow2 it prints exactly the lv lines
of the build's manifest. Negative control: one byte flipped inside one LV
(its offset found from LVM's own lvs report, read here independently of the
harness) changes that LV's line and no other. It leaves no loop device and no
temporary file behind, and refuses images without a PV with exit 2.
"""
import json
import os
import shutil

import pytest

from conftest import HARNESS, SOURCE_DIR, checked, manifest_lvs, run
from host_lvm import LVM_CONFIG, LVM_ENV, loop_device, needs_root_and

TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4", "debugfs", "qemu-img"]
pytestmark = needs_root_and(TOOLS)


def offline_checksum(image, *extra, tmpdir=None):
    env = dict(os.environ, TMPDIR=str(tmpdir)) if tmpdir else None
    return run([HARNESS, "checksum", "--offline", image, *extra], env=env, timeout=300)


def loops_on(path):
    return checked(["losetup", "--associated", str(path)]).stdout.strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{(spec, format): (image, manifest lv lines)}."""
    assert HARNESS.exists(), f"{HARNESS} is missing: build the project first"
    images = {}
    for spec, fmt in (("test-gpt", "raw"), ("test-gpt", "qcow2"), ("test-wholedisk", "raw")):
        out = tmp_path_factory.mktemp(f"{spec}-{fmt}") / f"{spec}.{fmt}"
        checked([HARNESS, "image", "build", SOURCE_DIR / "images" / f"{spec}.json", out,
                 "--format", fmt])
        images[(spec, fmt)] = (out, manifest_lvs(open(f"{out}.manifest").read()))
    return images


@pytest.mark.parametrize("key", [("test-gpt", "raw"), ("test-gpt", "qcow2"),
                                 ("test-wholedisk", "raw")], ids="-".join)
def test_offline_checksum_equals_the_manifest(built, key, tmp_path):
    image, expected = built[key]
    result = offline_checksum(image, tmpdir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected
    assert len(expected) == {"test-gpt": 3, "test-wholedisk": 2}[key[0]]
    assert loops_on(image) == ""
    assert list(tmp_path.iterdir()) == []  # the qcow2's raw copy is gone


def test_partition_option(built):
    image, expected = built[("test-gpt", "raw")]
    result = offline_checksum(image, "--partition", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected
    result = offline_checksum(image, "--partition", "1")
    assert result.returncode == 2
    assert "partition 1 carries no LVM physical volume label" in result.stderr


def lv_first_offset(image, vg, lv):
    """Byte offset in the image of the LV's first extent, from sfdisk and LVM's
    own reports on a read-only loop device over the PV's partition."""
    table = json.loads(checked(["sfdisk", "--json", image]).stdout)["partitiontable"]
    part = table["partitions"][1]  # test-gpt: the PV is partition 2
    start, size = part["start"] * 512, part["size"] * 512
    with loop_device(image, start, size) as device:
        def report(tool, *args):
            argv = [tool, "--devices", device, "--config", LVM_CONFIG, "--reportformat", "json",
                    "--units", "b", "--nosuffix", *args]
            return json.loads(checked(argv, env=LVM_ENV).stdout)["report"][0]

        pe_start = int(report("pvs", "-o", "pe_start", device)["pv"][0]["pe_start"])
        segs = [s for s in report("lvs", "-o", "lv_name,seg_start_pe,seg_pe_ranges,"
                                  "vg_extent_size", vg)["lv"] if s["lv_name"] == lv]
    first = min(segs, key=lambda s: int(s["seg_start_pe"]))
    pe = int(first["seg_pe_ranges"].rsplit(":", 1)[1].split("-")[0])
    return start + pe_start + pe * int(first["vg_extent_size"])


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x5A]))


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_a_flipped_byte_changes_that_lv_line_only(built, fmt, tmp_path):
    raw_image, expected = built[("test-gpt", "raw")]
    damaged = tmp_path / "damaged.raw"
    shutil.copyfile(raw_image, damaged)
    flip_byte(damaged, lv_first_offset(damaged, "testgpt", "data") + 12345)
    if fmt == "qcow2":
        qcow2 = tmp_path / "damaged.qcow2"
        checked(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", damaged, qcow2])
        damaged = qcow2
    result = offline_checksum(damaged)
    assert result.returncode == 0, result.stderr
    got = result.stdout.splitlines()
    changed = sorted(set(got) ^ set(expected))
    assert [line.split()[1] for line in changed] == ["testgpt/data", "testgpt/data"], changed
    assert [line for line in got if "testgpt/data" not in line] == \
        [line for line in expected if "testgpt/data" not in line]


def test_refusals_exit_2(tmp_path):
    blank = tmp_path / "blank.img"
    with open(blank, "wb") as f:
        f.truncate(8 << 20)
    result = offline_checksum(blank)
    assert result.returncode == 2
    assert "no LVM physical volume label" in result.stderr
    result = offline_checksum(tmp_path / "missing.img")
    assert result.returncode == 2
    assert "missing.img: cannot read it" in result.stderr
    result = run([HARNESS, "checksum", "--offline", blank, "somevg"])
    assert result.returncode == 2
    result = run([HARNESS, "checksum", "somevg", "--partition", "1"])
    assert result.returncode == 2
    assert "--partition goes with --offline" in result.stderr


def test_help_names_offline():
    assert "checksum --offline IMAGE [--partition N]" in run([HARNESS, "--help"]).stdout
    assert "--offline IMAGE" in run([HARNESS, "checksum", "--help"]).stdout
