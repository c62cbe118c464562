"""The converter and its resumes killed ten times while the system runs
(SIGKILL and SIGTERM). A SIGKILL between a dm suspend and its resume leaves
that device suspended, and the LVs' I/O waits until a resume un-suspends it
(the matrix caught this: a kill right after "staged", during the LVs'
remap); so each kill's write check runs beside the next resume, and all of
them must have landed once the last resume is done."""
import random
import re

import pytest

from conversion_scenario import (CONVERT_ARGS, SETUP, VERIFY_WITH_STOCK_CRYPTSETUP,
                                 assert_verified, field)
from resume_scenario import SEED


# Kills the converter, then each resume, at the given points while the load
# runs; a point is "nN" (right after the run's Nth test point line: staged,
# chunk-mirror K, chunk-done K, ...) or a delay in seconds after it started.
# After every kill the LVs must still take writes.
KILL_MATRIX = ("#!/bin/bash\nset -uo pipefail\n" + SETUP + r"""
run=0
for point in __POINTS__; do
	run=$((run + 1))
	if [ $run = 1 ]; then
		PV2LUKS_TEST_POINTS=1 pv2luks convert "$disk" __ARGS__ 2> /run/run.err > /dev/null &
	else
		PV2LUKS_TEST_POINTS=1 pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key" 2> /run/run.err > /dev/null &
	fi
	pid=$!
	case $point in
	n*) for i in $(seq 600); do [ "$(grep -c 'test point' /run/run.err)" -ge "${point#n}" ] && break; sleep 0.05; done ;;
	*) sleep "$point" ;;
	esac
	kill -__SIGNAL__ $pid; wait $pid; code=$?
	echo "KILL $run at $point: exit=$code last=$(grep 'test point' /run/run.err | tail -1 | cut -d: -f3)"
	# A SIGKILL between a dm suspend and its resume leaves that device
	# suspended: this write then waits (it does not fail) until the next
	# resume un-suspends it. So it runs beside the next resume.
	( echo "kill $run" > /run/fs/after-kill-$run && sync /run/fs/after-kill-$run \
		&& echo "LVS WORK $run" ) &
	writers="${writers:-} $!"
	sleep 1
	for w in $writers; do kill -0 $w 2> /dev/null && echo "WAITING $run: a write is held"; done
done
pv2luks status "$disk"; echo "STATUS exit=$?"
pv2luks resume "$disk" --yes --key-file "$LAB_OUT/key"; echo "RESUME exit=$?"
for i in $(seq 60); do
	held=0; for w in $writers; do kill -0 $w 2> /dev/null && held=1; done
	[ $held = 0 ] && break; sleep 1
done
[ $held = 0 ] || echo "WRITES STILL HELD after the last resume"
sleep 2
pv2luks-harness load stop --log "$LAB_OUT/load"
for run in $(seq $run); do grep -q "kill $run" /run/fs/after-kill-$run && echo "KEPT $run"; done
""" + VERIFY_WITH_STOCK_CRYPTSETUP)

def kill_points(seed):
    """Ten kill points, half at test point lines and half at seeded delays;
    each run moves a chunk or so, so the 9 chunks last all ten."""
    rng = random.Random(seed)
    return [rng.choice(["n1", "n2"]) if i % 2 == 0 else f"{rng.uniform(0.3, 3):.2f}"
            for i in range(10)]


@pytest.mark.parametrize("signal", ["KILL", "TERM"])
def test_converter_killed_ten_times_while_the_system_runs(lab, tmp_path, signal):
    """SIGKILL: the converter (then each resume) dies mid-move with the LVs on
    its tables. SIGTERM: it stops after the chunk in flight, commits, and
    says how to resume (exit 7). Every time the LVs keep working; the last
    resume finishes, and every acknowledged write is there."""
    points = kill_points(SEED)
    print(f"PV2LUKS_CRASH_SEED={SEED}: kill points {points}")
    disk = f"pv:160M:{tmp_path / 'pv.img'}"
    out = tmp_path / "out"
    out.mkdir()
    script = (KILL_MATRIX.replace("__ARGS__", CONVERT_ARGS).replace("__SIGNAL__", signal)
              .replace("__POINTS__", " ".join(points)))
    result = lab(script, disk, extra=["--out", out], timeout=900)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    kills = re.findall(r"^KILL (\d+) at \S+: exit=(\d+)", text, re.M)
    assert len(kills) == 10, text[-3000:]
    # Every run died (137) or stopped after committing (7); a SIGTERM that
    # comes before a resume has read the key and set anything up ends it at
    # once (143), which is safe: it has written nothing. A run that finished
    # on its own (0), or a resume after that (4, nothing to resume), is not
    # a kill.
    codes = {code for _, code in kills}
    assert codes <= ({"137", "0", "4"} if signal == "KILL" else {"7", "143", "0", "4"}), kills
    assert ("137" if signal == "KILL" else "7") in codes
    assert "WRITES STILL HELD" not in text, text[-3000:]
    assert all(f"LVS WORK {n}" in text and f"KEPT {n}" in text for n in range(1, 11)), text[-3000:]
    if "0" in codes:
        # A run finished the conversion inside the matrix (a slow machine:
        # every timed SIGTERM came before the resume had moved anything, and
        # the runs stopped at test points moved two chunks each). The last
        # resume then has nothing to do, and must say so.
        assert field(text, "RESUME exit") == "4"  # wrong device: no journal
        assert "already converted; nothing to resume" in text
    else:
        assert field(text, "RESUME exit") == "0"
    assert_verified(text, text)
