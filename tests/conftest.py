"""Shared helpers for the pytest suites: where the binaries are, and how to
run a script in the lab guest."""
import functools
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("PV2LUKS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[1]))
BUILD_DIR = pathlib.Path(os.environ.get("PV2LUKS_BUILD_DIR", SOURCE_DIR / "build"))
HARNESS = BUILD_DIR / "harness" / "pv2luks-harness"
PV2LUKS = BUILD_DIR / "converter" / "pv2luks"


def pytest_addoption(parser):
    parser.addoption("--crash-points", default=None,
                     help="power cuts in the crash soak (tests/lab/test_resume_soak_slow.py)")


@pytest.fixture(autouse=True)
def needs_test_hooks(request):
    """A test whose file sets a PV2LUKS_TEST_* hook fails at once, saying why,
    when pv2luks was built without the hooks (a default build has none;
    ci/build configures -DPV2LUKS_TEST_HOOKS=ON)."""
    if sets_test_hooks(str(request.fspath)) and PV2LUKS.exists() and not built_with_test_hooks():
        pytest.fail(f"{PV2LUKS} has no test hooks, which this test uses: "
                    "configure with -DPV2LUKS_TEST_HOOKS=ON (ci/build does)")


@functools.cache
def sets_test_hooks(test_file):
    """Whether a test file names a PV2LUKS_TEST_* hook (read once per file)."""
    return re.search(r"PV2LUKS_TEST_(?!DISK)", pathlib.Path(test_file).read_text()) is not None


@functools.cache
def built_with_test_hooks():
    """Whether build/converter/pv2luks says it is a test build (--version)."""
    version = subprocess.run([str(PV2LUKS), "--version"], capture_output=True, text=True).stdout
    return "test hooks compiled in" in version


def run(argv, **kwargs):
    """Runs a command, capturing text output; never raises on exit codes."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([str(a) for a in argv], **kwargs)


def checked(argv, **kwargs):
    """As run, but a non-zero exit fails the test with the command's stderr."""
    result = run(argv, **kwargs)
    assert result.returncode == 0, f"{argv} failed ({result.returncode}): {result.stderr}"
    return result


def lab_missing_reason():
    """Why the lab guest cannot run here, or None."""
    if not shutil.which(os.environ.get("PV2LUKS_QEMU", "qemu-system-x86_64")):
        return "qemu-system-x86_64 is not installed (ci/install-deps installs it)"
    if not any(p.name.startswith("vmlinuz-") for p in pathlib.Path("/boot").glob("vmlinuz-*")):
        return "no guest kernel in /boot (ci/install-deps installs linux-image-amd64)"
    if os.geteuid() != 0:
        return "the lab needs root (it reads /boot/vmlinuz-* and shares / with the guest)"
    return None


@pytest.fixture
def lab(tmp_path):
    """lab(script_text, *disk_specs, extra=[...]) runs the script in the guest
    and returns the CompletedProcess (stdout: the guest's output; stderr: the
    lab's own 'lab:' lines)."""
    reason = lab_missing_reason()
    if reason:
        pytest.skip(reason)
    counter = [0]

    def run_lab(script, *disks, extra=(), timeout=600, env=None):
        counter[0] += 1
        path = tmp_path / f"script{counter[0]}.sh"
        path.write_text(script)
        argv = [HARNESS, "lab", "run", "--script", path]
        for disk in disks:
            argv += ["--disk", disk]
        argv += list(extra)
        started = time.monotonic()
        result = run(argv, timeout=timeout + 120, env=env)
        print(f"$ {' '.join(str(a) for a in argv)}\n-> exit {result.returncode} "
              f"in {time.monotonic() - started:.1f} s")
        print(result.stdout[-4000:])
        print(result.stderr[-4000:])
        return result

    return run_lab


def manifest_lvs(text):
    """The 'lv VG/LV SHA256 SIZE' lines of a manifest or of `checksum` output."""
    return sorted(line.strip() for line in text.splitlines() if line.startswith("lv "))


def sha256(path):
    """The sha256 of a whole file or device, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as disk:
        for block in iter(lambda: disk.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
