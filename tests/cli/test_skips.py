"""ci/skips: every skipped test is listed by name, and a skip that
tests/allowed-skips.txt does not allow fails the run."""
import subprocess
import sys

from conftest import SOURCE_DIR, run

SKIPS = SOURCE_DIR / "ci" / "skips"

CTEST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="2" skipped="1">
  <testcase name="Qcow2.Tables" classname="Qcow2.Tables" status="notrun">
    <skipped message="SKIP_REGULAR_EXPRESSION_MATCHED"/>
    <system-out>[ RUN      ] Qcow2.Tables
/src/tests/unit/test_qcow2.cpp:72: Skipped
qemu-img not installed
[  SKIPPED ] Qcow2.Tables (0 ms)
</system-out>
  </testcase>
  <testcase name="Journal.Record" classname="Journal.Record" status="run"/>
</testsuite>
"""


def pytest_results(tmp_path):
    """A real pytest run's JUnit XML: one test passes, one skips."""
    suite = tmp_path / "test_sample.py"
    suite.write_text("import pytest\n\n"
                     "def test_runs():\n    assert True\n\n"
                     "def test_needs_a_tool():\n    pytest.skip('frobnicate is not installed')\n")
    results = tmp_path / "results"
    (results / "pytest").mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tmp_path,
                    f"--junitxml={results / 'pytest' / 'host.test_sample.xml'}", suite],
                   cwd=tmp_path, check=True, capture_output=True)
    (results / "ctest-unit.xml").write_text(CTEST_XML)
    return results


def skips_with(tmp_path, allowed_text):
    """ci/skips over a real pytest run's results and a ctest phase's, with
    `allowed_text` as the allowed-skips file."""
    results = pytest_results(tmp_path)
    allowed = tmp_path / "allowed.txt"
    allowed.write_text(allowed_text)
    return run([SKIPS, results, allowed])


def test_an_unlisted_skip_fails_and_every_skip_is_named(tmp_path):
    result = skips_with(tmp_path, "# comment\nQcow2.Tables  the image tools are optional here\n")
    assert result.returncode == 1, result.stdout
    assert "skipped tests: 2" in result.stdout
    assert "SKIPPED (allowed: the image tools are optional here): Qcow2.Tables: qemu-img not installed" \
        in result.stdout
    assert "SKIPPED, NOT ALLOWED: test_sample::test_needs_a_tool: " in result.stdout
    assert "frobnicate is not installed" in result.stdout


def test_listed_skips_pass_and_a_pass_is_not_a_skip(tmp_path):
    result = skips_with(tmp_path, "Qcow2.Tables  optional tools\n*::test_needs_a_tool  frobnicate is optional\n")
    assert result.returncode == 0, result.stdout
    assert "skipped tests: 2" in result.stdout
    assert "Journal.Record" not in result.stdout and "test_runs" not in result.stdout


def test_an_allowed_skip_without_a_reason_is_refused(tmp_path):
    result = skips_with(tmp_path, "Qcow2.Tables\n")
    assert result.returncode != 0
    assert "'Qcow2.Tables' has no reason" in result.stderr


def test_the_checked_in_list_gives_every_entry_a_reason(tmp_path):
    (tmp_path / "none").mkdir()
    result = run([SKIPS, tmp_path / "none"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped tests: 0" in result.stdout
