"""No core dump holds the volume key. A conversion is stopped mid-move (the
test point chunk-written 1, PV2LUKS_TEST_STOP_AT), then
  - sent SIGQUIT with `ulimit -c unlimited`: pv2luks writes no core at all
    (RLIMIT_CORE 0 and PR_SET_DUMPABLE 0, from main's first line);
  - dumped by gdb's gcore, which root can do to any process, as a
    core_pattern handler could with fs.suid_dumpable 2: the core holds
    neither half of the 512-bit volume key, since the key lives in a
    SecureBuffer and OpenSSL's XTS key schedules in the locked heap, both
    left out of core dumps.
The key is looked for in the core's memory (its PT_LOAD segments). Its notes
hold each thread's registers, and a thread stopped while it encrypts holds
AES round keys there (the first two rounds of AES-256 are the key's own
bytes): no program can leave its registers out of a core. The stop point
has the read-ahead thread encrypting the next chunk, so a core can have a
key half in its notes (CI saw one once; 80 cores taken at random points of
a move had a 16-byte quarter of the key in the notes once).
The volume key is read back afterwards (resume, then cryptsetup luksDump
--dump-volume-key of the header). Negative control: pv2luks-unhardened, the
same CLI without its hardening (a test-only build), writes a core on
SIGQUIT, and both cores hold the key."""
import glob
import pathlib
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import time

import pytest

from conftest import BUILD_DIR, PV2LUKS, checked, run
from offline_common import FAST_PBKDF, build_image, key_file, partition_of

UNHARDENED = BUILD_DIR / "tests" / "pv2luks-unhardened"
STOP_AT = "chunk-written 1"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None or shutil.which("cryptsetup") is None,
                       reason="needs lvm2 and cryptsetup"),
]

BINARIES = [pytest.param(PV2LUKS, False, id="pv2luks"),
            pytest.param(UNHARDENED, True, id="unhardened-control")]


def core_files_glob(cwd, pid):
    """Where the kernel writes pid's core, as a glob; None when core_pattern
    pipes cores to a program (systemd-coredump, apport), which this test
    cannot read back."""
    pattern = open("/proc/sys/kernel/core_pattern").read().strip()
    if pattern.startswith("|"):
        return None
    uses_pid = open("/proc/sys/kernel/core_uses_pid").read().strip() == "1"
    name = re.sub(r"%(.)", lambda m: {"p": str(pid), "%": "%"}.get(m.group(1), "*"), pattern)
    if uses_pid and "%p" not in pattern:
        name += f".{pid}"
    return str(cwd / name) if not name.startswith("/") else name


def start_stopped(binary, image, key, cwd):
    """The conversion, stopped by SIGSTOP at STOP_AT, core dumps unlimited."""
    def unlimited_cores():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    env = dict(os.environ, PV2LUKS_TEST_STOP_AT=STOP_AT)
    process = subprocess.Popen(
        [str(binary), "convert", "--offline", str(image), "--yes", "--key-file", str(key), *FAST_PBKDF],
        cwd=cwd, env=env, preexec_fn=unlimited_cores, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with open(f"/proc/{process.pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "T":
                return process
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"the conversion did not stop at {STOP_AT}")


def volume_key(image, key, tmp_path):
    """Finishes the conversion and reads its volume key from the header."""
    checked([PV2LUKS, "resume", "--offline", image, "--yes", "--key-file", key])
    start, _ = partition_of(image)
    header = tmp_path / "header"
    with open(image, "rb") as disk:
        disk.seek(start)
        header.write_bytes(disk.read(16 << 20))
    dump = checked(["cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode", "--key-file", key,
                    header]).stdout
    key_bytes = bytes(int(b, 16) for b in re.findall(r"\b[0-9a-f]{2}\b", dump.split("MK dump:")[1])[:64])
    assert len(key_bytes) == 64, dump
    return key_bytes


PT_LOAD = 1


def core_memory(core):
    """The process memory in an x86-64 ELF core: its PT_LOAD segments,
    joined where their addresses meet (a key could straddle two mappings)
    and separated by a gap elsewhere. The notes (registers) are left out."""
    data = core.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2, f"{core} is not a 64-bit ELF core"
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    entry_bytes, count = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(count):
        kind, _, offset, address, _, file_bytes = struct.unpack_from("<IIQQQQ", data, phoff + i * entry_bytes)
        if kind == PT_LOAD:
            segments.append((address, data[offset:offset + file_bytes]))
    memory, end = bytearray(), None
    for address, content in sorted(segments, key=lambda segment: segment[0]):
        if address != end:
            memory += b"\0" * 64
        memory += content
        end = address + len(content)
    return bytes(memory)


def key_halves_in(core, key_bytes):
    """Which 32-byte halves of the key appear in the core's memory (an
    AES-256 key schedule starts with its key: XTS's two halves are its two
    keys)."""
    memory = core_memory(core)
    return [i for i, half in enumerate((key_bytes[:32], key_bytes[32:])) if half in memory]


@pytest.mark.parametrize("binary, control", BINARIES)
def test_sigquit_mid_conversion_writes_no_core(tmp_path, binary, control):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    image, _ = build_image(tmp_path)
    key = key_file(tmp_path)
    process = start_stopped(binary, image, key, cwd)
    where = core_files_glob(cwd, process.pid)
    if where is None:
        process.kill()
        process.wait()
        pytest.skip("core_pattern pipes cores to a program; test_gcore_holds_no_key still runs")
    os.kill(process.pid, signal.SIGQUIT)
    os.kill(process.pid, signal.SIGCONT)
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGQUIT
    cores = [pathlib.Path(path) for path in glob.glob(where)]
    try:
        if not control:
            assert cores == [], f"pv2luks wrote a core: {cores}"
            return
        assert len(cores) == 1, f"the control wrote no core at {where}"
        assert key_halves_in(cores[0], volume_key(image, key, tmp_path)) == [0, 1]
    finally:
        for core in cores:
            core.unlink()


@pytest.mark.parametrize("binary, control", BINARIES)
def test_gcore_holds_no_key(tmp_path, binary, control):
    if shutil.which("gcore") is None:
        pytest.skip("needs gdb's gcore (package gdb)")
    image, _ = build_image(tmp_path)
    key = key_file(tmp_path)
    process = start_stopped(binary, image, key, tmp_path)
    try:
        result = run(["gcore", "-o", tmp_path / "gcore", str(process.pid)], timeout=300)
    finally:
        process.kill()
        process.communicate()
    core = tmp_path / f"gcore.{process.pid}"
    assert core.exists(), result.stdout + result.stderr
    try:
        # The core is whole: its memory holds the image's path from the command line.
        assert str(image).encode() in core_memory(core)
        halves = key_halves_in(core, volume_key(image, key, tmp_path))
        assert halves == ([0, 1] if control else []), halves
    finally:
        core.unlink()
