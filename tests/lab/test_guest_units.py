"""The GoogleTest suites that need a real kernel's device-mapper
(tests/guest/*.cpp), run inside the lab guest."""
import re
import shutil

from conftest import BUILD_DIR


def test_guest_unit_tests_pass_in_the_guest(lab, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(BUILD_DIR / "tests" / "guest-tests", out / "guest-tests")
    result = lab("""#!/bin/bash
PV2LUKS_TEST_DISK=$(readlink -f "$LAB_DISKS/scratch") "$LAB_OUT/guest-tests"
""", "scratch:32M", extra=["--out", out])
    assert result.returncode == 0, result.stdout[-3000:]
    ran = re.search(r"\[  PASSED  \] (\d+) tests", result.stdout)
    assert ran and int(ran.group(1)) >= 4
    assert "SKIPPED" not in result.stdout
