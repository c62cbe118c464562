"""image/image_view on the host (root, loop devices; no device-mapper),
through tests/tools/image-view-tool, which opens a view, prints its fields and
holds it until its standard input ends.

Both directions of the QEMU lock, with a real QEMU: a running QEMU makes our
open fail, and a view we hold makes a QEMU started meanwhile fail to open the
image; each with a control (after the other side is gone it works). For
qcow2 the same through qemu-storage-daemon's own locks, plus its clean-up: no
daemon, nothing in $TMPDIR and no lock is left behind, also when the holder
is killed. Block devices: their size
and logical sector size, the kernel's read-only mark and an exclusive holder
(as a mount or dm would be).
Only processes and loop devices this file starts are stopped, by pid/path.
"""
import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import run
from image_view_tool import held_view, open_once, write_through
from offline_common import reaped

QEMU = os.environ.get("PV2LUKS_QEMU", "qemu-system-x86_64")
IN_USE = "is in use by another program (QEMU holds its lock): stop the VM first"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices)"),
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in (QEMU, "qemu-img", "qemu-storage-daemon", "losetup")),
        reason="needs qemu-system-x86_64, qemu-img, qemu-storage-daemon, losetup "
               "(qemu-system-x86, qemu-utils, qemu-system-common, mount)"),
]


@contextlib.contextmanager
def qemu_with(image, fmt):
    """A stopped (-S) QEMU with the image as a drive; yields the Popen."""
    argv = [QEMU, "-machine", "none", "-nographic", "-S", "-monitor", "none", "-serial", "none",
            "-drive", f"file={image},format={fmt},if=none,id=d0"]
    with reaped(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)) as proc:
        yield proc


def locks_on(path):
    """The /proc/locks lines on the file's inode."""
    st = os.stat(path)
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino} "
    return [line for line in Path("/proc/locks").read_text().splitlines() if key in line]


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def wait_qemu_holds(proc, image):
    wait_for(lambda: proc.poll() is not None or any(" 100 " in l for l in locks_on(image)),
             "QEMU's lock on byte 100")
    assert proc.poll() is None, f"QEMU exited: {proc.stderr.read()}"


def daemons_of(pid):
    """The pids of the qemu-storage-daemon children of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            comm = (entry / "comm").read_text().strip()
        except (OSError, ValueError):
            continue
        if comm.startswith("qemu-storage") and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def raw_image(tmp_path):
    image = tmp_path / "disk.img"
    with open(image, "wb") as f:
        f.truncate(16 << 20)
    return image


@pytest.fixture
def qcow2_image(tmp_path):
    image = tmp_path / "disk.qcow2"
    assert run(["qemu-img", "create", "-q", "-f", "qcow2", image, "48M"]).returncode == 0
    return image


@pytest.fixture
def loop(tmp_path):
    """loop(*losetup_args) -> a loop device over a fresh 8 MiB file."""
    made = []

    def make(*args):
        backing = tmp_path / f"loop{len(made)}.img"
        with open(backing, "wb") as f:
            f.truncate(8 << 20)
        device = run(["losetup", "--find", "--show", *args, backing]).stdout.strip()
        assert device.startswith("/dev/loop"), device
        made.append(device)
        return device

    yield make
    for device in made:
        run(["losetup", "--detach", device])


def test_raw_view_fields(raw_image):
    with held_view(raw_image) as view:
        assert view["file_path"] == str(raw_image)
        assert view["format"] == "raw"
        assert view["size_bytes"] == str(16 << 20)
        assert view["logical_sector_bytes"] == "512"
        assert view["writable"] == "1"


def test_running_qemu_refuses_raw_view(raw_image):
    with qemu_with(raw_image, "raw") as qemu:
        wait_qemu_holds(qemu, raw_image)
        result = open_once(raw_image)
        assert result.returncode == 1
        assert f"{raw_image} {IN_USE}" in result.stderr
    result = open_once(raw_image)  # control: QEMU gone, the view opens
    assert result.returncode == 0, result.stderr


def test_held_raw_view_refuses_qemu(raw_image):
    with held_view(raw_image):
        with qemu_with(raw_image, "raw") as qemu:
            assert qemu.wait(timeout=30) != 0
            err = qemu.stderr.read()
            assert "Failed to lock byte 100" in err or "Is another process using" in err, err
    with qemu_with(raw_image, "raw") as qemu:  # control: our view gone, QEMU opens it
        wait_qemu_holds(qemu, raw_image)


def qemu_io(image, *args):
    return run(["qemu-io", "-f", "raw", *args, image], timeout=60)


@pytest.mark.skipif(shutil.which("qemu-io") is None, reason="needs qemu-io (qemu-utils)")
def test_read_only_view_lets_qemu_readers_in_but_not_writers(raw_image):
    with held_view(raw_image, read_only=True) as view:
        assert view["writable"] == "0"
        assert open_once(raw_image, read_only=True).returncode == 0
        assert qemu_io(raw_image, "-r", "-c", "read 0 512").returncode == 0
        result = qemu_io(raw_image, "-c", "write 0 512")
        assert result.returncode != 0
        assert 'Failed to get "write" lock' in result.stderr + result.stdout
        with qemu_with(raw_image, "raw") as qemu:  # -drive if=none holds read only
            wait_qemu_holds(qemu, raw_image)
    assert qemu_io(raw_image, "-c", "write 0 512").returncode == 0  # control


def test_qcow2_view_fields_and_clean_up(qcow2_image, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with held_view(qcow2_image, tmpdir=scratch) as view:
        assert view["format"] == "qcow2"
        assert view["source"] == str(qcow2_image)
        assert view["file_path"] == ""  # no file: the NBD export
        assert view["size_bytes"] == str(48 << 20)
        daemons = daemons_of(view["pid"])
        assert len(daemons) == 1, daemons
        assert locks_on(qcow2_image), "qemu-storage-daemon holds no lock on the image"
        assert list(scratch.iterdir()) == []
    assert not alive(daemons[0])
    assert locks_on(qcow2_image) == []
    assert list(scratch.iterdir()) == []


def test_qcow2_with_a_comma_in_its_path(tmp_path):
    """QEMU's option syntax ends a value at a comma; the export doubles it.
    The write goes through the NBD export and is in the image after close."""
    image = tmp_path / "a,b.qcow2"
    assert run(["qemu-img", "create", "-q", "-f", "qcow2", image, "8M"]).returncode == 0
    with held_view(image) as view:
        assert view["size_bytes"] == str(8 << 20)
        write_through(view, 1 << 20, "through_the_export")
    raw = tmp_path / "back.raw"
    assert run(["qemu-img", "convert", "-O", "raw", image, raw]).returncode == 0
    with open(raw, "rb") as back:
        back.seek(1 << 20)
        assert back.read(18) == b"through_the_export"


def test_running_qemu_refuses_qcow2_view(qcow2_image, tmp_path):
    """qemu-storage-daemon's lock failure becomes our in-use Error, and the
    failed start leaves nothing behind in its temporary directory's parent."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with qemu_with(qcow2_image, "qcow2") as qemu:
        wait_qemu_holds(qemu, qcow2_image)
        result = open_once(qcow2_image, tmpdir=scratch)
        assert result.returncode == 1
        assert f"{qcow2_image} {IN_USE}" in result.stderr
        assert list(scratch.iterdir()) == []
    result = open_once(qcow2_image, tmpdir=scratch)  # control
    assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []


