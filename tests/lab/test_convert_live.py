"""Live conversion of an active PV under load, then a reboot into stock
cryptsetup: every acknowledged write and every untouched LV survives. The
negative control skips the mirror for one chunk and must be caught."""
import re

import pytest

from conversion_scenario import (CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)

CONVERT_UNDER_LOAD = ("#!/bin/bash\nset -uo pipefail\n" + SETUP +
                      "__ENV__ pv2luks convert \"$disk\" --type __TYPE__ " + CONVERT_ARGS + r"""
echo "CONVERT exit=$?"
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
echo "TABLE $(dmsetup table | grep -c ' crypt ') crypt targets; keys shown: $(dmsetup table | grep -cE ' crypt [^ ]+ [0-9a-f]{32,} ' || true)"
umount /run/fs
vgchange -an vg > /dev/null
dmsetup remove vda_crypt
""")

AFTER_REBOOT = "#!/bin/bash\nset -uo pipefail\n" + VERIFY_WITH_STOCK_CRYPTSETUP


def convert_then_reboot(lab, tmp_path, env="", luks_type="luks2"):
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    script = CONVERT_UNDER_LOAD.replace("__ENV__", env).replace("__TYPE__", luks_type)
    first = lab(script, disk, extra=["--out", out])
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    second = lab(AFTER_REBOOT, disk, extra=["--out", out])
    assert second.returncode == 0, second.stderr
    return first.stdout, second.stdout


@pytest.mark.parametrize("luks_type, version", [("luks2", "2"), ("luks1", "1")])
def test_live_conversion_under_load_then_stock_cryptsetup(lab, tmp_path, luks_type, version):
    converted, rebooted = convert_then_reboot(lab, tmp_path, luks_type=luks_type)
    assert re.search(rf"^Version:\s+{version}$", rebooted, re.M)
    assert "cold segments: 2" in converted
    assert field(converted, "CONVERT exit") == "0"
    assert '"phase":"move"' in converted
    assert re.search(r"^vda_crypt UUID=\S+ none luks$", converted, re.M)
    assert "keys shown: 0" in converted, "a key reached dmsetup table"
    assert_verified(converted, rebooted)


def test_negative_control_a_skipped_chunk_is_caught(lab, tmp_path):
    """Chunk 4 (from the end) lies in the cold LV; switching it to crypt
    without the mirror copy must show up after the reboot."""
    converted, rebooted = convert_then_reboot(lab, tmp_path, env="PV2LUKS_TEST_SKIP_MIRROR_CHUNK=4")
    assert field(converted, "CONVERT exit") == "0"
    assert field(rebooted, "OPEN exit") == "0"
    assert field(rebooted, "COLD-AFTER") != field(converted, "COLD-BEFORE")
