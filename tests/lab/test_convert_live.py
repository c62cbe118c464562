"""Live conversion of an active PV under load, then a reboot into stock
cryptsetup: every acknowledged write and every untouched LV survives. The
negative control skips the mirror for one chunk and must be caught. The
conversion runs with --progress-json and -v: every line of its stdout is
JSON (progress, then the result object, docs/progress-json.md), and its
stderr shows each external command and dm step, never a key. The LUKS1 run
is paced with --max-rate: it takes at least the time its bytes take at that
rate, and loses no acknowledged write either."""
import json
import re

import pytest

from conversion_scenario import (CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)

CONVERT_UNDER_LOAD = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + "started=$EPOCHREALTIME\n" +
                      "__ENV__ pv2luks convert \"$disk\" --type __TYPE__ " + CONVERT_ARGS +
                      r""" __EXTRA__ -v > /run/convert.out 2> /run/convert.err
echo "CONVERT exit=$?"
echo "ELAPSED s=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
sed 's/^/STDOUT /' /run/convert.out
sed 's/^/STDERR /' /run/convert.err
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
echo "TABLE $(dmsetup table | grep -c ' crypt ') crypt targets; keys shown: $(dmsetup table | grep -cE ' crypt [^ ]+ [0-9a-f]{32,} ' || true)"
umount /run/fs
vgchange -an vg > /dev/null
dmsetup remove vda_crypt
""")

AFTER_REBOOT = "#!/bin/bash\nset -uo pipefail\n" + VERIFY_WITH_STOCK_CRYPTSETUP


def convert_then_reboot(lab, tmp_path, env="", luks_type="luks2", extra=""):
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    script = (CONVERT_UNDER_LOAD.replace("__ENV__", env).replace("__TYPE__", luks_type)
              .replace("__EXTRA__", extra))
    first = lab(script, disk, extra=["--out", out])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    second = lab(AFTER_REBOOT, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    return first.stdout, second.stdout


MIB = 1024 * 1024


@pytest.mark.parametrize("luks_type, version, rate_mib", [("luks2", "2", None), ("luks1", "1", 4)])
def test_live_conversion_under_load_then_stock_cryptsetup(lab, tmp_path, luks_type, version,
                                                          rate_mib):
    extra = f"--max-rate {rate_mib}M" if rate_mib else ""
    converted, rebooted = convert_then_reboot(lab, tmp_path, luks_type=luks_type, extra=extra)
    assert re.search(rf"^Version:\s+{version}$", rebooted, re.M)
    assert "cold segments: 2" in converted
    assert field(converted, "CONVERT exit") == "0"
    progress = assert_json_lines(converted)
    if rate_mib:
        # The last chunk began no earlier than the bytes before it allow at
        # the rate (the clock starts after the launch, at the first chunk).
        before_last = int(progress[-3]["device_bytes"])
        assert before_last >= 64 * MIB, progress
        elapsed = float(re.search(r"^ELAPSED s=(\S+)$", converted, re.M).group(1))
        assert elapsed >= before_last / (rate_mib * MIB), (elapsed, before_last)
    assert_traced(converted)
    assert "keys shown: 0" in converted, "a key reached dmsetup table"
    assert_verified(converted, rebooted)


def assert_json_lines(converted):
    """Every line convert wrote to stdout is JSON: progress objects with
    cryptsetup's fields, then the result, done, with the UUID and the line."""
    lines = re.findall(r"^STDOUT (.*)$", converted, re.M)
    objects = [json.loads(line) for line in lines]  # a line that is not JSON fails here
    *progress, result = objects
    assert progress and all(p["phase"] in ("move", "header") for p in progress), lines
    assert progress[-1]["phase"] == "header", lines
    for p in progress:
        assert p["device"] == "/dev/vda" and int(p["device_bytes"]) <= int(p["device_size"]), p
        assert {"speed", "eta_ms", "time_ms", "chunks_done", "chunk_count"} <= set(p), p
    assert [p["chunks_done"] for p in progress[:-1]] == list(range(1, len(progress))), lines
    assert result["status"] == "done" and result["exit_code"] == 0, result
    uuid = result["luks_uuid"]
    assert result["crypttab_line"] == f"vda_crypt UUID={uuid} none luks", result
    return progress


def assert_traced(converted):
    """-v: the external commands and the dm steps, by device name; no key."""
    trace = re.findall(r"^STDERR pv2luks: \[trace\] (.*)$", converted, re.M)
    assert any(t.startswith("run: pvs ") for t in trace), trace
    for step in ("dm create pv2luks-vda-full", "dm load vda_crypt", "dm suspend vda_crypt",
                 "dm resume vda_crypt"):
        assert step in trace, (step, trace)
    assert not any(re.search(r"[0-9a-f]{32}", t) for t in trace), trace


def test_negative_control_a_skipped_chunk_is_caught(lab, tmp_path):
    """Chunk 4 (from the end) lies in the cold LV; switching it to crypt
    without the mirror copy must show up after the reboot."""
    converted, rebooted = convert_then_reboot(lab, tmp_path, env="PV2LUKS_TEST_SKIP_MIRROR_CHUNK=4")
    assert field(converted, "CONVERT exit") == "0"
    assert field(rebooted, "OPEN exit") == "0"
    assert field(rebooted, "COLD-AFTER") != field(converted, "COLD-BEFORE")
