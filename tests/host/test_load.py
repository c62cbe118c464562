"""pv2luks-harness load start|stop|verify on the host: a temp dir, a regular
file and a loop device as targets. Each negative control proves verify can fail.
Runs as root (loop devices); needs no device-mapper."""

import hashlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import HARNESS, run

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="host tests run as root"),
    pytest.mark.skipif(not HARNESS.exists(), reason=f"{HARNESS} is not built"),
]

OK_LINE = re.compile(
    r"load verify: (\d+) acknowledged writes checked \((\d+) file, (\d+) raw\): OK")
STOP_LINE = re.compile(r"load: writer stopped: (\d+) file writes, (\d+) raw writes acknowledged")


def load(*args, timeout=120):
    return run([HARNESS, "load", *args], timeout=timeout)


def writer_pid(log):
    text = (log / "writer.pid").read_text()
    return int(re.search(r"^pid=(\d+)$", text, re.M).group(1))


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def records(log, kind):
    """The log's records of one kind ("F" or "R") as dicts, in order."""
    found = []
    for segment in sorted(log.glob("load.*.log")):
        for line in segment.read_text(errors="replace").splitlines():
            if line.startswith(kind + " ") and " #" in line:
                body = line.rsplit(" #", 1)[0]
                found.append(dict(word.split("=", 1) for word in body.split()[1:]))
    return found


