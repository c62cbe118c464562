"""lab run: exit codes (docs/lab.md), output, disks by name, timeouts, bad input, clean-up."""
import os
import pathlib
import signal
import subprocess
import time

import pytest

from conftest import HARNESS, run


def test_exit_code_and_output_reach_the_caller(lab):
    result = lab("""#!/bin/bash
echo "guest says hello from $(uname -r)"
test -b "$LAB_DISKS/alpha" || { echo "no disk alpha"; exit 9; }
echo "alpha size $(blockdev --getsize64 "$LAB_DISKS/alpha")"
echo "beta size $(blockdev --getsize64 "$LAB_DISKS/beta")"
command -v pv2luks pv2luks-harness lvm cryptsetup dmsetup mkfs.ext4 e2fsck sfdisk fio > /dev/null || exit 8
grep -q crypt /proc/crypto && dmsetup targets | grep -q mirror || exit 6
exit 7
""", "alpha:64M", "beta:3M")
    # The lab worked and the script failed: 1, never the script's own 7.
    assert result.returncode == 1, result.stderr
    assert "lab: script exited 7" in result.stderr
    assert "guest says hello from" in result.stdout
    assert "alpha size 67108864" in result.stdout
    assert "beta size 3145728" in result.stdout
    assert "lab: guest booted in" in result.stderr
    assert "accelerator" in result.stderr


def test_a_hanging_guest_is_ended_by_the_timeout(lab):
    result = lab("#!/bin/sh\necho going to sleep\nsleep 3600\n", extra=["--timeout", "40"])
    assert result.returncode == 124
    assert "timeout" in result.stderr
    assert "going to sleep" in result.stdout


@pytest.mark.parametrize("spec, message", [
    ("noname", "expected NAME:SIZE"),
    ("bad/name:64M", "must be 1-20 letters"),
    ("x:12Q", "cannot read the size"),
    ("x:100", "at least 1 MiB"),
    ("x:auto", "needs an existing PATH"),
    ("x:64M:", "empty PATH"),
    ("x:64M/1024", "must be 512 or 4096"),
    ("x:1049088/4096", "not a multiple of its 4096-byte sector"),
])
def test_bad_disk_specs_are_named(tmp_path, spec, message):
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    result = run([HARNESS, "lab", "run", "--disk", spec, "--script", script])
    assert result.returncode == 2
    assert message in result.stderr
    assert spec in result.stderr or "PATH" in result.stderr


def test_a_4kn_disk_is_refused_as_a_loop_device(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    for mode in ("--loop", "--host"):
        result = run([HARNESS, "lab", "run", "--disk", "x:64M/4096", "--script", script, mode])
        assert result.returncode == 2, mode
        assert "4096-byte sector needs a plain virtio disk" in result.stderr, mode


def test_missing_script_is_named(tmp_path):
    result = run([HARNESS, "lab", "run", "--disk", "a:64M", "--script", tmp_path / "nope.sh"])
    assert result.returncode == 2
    assert "nope.sh" in result.stderr and "cannot read" in result.stderr


@pytest.mark.parametrize("extra, says", [
    (["--tpm", "STATE", "--host"], "--tpm gives the QEMU guest a TPM; drop --host"),
    (["--tpm", "/tmp/a,b"], "swtpm cannot take a comma"),
    (["--tpm", "SCRIPT"], "not a directory"),
])
def test_bad_tpm_options_are_refused(tmp_path, extra, says):
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    words = [str(script) if w == "SCRIPT" else str(tmp_path / "st") if w == "STATE" else w
             for w in extra]
    result = run([HARNESS, "lab", "run", "--script", script, *words])
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert not (tmp_path / "st").exists()


def test_both_power_cut_options_are_refused(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    result = run([HARNESS, "lab", "run", "--script", script, "--power-cut-after", "1",
                  "--power-cut-on-line", "x"])
    assert result.returncode == 2 and "not both" in result.stderr


def test_a_reused_disk_of_another_size_is_refused(tmp_path):
    disk = tmp_path / "d.img"
    disk.write_bytes(b"\0" * (2 << 20))
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    before = disk.read_bytes()
    result = run([HARNESS, "lab", "run", "--disk", f"d:4M:{disk}", "--script", script])
    assert result.returncode == 2
    assert "2 MiB" in result.stderr and "4 MiB" in result.stderr
    assert disk.read_bytes() == before


def fake_qemu(tmp_path, body):
    path = tmp_path / "fake-qemu"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_a_qemu_that_fails_to_start_is_reported(tmp_path):
    if not any(pathlib.Path("/boot").glob("vmlinuz-*")):
        pytest.skip("no guest kernel in /boot")
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    qemu = fake_qemu(tmp_path, "echo 'qemu-system-x86_64: -drive: could not open disk' >&2\nexit 1\n")
    env = dict(os.environ, PV2LUKS_QEMU=str(qemu), PV2LUKS_LAB_ACCEL="tcg", TMPDIR=str(tmp_path))
    result = run([HARNESS, "lab", "run", "--disk", "a:64M", "--script", script], env=env)
    assert result.returncode == 125
    assert "QEMU ended (exit 1)" in result.stderr
    assert "could not open disk" in result.stderr
    assert not list(tmp_path.glob("pv2luks-lab.*")), "the run directory was left behind"


def test_a_missing_qemu_is_reported(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    env = dict(os.environ, PV2LUKS_QEMU=str(tmp_path / "no-such-qemu"))
    result = run([HARNESS, "lab", "run", "--script", script], env=env)
    assert result.returncode == 125
    assert "no-such-qemu" in result.stderr and "not found" in result.stderr


def start_with_sleeping_qemu(tmp_path):
    """Starts `lab run` with a fake QEMU that only sleeps; returns the harness
    process and the fake QEMU's pid."""
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    qemu = fake_qemu(tmp_path, f"echo $$ > {tmp_path}/qemu.pid\nexec sleep 300\n")
    env = dict(os.environ, PV2LUKS_QEMU=str(qemu), PV2LUKS_LAB_ACCEL="tcg", TMPDIR=str(tmp_path))
    proc = subprocess.Popen([str(HARNESS), "lab", "run", "--script", str(script)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid_file = tmp_path / "qemu.pid"
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        time.sleep(0.1)
    return proc, int(pid_file.read_text())


def gone(pid):
    for _ in range(50):
        if not pathlib.Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.1)
    return False


def test_a_killed_harness_takes_its_qemu_along(tmp_path):
    """The harness's QEMU gets SIGKILL when the harness dies (PR_SET_PDEATHSIG)."""
    proc, qemu_pid = start_with_sleeping_qemu(tmp_path)
    proc.kill()
    proc.communicate()
    assert gone(qemu_pid), "QEMU outlived the harness"


def test_sigterm_kills_qemu_and_cleans_up(tmp_path):
    proc, qemu_pid = start_with_sleeping_qemu(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "interrupted" in err
    assert not pathlib.Path(f"/proc/{qemu_pid}").exists(), "QEMU was not reaped"
    assert not list(tmp_path.glob("pv2luks-lab.*"))


def test_host_mode_needs_device_mapper(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/sh\necho on the host; ls $LAB_DISKS\nexit 0\n")
    script.chmod(0o755)
    result = run([HARNESS, "lab", "run", "--host", "--disk", "a:8M", "--script", script])
    if "device-mapper" in pathlib.Path("/proc/misc").read_text():
        assert result.returncode == 0 and "on the host" in result.stdout
    else:
        assert result.returncode == 77
        assert "no device-mapper" in result.stderr
