"""--progress-json on real offline conversions of a raw image: stdout is a
JSON-lines stream and nothing else (every line parses), progress objects
carry cryptsetup's field names plus phase and chunks, and the last object is
the result: a stop by SIGTERM between chunks (exit 7), a refused convert
over the interrupted conversion (exit 6, the image byte-identical), a
missing image (exit 4), and the resume that finishes (status done, the LUKS
UUID and the crypttab line). docs/progress-json.md is the schema."""
import json
import os
import shutil
import signal
import subprocess

import pytest

from conftest import PV2LUKS, run
from offline_common import FAST_PBKDF, build_image, key_file, pv2luks, reaped, sha256, verify
from test_offline_qcow2_runs import process_state, wait_for

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None or shutil.which("qemu-img") is None,
                       reason="needs lvm2 and qemu-utils"),
]

CRYPTSETUP_FIELDS = ("device", "device_bytes", "device_size", "speed", "eta_ms", "time_ms")


def objects(stdout):
    """Every line of stdout as JSON (a line that is not fails the test)."""
    lines = stdout.splitlines()
    assert lines, "stdout is empty"
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as e:
            pytest.fail(f"stdout line is not JSON ({e}): {line!r}\nall of stdout:\n{stdout}")
    return parsed


def split(stdout, device):
    """(progress objects, the result object), checking both kinds' fields."""
    *progress, result = objects(stdout)
    for p in progress:
        assert "status" not in p, p
        assert set(p) == {*CRYPTSETUP_FIELDS, "phase", "chunks_done", "chunk_count"}, p
        assert p["device"] == str(device), p
        for name in CRYPTSETUP_FIELDS[1:]:  # decimal strings, as cryptsetup writes them
            assert isinstance(p[name], str) and p[name].isdigit(), (name, p)
        assert int(p["device_bytes"]) <= int(p["device_size"]), p
        assert p["phase"] in ("move", "header"), p
        assert 0 < p["chunks_done"] <= p["chunk_count"], p
    done = [p["chunks_done"] for p in progress]
    assert done == sorted(done), done
    assert "status" in result, result
    return progress, result


def test_stopped_refused_and_done_as_json_lines(tmp_path):
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    # --batch-mode and (below) -q before the action: without them there is no
    # terminal to confirm on, and it would be refused.
    argv = [str(PV2LUKS), "convert", "--offline", str(image), "--batch-mode", "--key-file",
            str(key), *FAST_PBKDF, "--progress-json"]
    # Held at chunk 2's commit (it SIGSTOPs itself there), then SIGTERM:
    # it stops after that chunk.
    with reaped(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, PV2LUKS_TEST_STOP_AT="chunk-done 2"))) as proc:
        wait_for(lambda: process_state(proc.pid) in ("T", "Z", None), "the stop at chunk-done 2")
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 7, err
    progress, result = split(out, image)
    assert [p["chunks_done"] for p in progress] == [1, 2, 3], out
    assert all(p["phase"] == "move" for p in progress), out
    assert result["status"] == "stopped" and result["exit_code"] == 7, result
    assert "pv2luks resume --offline" in result["message"], result

    # A convert over the interrupted conversion: refused, nothing written.
    before = sha256(image)
    again = pv2luks(*argv[1:])
    assert again.returncode == 6, again.stderr
    progress, result = split(again.stdout, image)
    assert progress == [], again.stdout
    assert result["status"] == "refused" and result["exit_code"] == 6, result
    assert result["reason"] == "other" and "interrupted" in result["message"], result
    assert sha256(image) == before

    # A missing image: refused as a wrong device, still one JSON line.
    missing = pv2luks("convert", "--offline", tmp_path / "missing.raw", "--yes", "--key-file", key,
                      "--progress-json")
    assert missing.returncode == 4, missing.stderr
    _, result = split(missing.stdout, tmp_path / "missing.raw")
    assert result["status"] == "refused" and result["reason"] == "wrong_device", result

    # The resume finishes: progress from chunk 4 on, then done.
    # start_new_session: no controlling terminal, so only -q lets it go on.
    resumed = run([PV2LUKS, "-q", "resume", "--offline", image, "--key-file", key,
                   "--progress-json"], start_new_session=True)
    assert resumed.returncode == 0, resumed.stderr
    progress, result = split(resumed.stdout, image)
    assert progress[0]["chunks_done"] == 4 and progress[-1]["phase"] == "header", resumed.stdout
    assert int(progress[-1]["device_bytes"]) == int(progress[-1]["device_size"]), progress[-1]
    assert result["status"] == "done" and result["exit_code"] == 0, result
    uuid = result["luks_uuid"]
    assert len(uuid) == 36 and uuid.count("-") == 4, result
    assert result["crypttab_line"].startswith(f"luks-{uuid} UUID={uuid} "), result
    assert verify(image, key) == manifest


@pytest.mark.parametrize("words, message", [
    (["--force"], "--force is for live conversions (of a PV that holds the running / or /usr)"),
    (["--bogus"], "unknown option --bogus"),
])
def test_a_usage_error_is_a_json_result_too(words, message):
    result = subprocess.run([str(PV2LUKS), "convert", "--offline", "x.img", "--progress-json",
                             *words], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    (only,) = objects(result.stdout)
    assert only == {"status": "usage", "exit_code": 1, "message": message}, only
