"""Offline crash safety: the converter SIGKILLed at seeded points (including
in the middle of a chunk's write and of the header's), then `pv2luks resume
--offline`, then verify against the harness's manifest. Some resumes are
killed too (double faults). PV2LUKS_CRASH_SEED replays a run.

The kill is PV2LUKS_TEST_KILL_AT: the converter SIGKILLs itself at a named
test point, so the point is exact and replayable. A SIGKILL keeps the page
cache (what was written is there after it), so this matrix tests the order
of writes and commits, not fsync; the negative control is the one such a
matrix can catch: a chunk committed before it is written
(PV2LUKS_TEST_COMMIT_EARLY), killed between the two, must be caught."""
import os
import random
import shutil

import pytest

from conftest import manifest_lvs
from offline_common import build_image, convert, key_file, pv2luks, verify

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None, reason="needs lvm2"),
]

SEED = int(os.environ.get("PV2LUKS_CRASH_SEED", random.randrange(1 << 30)))
# test-gpt: a 100 MiB PV moved in 16 MiB chunks: 7 chunks (0-6).
CHUNKS = 7


def kill_points(seed, count=12):
    rng = random.Random(seed)
    named = ["staged", "moved", "header-half"]
    per_chunk = [f"{what} {k}" for k in range(CHUNKS)
                 for what in ("chunk-half", "chunk-written", "chunk-done")]
    points = named + rng.sample(per_chunk, count - len(named))
    rng.shuffle(points)
    return points


def killed_at(point):
    return dict(os.environ, PV2LUKS_TEST_KILL_AT=point)


def resume(image, key, env=None):
    return pv2luks("resume", "--offline", image, "--yes", "--key-file", key, env=env)


def test_killed_at_seeded_points_then_resumed(tmp_path):
    points = kill_points(SEED)
    print(f"PV2LUKS_CRASH_SEED={SEED}: kill points {points}")
    key = key_file(tmp_path)
    for n, point in enumerate(points):
        image, manifest = build_image(tmp_path, name=f"img{n}.raw")
        result = convert(image, key, env=killed_at(point))
        assert result.returncode == -9, (point, result.returncode, result.stderr)
        status = pv2luks("status", "--offline", image)
        assert status.returncode == 0, (point, status.stdout, status.stderr)
        if n % 3 == 0 and point.startswith("chunk"):
            # Double fault: the resume is killed at the next chunk's point.
            what, k = point.rsplit(" ", 1)
            later = f"chunk-done {min(int(k) + 1, CHUNKS - 1)}"
            again = resume(image, key, env=killed_at(later))
            assert again.returncode in (-9, 0), (point, later, again.stderr)
            if again.returncode == 0:  # it finished before that point
                point += " (the resume finished)"
        if "finished" not in point:
            finished = resume(image, key)
            assert finished.returncode == 0, (point, finished.stdout, finished.stderr)
        assert verify(image, key) == manifest, point
        assert pv2luks("status", "--offline", image).returncode == 4, point  # no journal


def test_resume_twice_is_harmless(tmp_path):
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    assert convert(image, key, env=killed_at("chunk-written 3")).returncode == -9
    assert resume(image, key).returncode == 0
    again = resume(image, key)
    assert again.returncode == 4 and "nothing to resume" in again.stderr, again.stderr
    assert verify(image, key) == manifest


def test_commit_before_write_is_caught(tmp_path):
    """Negative control: chunk 6 (the front one: LVM's metadata and the first
    LV) committed before it is written, and the converter killed in between.
    The resume trusts the journal and skips it, so verify must not match."""
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    env = dict(killed_at("committed-early 6"), PV2LUKS_TEST_COMMIT_EARLY="6")
    assert convert(image, key, env=env).returncode == -9
    assert resume(image, key).returncode == 0
    result = pv2luks("verify", "--offline", image, "--key-file", key)
    assert result.returncode != 0 or manifest_lvs(result.stdout) != manifest, result.stdout
