"""The progress callback can stop a run (pv2luks.h, ProgressReply::kStop):
an offline conversion, through the library alone (tests/tools/
progress_stop_tool.cpp, no process policy: no memory lock, no signal mask),
whose callback asks to stop once the first chunk is committed ends stopped
after exactly that chunk, as a signal would stop it; `pv2luks resume
--offline` then finishes it, and every LV reads as the manifest says."""
import os
import shutil

import pytest

from conftest import BUILD_DIR, run
from offline_common import build_image, key_file, pv2luks, verify

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None, reason="needs lvm2"),
]

TOOL = BUILD_DIR / "tests" / "progress-stop-tool"


def test_a_stop_from_progress_is_a_stop_that_resume_finishes(tmp_path):
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    stopped = run([TOOL, image, key])
    assert stopped.returncode == 0, stopped.stderr
    lines = stopped.stdout.splitlines()
    status = lines[0].split()
    assert status[:2] == ["status", "stopped"], stopped.stdout + stopped.stderr
    chunks_done, chunk_count = int(status[3]), int(status[5])
    assert chunks_done == 1 and chunk_count >= 2, stopped.stdout
    assert "stopped at the progress callback's request after 1 of" in lines[1], stopped.stdout
    assert "pv2luks resume --offline" in lines[1], stopped.stdout
    status = pv2luks("status", "--offline", image)
    assert status.returncode == 0 and "being converted" in status.stderr, status.stderr
    resumed = pv2luks("resume", "--offline", image, "--yes", "--key-file", key)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert verify(image, key) == manifest
