"""pv2luks-harness's command line on CLI11 and its files found at run time,
with no source path compiled in. No root, no guest."""
import json
import os
import subprocess

import pytest

from conftest import BUILD_DIR, HARNESS, PV2LUKS, SOURCE_DIR, run


@pytest.mark.parametrize("binary", [HARNESS, PV2LUKS])
def test_no_source_path_in_the_binary(binary):
    """Neither code nor debug info names the checkout: the harness finds its
    files beside its executable, so the path would only mislead."""
    strings = subprocess.run(["strings", "-a", str(binary)], capture_output=True, check=True).stdout
    source = str(SOURCE_DIR.resolve()).encode()
    assert source not in strings, [line for line in strings.splitlines() if source in line][:5]


def test_negative_control_strings_finds_a_path_that_is_there():
    """The check above can fail: a string the binary does hold is found."""
    strings = subprocess.run(["strings", "-a", str(HARNESS)], capture_output=True, check=True).stdout
    assert b"PV2LUKS_HARNESS_DATA" in strings


def test_the_build_tree_has_the_installed_layout():
    data = BUILD_DIR / "share" / "pv2luks-harness"
    assert (data / "qemu" / "mkinitramfs").is_file()
    assert (data / "debian-image.sh").is_file() and (data / "initramfs-size.sh").is_file()


def test_a_missing_data_directory_is_a_lab_failure_that_names_it(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PV2LUKS_")}
    env["PV2LUKS_HARNESS_DATA"] = str(tmp_path / "nowhere")
    env["PV2LUKS_QEMU"] = "true"  # found, never started
    result = run([HARNESS, "lab", "run", "--script", script, "--result", tmp_path / "r.json"],
                 env=env, cwd=tmp_path)
    assert result.returncode == 125, result.stderr
    assert "PV2LUKS_HARNESS_DATA" in result.stderr and "nowhere" in result.stderr
    outcome = json.loads((tmp_path / "r.json").read_text())
    assert outcome["status"] == "lab-failed" and outcome["script_exit"] is None, outcome
    assert "nowhere" in outcome["message"]


@pytest.mark.parametrize("words", [
    ["lab", "run", "--help"], ["lab", "boot", "--help"], ["vm", "build", "--help"],
    ["vm", "run", "--help"], ["image", "--help"], ["checksum", "--help"],
    ["load", "--help"], ["load", "start", "--help"], ["load", "stop", "--help"],
    ["load", "verify", "--help"], ["help"], ["-h"],
])
def test_every_command_has_its_own_help(words):
    result = run([HARNESS, *words])
    assert result.returncode == 0, (words, result.stderr)
    assert "sage" in result.stdout, words


def test_lab_run_help_documents_the_exit_codes():
    text = run([HARNESS, "lab", "run", "--help"]).stdout
    for line in ("1  the script ran and exited non-zero", "125  the lab failed", "--result FILE",
                 "--kernel BZIMAGE", "--modules DIR"):
        assert line in text, line


def test_options_take_the_equals_spelling(tmp_path):
    """--opt=value is the same as --opt value: both reach the same checks."""
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    for words in (["--timeout=soon"], ["--timeout", "soon"]):
        result = run([HARNESS, "lab", "run", f"--script={script}", *words])
        assert result.returncode == 2 and "--timeout takes a positive number, not 'soon'" in result.stderr
    spec = run([HARNESS, "lab", "run", f"--script={script}", "--disk=x:12Q"])
    assert spec.returncode == 2 and "cannot read the size" in spec.stderr


@pytest.mark.parametrize("words, says", [
    (["lab"], "lab needs run or boot"),
    (["lab", "frob"], "lab: unknown command 'frob'"),
    (["lab", "run", "--script"], "option --script needs a value"),
    (["lab", "run", "--script", "s", "--bogus=1"], "unknown option --bogus"),
    (["lab", "run", "--modules", "/", "--script", "/dev/null"], "--modules goes with --kernel"),
    (["lab", "run", "--kernel", "/dev/null", "--host", "--script", "/dev/null"], "drop --host"),
])
def test_usage_errors_name_the_problem(words, says):
    result = run([HARNESS, *words])
    assert result.returncode == 2, (words, result.stderr)
    assert says in result.stderr, (words, result.stderr)