def wait_for(predicate, timeout_s=30, what="condition"):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def read_plain(src, dst):
    """Copies a file with plain reads while it may be written."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(1 << 20):
            fout.write(chunk)


def digest(paths):
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()


@pytest.fixture
def lab(tmp_path):
    """log/, data/ and a 16 MiB raw.img; any writer left running is killed."""
    (tmp_path / "log").mkdir()
    (tmp_path / "data").mkdir()
    raw = tmp_path / "raw.img"
    with open(raw, "wb") as f:
        f.truncate(16 << 20)
    yield tmp_path
    pid_file = tmp_path / "log" / "writer.pid"
    if pid_file.exists():
        pid = writer_pid(tmp_path / "log")
        if alive(pid) and "pv2luks-harness" in Path(f"/proc/{pid}/cmdline").read_text():
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def loop_device(lab):
    try:
        device = subprocess.run(["losetup", "--find", "--show", str(lab / "raw.img")],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"no loop device: {e}")
    try:
        yield device
    finally:
        subprocess.run(["losetup", "-d", device], check=False)


def start(lab, *extra, targets=("dir", "raw")):
    args = ["start", "--log", lab / "log", "--seed", 1234, "--files", 4, "--file-size", "16K"]
    if "dir" in targets:
        args += ["--dir", lab / "data"]
    if "raw" in targets:
        args += ["--raw", lab / "raw.img"]
    result = load(*args, *extra)
    assert result.returncode == 0, result.stderr
    assert "writer started" in result.stdout
    assert alive(writer_pid(lab / "log"))


def stop(lab):
    result = load("stop", "--log", lab / "log")
    assert result.returncode == 0, result.stderr
    match = STOP_LINE.search(result.stdout)
    assert match, result.stdout
    return int(match.group(1)), int(match.group(2))


def verify(lab, *extra):
    return load("verify", "--log", lab / "log", *extra)


def assert_verify_ok(lab, *extra):
    result = verify(lab, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    match = OK_LINE.search(result.stdout)
    assert match, result.stdout
    total, files, raws = map(int, match.groups())
    assert total == files + raws and total > 0
    return files, raws


def assert_verify_fails(lab, *extra, naming):
    result = verify(lab, *extra)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "load verify: FAILED:" in result.stdout, result.stdout
    assert naming in result.stdout, result.stdout
    return result.stdout


def test_start_stop_verify_passes_and_verify_writes_nothing(lab):
    start(lab)
    time.sleep(2)
    file_writes, raw_writes = stop(lab)
    assert file_writes > 0 and raw_writes > 0
    targets = sorted((lab / "data").iterdir()) + [lab / "raw.img"]
    before = digest(targets), [p.stat().st_mtime_ns for p in targets]
    assert assert_verify_ok(lab) == (file_writes, raw_writes)
    assert (digest(targets), [p.stat().st_mtime_ns for p in targets]) == before


def test_loop_device_target_and_zeroed_block(lab, loop_device):
    result = load("start", "--log", lab / "log", "--raw", loop_device, "--block-size", "4K",
                  "--raw-span", "4M", "--seed", 5)
    assert result.returncode == 0, result.stderr
    time.sleep(1.5)
    assert stop(lab)[1] > 0
    assert_verify_ok(lab)
    last = records(lab / "log", "R")[-1]
    assert int(last["block"]) < 1024  # within --raw-span
    offset = int(last["block"]) * 4096
    with open(lab / "raw.img", "r+b") as f:  # behind the loop device's back
        f.seek(offset)
        f.write(bytes(4096))
    assert_verify_fails(
        lab, naming=f"{loop_device}: block {last['block']} at offset {offset} bytes")


def test_restored_older_file_fails(lab):
    start(lab)
    old = lab / "old.dat"
    read_plain(lab / "data" / "load-000.dat", old)
    old_generation = int.from_bytes(old.read_bytes()[40:48], "little")
    assert old_generation >= 1
    wait_for(lambda: any(r["index"] == "0" and int(r["gen"]) > old_generation
                         for r in records(lab / "log", "F")), what="a newer generation of file 0")
    stop(lab)
    assert_verify_ok(lab)
    os.replace(old, lab / "data" / "load-000.dat")
    out = assert_verify_fails(lab, naming="load-000.dat: old content: generation "
                                          f"{old_generation} on disk")
    assert "acknowledged write" in out


def test_zeroed_raw_block_fails(lab):
    start(lab, targets=("raw",))
    time.sleep(1)
    stop(lab)
    last = records(lab / "log", "R")[-1]
    offset = int(last["block"]) * 65536
    with open(lab / "raw.img", "r+b") as f:
        f.seek(offset)
        f.write(bytes(65536))
    out = assert_verify_fails(lab, naming=f"block {last['block']} at offset {offset} bytes")
    assert "no load header" in out


def test_raw_copy_taken_during_writes_fails(lab):
    start(lab, targets=("raw",))
    time.sleep(0.5)
    read_plain(lab / "raw.img", lab / "copy.img")
    copied = len(records(lab / "log", "R"))
    wait_for(lambda: len(records(lab / "log", "R")) >= copied + 5, what="writes after the copy")
    stop(lab)
    assert_verify_ok(lab)
    out = assert_verify_fails(lab, "--raw-map", f"{lab / 'raw.img'}={lab / 'copy.img'}",
                              naming=f"{lab / 'copy.img'} (logged as {lab / 'raw.img'})")
    assert "old content" in out or "no load header" in out


def test_dir_copy_taken_during_writes_fails(lab):
    start(lab, targets=("dir",))
    time.sleep(0.5)
    copy = lab / "copy"
    copy.mkdir()
    for path in sorted((lab / "data").glob("load-*.dat")):
        read_plain(path, copy / path.name)
    copied = len(records(lab / "log", "F"))
    wait_for(lambda: len(records(lab / "log", "F")) >= copied + 8, what="writes after the copy")
    stop(lab)
    assert_verify_ok(lab)
    assert_verify_fails(lab, "--dir-map", f"{lab / 'data'}={copy}",
                        naming=f"(logged as {lab / 'data'}")


def test_killed_writer_verifies_and_torn_tail_is_ignored(lab):
    start(lab)
    time.sleep(1.5)
    pid = writer_pid(lab / "log")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid), what="the writer to die")
    assert_verify_ok(lab)
    result = load("stop", "--log", lab / "log")
    assert result.returncode == 1 and "without its end record" in result.stderr, result.stderr
    segment = lab / "log" / "load.0001.log"
    with open(segment, "ab") as f:  # a power cut in the middle of an append
        f.write(b"R dev=/x bs=65536 blo")
    result = verify(lab)
    assert result.returncode == 0, result.stdout
    assert "ends in a torn record (21 bytes" in result.stdout
    lines = segment.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"index=", b"index=9", 1)
    segment.write_bytes(b"\n".join(lines))
    result = verify(lab)
    assert result.returncode == 1
    assert "load.0001.log: record 2" in result.stderr and "not the last record" in result.stderr


def test_second_run_continues_the_same_log(lab):
    start(lab)
    time.sleep(1)
    first = stop(lab)
    result = load("start", "--log", lab / "log", "--dir", lab / "data", "--raw", lab / "raw.img",
                  "--seed", 99, "--files", 6, "--file-size", "8K")
    assert result.returncode == 0, result.stderr
    time.sleep(1)
    second = stop(lab)
    assert sorted(p.name for p in (lab / "log").glob("load.*.log")) == ["load.0001.log",
                                                                       "load.0002.log"]
    assert assert_verify_ok(lab) == (first[0] + second[0], first[1] + second[1])


def test_second_start_is_refused_while_running(lab):
    start(lab, targets=("raw",))
    result = load("start", "--log", lab / "log", "--raw", lab / "raw.img")
    assert result.returncode == 2
    assert "already running" in result.stderr
    result = verify(lab)
    assert result.returncode == 2 and "still running" in result.stderr, result.stderr
    stop(lab)


def test_stop_is_prompt_during_a_long_pause(lab):
    start(lab, "--pause-ms", 20000, targets=("raw",))
    began = time.monotonic()
    stop(lab)
    assert time.monotonic() - began < 5


@pytest.mark.parametrize("args, message", [
    (["start", "--dir", "{data}"], "--log DIR is required"),
    (["start", "--log", "{log}"], "at least one --dir or --raw"),
    (["start", "--log", "{raw}/log", "--dir", "{data}"], "--log {raw}/log: cannot create"),
    (["start", "--log", "/proc/sys/kernel", "--dir", "{data}"], "not writable"),
    (["start", "--log", "{log}", "--raw", "{tmp}/missing.img"], "missing.img: open failed"),
    (["start", "--log", "{log}", "--dir", "{tmp}/missing"], "missing: not a directory"),
    (["start", "--log", "{log}", "--raw", "{raw}", "--block-size", "1000"], "multiple of 4096"),
    (["start", "--log", "{log}", "--raw", "{raw}", "--raw-span", "1G"], "larger than the target"),
    (["start", "--log", "{log}", "--dir", "{data}", "--files", "x"], "--files takes a whole"),
    (["start", "--log", "{log}", "--dir", "{data}", "--file-size", "10"], "--file-size must be"),
    (["start", "--log", "{log}", "--dir", "{data}", "--bogus", "1"], "unknown option --bogus"),
    (["start", "--log", "{log}", "--raw", "{raw}", "--raw", "{raw}"], "is given twice"),
    (["stop", "--log", "{log}"], "no writer.pid"),
    (["verify", "--log", "{log}"], "no load log"),
    (["verify", "--log", "{tmp}/nowhere"], "not a directory"),
    (["verify", "--log", "{log}", "--raw-map", "nonsense"], "takes OLD=NEW"),
    (["frobnicate"], "unknown subcommand"),
])
def test_bad_input_exits_2_naming_the_problem(lab, args, message):
    names = {"log": lab / "log", "data": lab / "data", "raw": lab / "raw.img", "tmp": lab}
    result = load(*[a.format(**names) for a in args])
    assert result.returncode == 2, result.stdout + result.stderr
    assert message.format(**names) in result.stderr, result.stderr
    assert not (lab / "log" / "writer.pid").exists()
    assert not list((lab / "log").glob("load.*.log"))


@pytest.mark.parametrize("sub, option", [("start", "--raw-span"), ("stop", "--timeout"),
                                         ("verify", "--raw-map")])
def test_help(sub, option):
    result = load(sub, "--help")
    assert result.returncode == 0
    assert option in result.stdout
