"""pv2luks convert --offline refuses bad input before writing anything: each
refusal names the problem, exits with its code (6, or 2, 4, 5 for a missing
permission, a wrong device, a busy image) and leaves the whole image byte-identical
(sha256 of the whole file before and after)."""
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import run
from offline_common import (EXIT_BUSY, EXIT_NO_PERMISSION, EXIT_WRONG_DEVICE, assert_refused,
                            build_image, convert, key_file, partition_of)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None or shutil.which("qemu-img") is None,
                       reason="needs lvm2 and qemu-utils"),
]


def test_truncated_image(tmp_path):
    image, _ = build_image(tmp_path)
    os.truncate(image, os.path.getsize(image) - (8 << 20))
    assert_refused(image, key_file(tmp_path), says=["past"])


def test_no_pv(tmp_path):
    image = tmp_path / "empty.raw"
    with open(image, "wb") as f:
        f.truncate(64 << 20)
    run(["sfdisk", "--quiet", image], input="label: gpt\n,\n")
    assert_refused(image, key_file(tmp_path), says=["no LVM physical volume found"],
                   code=EXIT_WRONG_DEVICE)


def test_already_luks(tmp_path):
    image, _ = build_image(tmp_path)
    key = key_file(tmp_path)
    assert convert(image, key).returncode == 0
    assert_refused(image, key, says=["already a LUKS volume"], code=EXIT_WRONG_DEVICE)


def test_not_enough_tail_room(tmp_path):
    """test-msdos: the PV fills its partition; its last extents are free, so
    the refusal offers --make-room (test_offline_convert.py runs it)."""
    image, _ = build_image(tmp_path, spec="test-msdos")
    assert_refused(image, key_file(tmp_path),
                   says=["not enough room after the PV", "they need 17 MiB, 0 MiB is free",
                         "run again with --make-room"])


def test_read_only_file(tmp_path):
    image, _ = build_image(tmp_path)
    image.chmod(0o444)
    assert_refused(image, key_file(tmp_path), says=["read-only"], code=EXIT_NO_PERMISSION)


def test_wrong_partition_number(tmp_path):
    image, _ = build_image(tmp_path)
    assert_refused(image, key_file(tmp_path), "--partition", "7", says=["has no partition 7"],
                   code=EXIT_WRONG_DEVICE)


def test_the_other_partition_is_not_a_pv(tmp_path):
    image, _ = build_image(tmp_path)
    assert_refused(image, key_file(tmp_path), "--partition", "1", says=["not a PV"],
                   code=EXIT_WRONG_DEVICE)


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_image_in_use_by_qemu(tmp_path, fmt):
    if shutil.which("qemu-system-x86_64") is None:
        pytest.skip("needs qemu-system-x86_64")
    image, _ = build_image(tmp_path, fmt=fmt)
    qemu = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "none", "-nographic", "-S", "-monitor", "none",
         "-serial", "none", "-drive", f"file={image},format={fmt},if=none,id=d0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(2)
        assert qemu.poll() is None, qemu.stderr.read()
        assert_refused(image, key_file(tmp_path), says=["in use"], code=EXIT_BUSY)
    finally:
        qemu.send_signal(signal.SIGTERM)
        qemu.wait(timeout=30)


def test_second_metadata_area_at_the_pv_end(tmp_path):
    """pvcreate --metadatacopies 2 puts a metadata area at the PV's end,
    in the room the data moves into; the live path refuses it too."""
    image = tmp_path / "mda2.raw"
    with open(image, "wb") as f:
        f.truncate(96 << 20)
    device = run(["losetup", "--find", "--show", image]).stdout.strip()
    config = ("devices { use_devicesfile = 0 obtain_device_list_from_udev = 0 } "
              "global { activation = 0 } backup { backup = 0 archive = 0 }")
    try:
        for argv in (["pvcreate", "-q", "--metadatacopies", "2", "--setphysicalvolumesize", "64m",
                      device],
                     ["vgcreate", "-q", "vgmda2", device],
                     ["lvcreate", "-q", "-an", "-Zn", "-n", "lv", "-L", "16m", "vgmda2"]):
            result = run(["lvm", argv[0], "--config", config, "--devices", device, *argv[1:]])
            assert result.returncode == 0, (argv, result.stderr)
    finally:
        run(["losetup", "--detach", device])
    assert_refused(image, key_file(tmp_path), says=["2 metadata areas", "sits at its end"])


@pytest.mark.parametrize("offset", [None, "partition"])
def test_image_backing_a_loop_device(tmp_path, offset):
    """A loop device over the image (or over its PV's partition, at an
    offset) is how the image's LVs get mounted on the host: converting
    under it would change what it shows, or lose what it writes."""
    image, _ = build_image(tmp_path)
    argv = ["losetup", "--find", "--show", "--read-only"]
    if offset:
        start, size = partition_of(image)
        argv += ["--offset", str(start), "--sizelimit", str(size)]
    device = run([*argv, image]).stdout.strip()
    assert device.startswith("/dev/loop"), device
    try:
        assert_refused(image, key_file(tmp_path),
                       says=[f"loop device {device} is backed by it", f"losetup -d {device}"],
                       code=EXIT_BUSY)
    finally:
        run(["losetup", "--detach", device])


def test_no_header_fits_the_size_lvm_recorded(tmp_path):
    """test-gpt's PV partition shrunk to the PV's recorded 100 MiB: after its
    extents (97 MiB) a small header would fit, but any header would leave a
    data area smaller than what LVM recorded (tests/host/test_offline_pv_size.py)."""
    image, _ = build_image(tmp_path)
    run(["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "-N", "2", image], input=",204800\n")
    assert_refused(image, key_file(tmp_path),
                   says=["LVM records the PV's size as 204800 sectors (100 MiB)",
                         "pvresize --setphysicalvolumesize 198656s PV"])
