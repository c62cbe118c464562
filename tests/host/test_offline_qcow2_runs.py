"""A running qcow2 conversion and the processes around it (issue 15):

- Ctrl-C: a terminal sends SIGINT to its whole foreground process group.
  pv2luks answers it between chunks (exit 7, stopped, resumable); the
  qemu-storage-daemon under it must not get it too, or the export vanishes
  under the conversion and it fails (exit 8).
- A SIGKILLed pv2luks leaves nothing behind: no qemu-storage-daemon (it gets
  SIGTERM when pv2luks dies, and flushes the image as it ends), nothing in
  $TMPDIR or /tmp (the export is an NBD socket with no path); resume finishes.
- /dev/fuse is not needed: with /dev/null bound over it in a private mount
  namespace, a qcow2 image converts and verifies.
- A second pv2luks on an image being converted is told that a pv2luks
  conversion is running on it (not that QEMU holds it), raw and qcow2, and
  changes nothing (the whole file's sha256, the conversion held meanwhile).

The conversion is held at a test point by PV2LUKS_TEST_STOP_AT (it SIGSTOPs
itself there), so the signals land at a known place. Only processes this
file starts are signalled, by their own process group or pid."""
import contextlib
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import PV2LUKS
from offline_common import (FAST_PBKDF, build_image, key_file, manifest_lvs, pv2luks, sha256,
                            verify)

TOOLS = ["losetup", "lvm", "sfdisk", "mkfs.ext4", "qemu-img", "qemu-storage-daemon"]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices, mount namespaces)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason="needs " + ", ".join(TOOLS)),
]


def process_state(pid):
    """The state letter of /proc/PID/stat (R, S, T, Z ...), or None when gone."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def wait_for(predicate, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextlib.contextmanager
def conversion_held_at(image, key, point, env=None):
    """A conversion in its own session (as a shell's foreground job is its
    own process group), SIGSTOPped at `point`; yields the Popen."""
    env = dict(env or os.environ, PV2LUKS_TEST_STOP_AT=point)
    proc = subprocess.Popen(
        [str(PV2LUKS), "convert", "--offline", str(image), "--yes", "--key-file", str(key),
         *FAST_PBKDF],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True)
    try:
        wait_for(lambda: process_state(proc.pid) in ("T", "Z", None), f"the stop at {point}")
        assert process_state(proc.pid) == "T", proc.communicate()
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGCONT)
            proc.wait(timeout=300)


def children_named(pid, name):
    """Pids of the process's children whose command is `name`."""
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        if ppid == pid and comm == name[:15]:
            found.append(int(stat.parent.name))
    return found


def test_ctrl_c_stops_a_qcow2_conversion_resumably(tmp_path):
    """Held half way through writing chunk 1, where a Ctrl-C would land."""
    image, manifest = build_image(tmp_path, fmt="qcow2")
    key = key_file(tmp_path)
    with conversion_held_at(image, key, "chunk-half 1") as proc:
        daemons = children_named(proc.pid, "qemu-storage-daemon")
        assert len(daemons) == 1, daemons
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does
        # Were the daemon in the group, it would end now, under the conversion.
        with contextlib.suppress(AssertionError):
            wait_for(lambda: process_state(daemons[0]) in ("Z", None), "the daemon", timeout=3)
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 7, err  # stopped by a signal: resume finishes
        assert "stopped by a signal after 2 of 7 chunks" in err, err
        assert "pv2luks resume --offline" in err, err
    result = pv2luks("resume", "--offline", image, "--yes", "--key-file", key)
    assert result.returncode == 0, result.stderr
    assert verify(image, key) == manifest


def daemons_on(image):
    """The pids of qemu-storage-daemon processes with `image` on their command line."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"qemu-storage-daemon") and \
                any(str(image).encode() in arg for arg in argv):
            found.append(int(entry.name))
    return found


def pv2luks_entries(directory):
    return sorted(p.name for p in pathlib.Path(directory).iterdir()
                  if p.name.startswith(("pv2luks", "qemu")))


def test_a_killed_qcow2_conversion_leaves_nothing_behind(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    image, manifest = build_image(tmp_path, fmt="qcow2")
    key = key_file(tmp_path)
    in_tmp = pv2luks_entries("/tmp")
    result = pv2luks("convert", "--offline", image, "--yes", "--key-file", key, *FAST_PBKDF,
                     env=dict(env, PV2LUKS_TEST_KILL_AT="chunk-done 1"))
    assert result.returncode == -9, result.stderr
    # The daemon ends on its own (SIGTERM when its parent dies).
    wait_for(lambda: not daemons_on(image), "the killed conversion's daemon to end", timeout=30)
    assert list(scratch.iterdir()) == []
    assert pv2luks_entries("/tmp") == in_tmp
    assert subprocess.run(["qemu-img", "check", "-q", image]).returncode == 0
    result = pv2luks("resume", "--offline", image, "--yes", "--key-file", key, env=env)
    assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []
    assert not daemons_on(image)
    assert verify(image, key) == manifest


def test_qcow2_converts_without_dev_fuse(tmp_path):
    """/dev/null bound over /dev/fuse in a private mount namespace: nothing
    can open FUSE there; the conversion and its verification run in it."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux)")
    image, manifest = build_image(tmp_path, fmt="qcow2")
    key = key_file(tmp_path)
    script = ('{ [ ! -e /dev/fuse ] || mount --bind /dev/null /dev/fuse; } && '
              '{ [ ! -e /dev/fuse ] || '
              'test "$(stat -c %t:%T /dev/fuse)" = "$(stat -c %t:%T /dev/null)"; } && '
              '"$0" convert --offline "$1" --yes --key-file "$2" --pbkdf pbkdf2 '
              '--pbkdf-force-iterations 1000 && '
              'echo VERIFY && "$0" verify --offline "$1" --key-file "$2"')
    result = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                             str(PV2LUKS), str(image), str(key)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert manifest_lvs(result.stdout.split("VERIFY", 1)[1]) == manifest
    assert verify(image, key) == manifest  # and outside it too


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_a_second_pv2luks_is_told_a_conversion_is_running(tmp_path, fmt):
    image, manifest = build_image(tmp_path, fmt=fmt)
    key = key_file(tmp_path)
    with conversion_held_at(image, key, "chunk-done 0") as proc:
        held = sha256(image)
        for argv in (["status", "--offline", image],
                     ["convert", "--offline", image, "--yes", "--key-file", key],
                     ["resume", "--offline", image, "--yes", "--key-file", key],
                     ["verify", "--offline", image, "--key-file", key]):
            result = pv2luks(*argv)
            assert result.returncode == 5, (argv, result.stderr)  # busy
            assert f"{image} is being converted by another pv2luks" in result.stderr, \
                (argv, result.stderr)
            assert "QEMU" not in result.stderr, (argv, result.stderr)
            assert sha256(image) == held, argv
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert verify(image, key) == manifest
