"""--max-rate (converter/lib/convert/pace.h) on real offline conversions of
a raw image: the move's average rate stays at or under the limit (the last
chunk cannot begin before the bytes before it, at the limit, have had their
time), the result is the same converted image, and a signal during a wait
between chunks stops the run at once, after the committed chunk, with a
resume (paced too) that finishes it. The lower bound holds on any machine,
however slow; an unpaced conversion of this image takes well under it."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import PV2LUKS
from offline_common import (EXIT_STOPPED, FAST_PBKDF, build_image, key_file, pv2luks, reaped,
                            verify)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None, reason="needs lvm2"),
]

MIB = 1024 * 1024


def start_convert(image, key, rate):
    argv = [str(PV2LUKS), "convert", "--offline", str(image), "--yes", "--key-file", str(key),
            *FAST_PBKDF, "--progress-json", "--max-rate", rate]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_move_averages_at_most_the_rate(tmp_path):
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    launched = time.monotonic()
    moves = []  # (arrival time, bytes done) of each committed chunk
    with reaped(start_convert(image, key, "16M")) as proc:
        for line in proc.stdout:
            item = json.loads(line)
            if item.get("phase") == "move":
                moves.append((time.monotonic(), int(item["device_bytes"])))
        err = proc.stderr.read()
        proc.wait(timeout=300)
    assert proc.returncode == 0, err
    assert len(moves) >= 4, moves
    # The last chunk began no earlier than the bytes before it allow at 16
    # MiB/s from the run's first chunk (which began after the launch).
    before_last = moves[-2][1]
    assert before_last >= 48 * MIB, moves
    assert moves[-1][0] - launched >= before_last / (16 * MIB), moves
    assert verify(image, key) == manifest


def test_a_signal_during_the_wait_stops_at_once_and_resume_finishes(tmp_path):
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    # 256 KiB/s: after the first 16 MiB chunk, the wait is about 64 s.
    with reaped(start_convert(image, key, "256K")) as proc:
        first = json.loads(proc.stdout.readline())
        assert first["chunks_done"] == 1, first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == EXIT_STOPPED, err
    result = json.loads(out.splitlines()[-1])
    assert result["status"] == "stopped", result
    assert "after 1 of" in result["message"], result
    resumed = pv2luks("resume", "--offline", image, "--yes", "--key-file", key, "--max-rate", "1G")
    assert resumed.returncode == 0, resumed.stderr
    assert verify(image, key) == manifest
