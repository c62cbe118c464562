"""The long soak (slow: not in the default run): N power cuts at seeded
random times after the journal is staged, each followed by a reboot,
`pv2luks resume` and the full verification. Prints how many cut points were
survived and how many lost anything, which must be 0.

    ci/crash-soak --crash-points N      (or PV2LUKS_CRASH_POINTS=N for ctest)
"""
import os
import random

from conversion_scenario import VERIFY_WITH_STOCK_CRYPTSETUP, assert_verified, field
from resume_scenario import CONVERT_THEN_CUT_AT_RANDOM, RESUME, SEED


def test_crash_soak(lab, tmp_path, request):
    points = int(request.config.getoption("--crash-points") or
                 os.environ.get("PV2LUKS_CRASH_POINTS", "10"))
    survived, lost = [], []
    for point in range(points):
        delay = random.Random(SEED + point).uniform(0, 14)
        work = tmp_path / f"point{point}"
        out = work / "out"
        out.mkdir(parents=True)
        disk = f"pv:160M:{work / 'pv.img'}"
        label = f"point {point} (seed {SEED + point}, cut {delay:.2f} s after staging)"
        first = lab(CONVERT_THEN_CUT_AT_RANDOM.replace("__DELAY__", f"{delay:.2f}"), disk,
                    extra=["--out", out, "--power-cut-on-line", "CUT NOW"])
        if first.returncode != 0 or "CONVERT exit" in first.stdout:
            print(f"SOAK {label}: no cut mid-conversion; not counted")
            continue
        last = lab(RESUME.replace("__ENV__", "").replace("__AFTER__", VERIFY_WITH_STOCK_CRYPTSETUP),
                   disk, extra=["--out", out])
        # A cut after the header and the journal's wipe, before convert
        # printed its exit, leaves a converted volume: nothing to resume.
        done_before = "already converted; nothing to resume" in last.stdout
        try:
            assert last.returncode == 0, last.stdout[-2000:]
            assert field(last.stdout, "RESUME exit") == ("1" if done_before else "0")
            assert_verified(first.stdout, last.stdout)
            survived.append(label)
            print(f"SOAK {label}: survived")
        except AssertionError as problem:
            lost.append(label)
            print(f"SOAK {label}: LOST: {str(problem)[:500]}")
        for image in work.glob("*.img"):
            image.unlink()  # keep the disk use flat over long runs
    print(f"SOAK RESULT: {len(survived)} cut points survived, {len(lost)} lost anything "
          f"(PV2LUKS_CRASH_SEED={SEED})")
    assert survived, "no cut point came mid-conversion"
    assert not lost, lost