def test_held_qcow2_view_refuses_qemu(qcow2_image):
    with held_view(qcow2_image):
        with qemu_with(qcow2_image, "qcow2") as qemu:
            assert qemu.wait(timeout=30) != 0
            err = qemu.stderr.read()
            assert "lock" in err, err
    with qemu_with(qcow2_image, "qcow2") as qemu:  # control
        wait_qemu_holds(qemu, qcow2_image)


def test_qcow2_export_ends_when_its_holder_is_killed(qcow2_image, tmp_path):
    """The daemon gets SIGTERM when the process that started it dies, and
    ends, flushing the image: no daemon, no lock and nothing in $TMPDIR is
    left, and what was written before the kill is in the image."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with held_view(qcow2_image, tmpdir=scratch) as view:
        daemons = daemons_of(view["pid"])
        assert len(daemons) == 1, daemons
        write_through(view, 4096, "before_the_kill")
        os.kill(view["pid"], 9)
        view["killed"] = True
        wait_for(lambda: not alive(daemons[0]) and not locks_on(qcow2_image),
                 "the export to end after its holder was killed")
    assert list(scratch.iterdir()) == []
    assert run(["qemu-img", "check", qcow2_image]).returncode == 0
    raw = tmp_path / "back.raw"
    assert run(["qemu-img", "convert", "-O", "raw", qcow2_image, raw]).returncode == 0
    with open(raw, "rb") as back:
        back.seek(4096)
        assert back.read(15) == b"before_the_kill"
    assert open_once(qcow2_image, tmpdir=scratch).returncode == 0


def test_block_device_fields(loop):
    device = loop("--sector-size", "4096")
    with held_view(device) as view:
        assert view["format"] == "block"
        assert view["file_path"] == device
        assert view["size_bytes"] == str(8 << 20)
        assert view["logical_sector_bytes"] == "4096"


def test_read_only_block_device_refused_for_writing(loop):
    device = loop("--read-only")
    result = open_once(device)
    assert result.returncode == 1
    assert f"{device} is read-only: the kernel marks the device read-only" in result.stderr
    assert open_once(device, read_only=True).returncode == 0  # control


def test_block_device_held_exclusively_is_refused(loop):
    device = loop()
    holder = os.open(device, os.O_RDONLY | os.O_EXCL)  # as a mount or a dm table would
    try:
        result = open_once(device)
        assert result.returncode == 1
        assert f"{device} is in use (mounted, or held by device-mapper" in result.stderr
    finally:
        os.close(holder)
    assert open_once(device).returncode == 0, "control: free again, it opens"
