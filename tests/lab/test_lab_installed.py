"""pv2luks-harness as a product: installed in a scratch root, run from outside
the checkout with no PV2LUKS_* variables, booting a kernel named with
--kernel/--modules, it tells a script's exit code from a lab failure, by exit
code and in --result's JSON. One guest boot."""
import json
import os
import pathlib
import shutil
import subprocess
import time

import pytest

from conftest import BUILD_DIR, SOURCE_DIR, lab_missing_reason, run


def install_root(scratch):
    """The installed harness and pv2luks under `scratch`: today `cmake
    --install` of the harness and core components (DESTDIR, prefix /usr, as the
    packages lay them out); with .debs of both, dpkg -x of each would do."""
    for component in ("harness", "core"):
        result = run(["cmake", "--install", BUILD_DIR, "--component", component, "--prefix", "/usr"],
                     env=dict(os.environ, DESTDIR=str(scratch)))
        assert result.returncode == 0, result.stdout + result.stderr
    return scratch


def host_kernel():
    """The host's newest Debian kernel and its version, as /boot names them."""
    kernels = sorted(pathlib.Path("/boot").glob("vmlinuz-*"))
    with_modules = [k for k in kernels if pathlib.Path("/lib/modules", k.name[8:]).is_dir()]
    if not with_modules:
        pytest.skip("no /boot/vmlinuz-* with /lib/modules (ci/install-deps installs linux-image-amd64)")
    kernel = with_modules[-1]
    return kernel, kernel.name[len("vmlinuz-"):]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    reason = lab_missing_reason()
    if reason:
        pytest.skip(reason)
    scratch = install_root(tmp_path_factory.mktemp("root"))
    harness = scratch / "usr" / "bin" / "pv2luks-harness"
    assert harness.is_file()
    assert (scratch / "usr" / "share" / "pv2luks-harness" / "qemu" / "mkinitramfs").is_file()
    assert (scratch / "usr" / "sbin" / "pv2luks").is_file()
    away = tmp_path_factory.mktemp("elsewhere")  # the working directory: not the checkout
    assert SOURCE_DIR.resolve() not in away.resolve().parents
    # No PV2LUKS_* variable (no PV2LUKS_SOURCE_DIR, _BUILD_DIR, _QEMU_DIR);
    # the lab cache stays, so the initramfs is built once per content.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PV2LUKS_")}
    env["PV2LUKS_LAB_CACHE"] = os.environ.get("PV2LUKS_LAB_CACHE",
                                              str(pathlib.Path.home() / ".cache" / "pv2luks-lab"))
    return harness, away, env


def lab_run(installed, *words, timeout=900):
    harness, away, env = installed
    result_file = away / f"result-{time.monotonic_ns()}.json"
    argv = [harness, "lab", "run", *words, "--result", result_file]
    started = time.monotonic()
    result = run(argv, cwd=away, env=env, timeout=timeout)
    print(f"$ {' '.join(map(str, argv))}\n-> exit {result.returncode} in "
          f"{time.monotonic() - started:.1f} s\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    outcome = json.loads(result_file.read_text()) if result_file.exists() else None
    return result, outcome


def test_a_scripts_exit_code_and_a_lab_failure_are_told_apart(installed):
    _, away, _ = installed
    kernel, version = host_kernel()
    script = away / "exits-3.sh"
    script.write_text(f"""#!/bin/sh
echo "guest kernel $(uname -r)"
echo "pv2luks is $(command -v pv2luks)"
pv2luks --version | head -1
dmsetup targets | grep -q crypt || {{ echo "no dm-crypt"; exit 9; }}
exit 3
""")
    log = away / "console.log"
    # The script exits 3: the lab worked, so `lab run` exits 1 and the JSON
    # carries the 3. (The module dir given as DIR/lib/modules/VERSION's root.)
    ran, outcome = lab_run(installed, "--kernel", kernel, "--modules", "/", "--script", script,
                           "--console-log", log, "--timeout", "600")
    assert ran.returncode == 1, ran.stderr
    assert f"guest kernel {version}" in ran.stdout
    assert "pv2luks is /run/lab/bin/pv2luks" in ran.stdout, ran.stdout
    assert "no dm-crypt" not in ran.stdout
    assert "lab: script exited 3" in ran.stderr
    assert outcome["status"] == "script-exited" and outcome["lab_ok"] is True, outcome
    assert outcome["script_exit"] == 3 and outcome["exit_code"] == 1, outcome
    assert outcome["kernel"] == str(kernel) and outcome["kernel_version"] == version, outcome
    assert outcome["boot_s"] > 0 and outcome["duration_s"] >= outcome["boot_s"], outcome
    assert outcome["console_log"] == str(log) and "PV2LUKS-LAB: exit=3" in log.read_text()

    # A lab failure: a "kernel" that is not one. Nothing boots; the code and
    # the JSON say the lab failed, and no script exit code is claimed.
    not_a_kernel = away / "bzImage"
    not_a_kernel.write_bytes(b"#!/bin/sh\nexit 3\n" + bytes(8192))
    failed, outcome = lab_run(installed, "--kernel", not_a_kernel, "--script", script)
    assert failed.returncode == 125, failed.stderr
    assert "not a bootable x86 kernel" in failed.stderr and "HdrS" in failed.stderr
    assert outcome["status"] == "lab-failed" and outcome["lab_ok"] is False, outcome
    assert outcome["script_exit"] is None and outcome["exit_code"] == 125, outcome

    # Modules for another version than the bzImage's: named, a lab failure.
    other = away / "mods" / "lib" / "modules" / "9.9.9-other"
    other.mkdir(parents=True)
    (other / "modules.dep").write_text("")
    wrong, outcome = lab_run(installed, "--kernel", kernel, "--modules", away / "mods",
                             "--script", script)
    assert wrong.returncode == 125, wrong.stderr
    assert f"no modules for kernel {version}" in wrong.stderr
    assert "9.9.9-other" in wrong.stderr
    assert outcome["status"] == "lab-failed" and outcome["script_exit"] is None, outcome
