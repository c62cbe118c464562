"""pv2luks's command line on CLI11 (issue 18): every action's --help and
'pv2luks help ACTION', --opt=value, -q/--batch-mode, and the exit codes
that need no PV to trigger, each for real: 1 bad usage, 2 not root, 3 out
of memory (an address-space limit), 4 a missing device, 5 an image another
program holds pv2luks's lock on, 6 a refusal for another reason (a qcow2
image with a backing file). Where an
image is named, its whole-file sha256 is unchanged afterwards. The codes
that need a converted image (2 for a wrong passphrase, 7 stopped, 8 failed
after the write) are in tests/host (test_offline_convert.py,
test_progress_json.py, test_offline_guest_helper.py)."""
import fcntl
import hashlib
import os
import pathlib
import shutil

import pytest

from conftest import PV2LUKS, run

# What each action's help must show: its usage line and options of its own.
ACTION_OPTIONS = {
    "convert": ["--key-file", "--cipher", "--type", "--make-room", "--update-crypttab",
                "--crypttab", "--force", "--offline", "--partition", "--guest-config",
                "--dry-run", "--progress-json", "-q,--batch-mode,--yes", "--pbkdf",
                "--pbkdf-force-iterations", "--iter-time", "--key-size", "--sparse",
                "--max-rate", "--tpm2-device", "--tpm2-pcrs", "--recovery-key-file"],
    "resume": ["--key-file", "--activate-only", "--update-crypttab", "--crypttab", "--offline",
               "--partition", "--guest-config", "--progress-json", "-q,--batch-mode,--yes",
               "--max-rate"],
    "status": ["--offline", "--partition"],
    "verify": ["--offline", "--partition", "--key-file"],
    "flatten": ["--key-file", "pv2luks_flattened"],
    "unflatten": ["--key-file"],
}
EXIT_TABLE = ["0  done", "1  bad usage", "2  no permission", "3  out of memory",
              "4  wrong device", "5  device busy", "6  refused", "7  stopped", "8  failed after"]


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("action", ACTION_OPTIONS)
def test_each_action_has_its_help(action):
    result = run([PV2LUKS, action, "--help"])
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"Usage: pv2luks {action}" in text, text
    for words in [*ACTION_OPTIONS[action], "-v,--verbose", "--debug", *EXIT_TABLE]:
        assert words in text, (action, words)
    # The other actions' own options are not in it.
    if action in ("status", "flatten", "unflatten"):
        assert "--cipher" not in text and "--progress-json" not in text, text
    same = run([PV2LUKS, "help", action])
    assert same.returncode == 0 and same.stdout == text, same.stdout


def test_top_help_lists_the_actions_and_the_exit_codes():
    result = run([PV2LUKS, "--help"])
    assert result.returncode == 0, result.stderr
    for words in [*ACTION_OPTIONS, "pv2luks ACTION --help", *EXIT_TABLE]:
        assert words in result.stdout, words
    assert run([PV2LUKS, "help"]).stdout == result.stdout
    unknown = run([PV2LUKS, "help", "explode"])
    assert unknown.returncode == 1 and "unknown action 'explode'" in unknown.stderr


@pytest.mark.parametrize("spaced, joined, says", [
    (["convert", "--offline", "x.img", "--type", "luks3"],
     ["convert", "--offline", "x.img", "--type=luks3"], "--type takes luks1 or luks2"),
    (["convert", "--offline", "x.img", "--partition", "two"],
     ["convert", "--offline", "x.img", "--partition=two"], "--partition takes a number"),
    (["convert", "--offline", "x.img", "--crypttab", "/etc/crypttab"],
     ["convert", "--offline", "x.img", "--crypttab=/etc/crypttab"], "--crypttab is for live"),
    (["status", "--offline", "--partition", "1", "/nonexistent/x.img"],
     ["status", "--offline", "--partition=1", "/nonexistent/x.img"], "no such file"),
    (["verify", "--offline", "/nonexistent/x.img", "--key-file", "/dev/null"],
     ["verify", "--offline", "/nonexistent/x.img", "--key-file=/dev/null"], "no such file"),
])
def test_opt_equals_value_is_opt_value(spaced, joined, says):
    first, second = run([PV2LUKS, *spaced]), run([PV2LUKS, *joined])
    assert says in first.stderr, first.stderr
    assert (second.returncode, second.stderr) == (first.returncode, first.stderr)


@pytest.mark.parametrize("flag", ["-q", "--batch-mode", "--yes"])
def test_batch_mode_is_taken_by_convert_and_resume(flag, tmp_path):
    for action in ("convert", "resume"):
        result = run([PV2LUKS, action, "--offline", tmp_path / "none.img", flag])
        assert result.returncode == 4, result.stderr  # past the parse: no such image
    result = run([PV2LUKS, "unflatten", flag])
    assert result.returncode == 1 and f"unknown option {flag}" in result.stderr
    if flag != "--yes":  # cryptsetup's spelling also goes before the action
        result = run([PV2LUKS, flag, "convert", "--offline", tmp_path / "none.img"])
        assert result.returncode == 4, result.stderr


@pytest.mark.parametrize("words, says", [
    (["convert", "/dev/x", "--bogus"], "unknown option --bogus"),
    (["convert", "/dev/x", "--bogus=1"], "unknown option --bogus"),
    (["convert"], "convert needs a DEVICE"),
    (["flatten", "--key-file"], "--key-file needs FILE or -"),
    (["status", "a", "b"], "unexpected argument 'b'"),
    (["explode"], "unknown action 'explode'"),
    (["convert", "/dev/x", "--max-rate", "0"], "--max-rate takes bytes per second, e.g. 20M"),
    (["convert", "/dev/x", "--max-rate", "20X"], "--max-rate takes bytes per second"),
    (["convert", "/dev/x", "--max-rate", "20MB"], "--max-rate takes bytes per second"),
    (["convert", "/dev/x", "--max-rate", "-5M"], "--max-rate takes bytes per second"),
    (["resume", "/dev/x", "--max-rate", "99999999999999999999G"], "--max-rate takes bytes"),
    (["resume", "/dev/x", "--max-rate"], "--max-rate needs bytes per second"),
    (["resume", "/dev/x", "--activate-only", "--max-rate", "8M"],
     "--max-rate paces a move, and --activate-only moves nothing"),
    (["convert", "/dev/x", "--tpm2-device", "auto"], "--tpm2-device needs --recovery-key-file"),
    (["convert", "/dev/x", "--tpm2-pcrs", "7"], "--tpm2-pcrs goes with --tpm2-device"),
    (["convert", "/dev/x", "--recovery-key-file", "k"], "--recovery-key-file goes with --tpm2"),
    (["convert", "/dev/x", "--tpm2-device", "auto", "--recovery-key-file", "k", "--key-file",
      "-"], "--tpm2-device takes no --key-file"),
    (["convert", "/dev/x", "--tpm2-device", "auto", "--recovery-key-file", "k",
      "--tpm2-pcrs", "7,8"], "--tpm2-pcrs takes a PCR list such as 7 or 0+7"),
    (["convert", "x.img", "--offline", "--tpm2-device", "auto", "--recovery-key-file", "k"],
     "--tpm2-device, --tpm2-pcrs and --recovery-key-file are for live conversions"),
    (["convert", "/dev/x", "--tpm2-device"], "--tpm2-device needs auto or a TPM device"),
    ([], "Usage: pv2luks"),
])
def test_bad_usage_exits_1(words, says):
    result = run([PV2LUKS, *words])
    assert result.returncode == 1, result.stderr
    assert says in result.stderr, result.stderr
    assert result.stdout == ""


def block_device():
    """A block device this machine has (a disk or a loop device)."""
    for name in sorted(os.listdir("/sys/block")):
        if os.path.exists(f"/dev/{name}"):
            return f"/dev/{name}"
    pytest.skip("no block device here")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run as another user")
def test_not_root_exits_2(tmp_path):
    nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    for words in (["status", block_device()], ["resume", block_device(), "-q"]):
        result = run([*nobody, PV2LUKS, *words])
        assert result.returncode == 2, (words, result.stderr)
        assert "must run as root" in result.stderr, result.stderr


def test_a_missing_device_exits_4(tmp_path):
    for words in (["convert", "/dev/pv2luks-no-such-disk", "-q"],
                  ["convert", "--offline", tmp_path / "none.img", "-q"],
                  ["resume", "/dev/pv2luks-no-such-disk", "-q"],
                  ["status", "--offline", tmp_path / "none.img"],
                  ["verify", "--offline", tmp_path / "none.img"]):
        result = run([PV2LUKS, *words])
        assert result.returncode == 4, (words, result.stderr)
        assert "no such" in result.stderr, result.stderr


def test_an_image_another_program_holds_the_lock_on_exits_5(tmp_path):
    image = tmp_path / "held.img"
    image.write_bytes(bytes(1 << 20))
    before = sha256(image)
    with open(image, "r+b") as held:
        fcntl.lockf(held, fcntl.LOCK_EX, 1, 300)  # pv2luks's conversion lock byte
        for words in (["status", "--offline", image],
                      ["convert", "--offline", image, "-q", "--key-file", "/dev/null"],
                      ["resume", "--offline", image, "-q", "--key-file", "/dev/null"]):
            result = run([PV2LUKS, *words])
            assert result.returncode == 5, (words, result.stderr)
            assert f"is locked by another program (pid {os.getpid()}" in result.stderr
    assert sha256(image) == before
    control = run([PV2LUKS, "status", "--offline", image])
    assert control.returncode == 4, control.stderr  # unlocked: no PV in it, not busy


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
def test_a_refusal_for_another_reason_exits_6(tmp_path):
    base = tmp_path / "base.raw"
    base.write_bytes(bytes(1 << 20))
    image = tmp_path / "over.qcow2"
    made = run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", image])
    assert made.returncode == 0, made.stderr
    before = sha256(image), sha256(base)
    result = run([PV2LUKS, "convert", "--offline", image, "-q", "--key-file", "/dev/null"])
    assert result.returncode == 6, result.stderr
    assert "has a backing file" in result.stderr and "nothing was written" in result.stderr
    assert (sha256(image), sha256(base)) == before


def loads_within(mib):
    """Whether pv2luks starts at all under an address-space limit of `mib`."""
    return run(["prlimit", f"--as={mib << 20}", PV2LUKS, "--version"]).returncode == 0


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")
def test_out_of_memory_exits_3(tmp_path):
    """verify reads up to 16 MiB of a LUKS header: from the smallest
    address-space limit pv2luks starts under (found by bisection: it moves
    with the libraries linked) to 24 MiB above it, pv2luks either cannot
    load (127, the dynamic loader), runs out of memory (3, said so), or gets
    as far as the header (6: this one is no real LUKS header). Never a
    crash, and at least one 3."""
    image = tmp_path / "luks.img"
    with open(image, "wb") as f:
        f.write(b"LUKS\xba\xbe\x00\x02")  # a LUKS2 primary header's magic and version
        f.truncate(64 << 20)
    before = sha256(image)
    low, high = 4, 1024  # pv2luks does not start under `low` MiB, starts under `high`
    assert loads_within(high) and not loads_within(low)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if loads_within(middle) else (middle, high)
    codes = {}
    for mib in range(high, high + 26, 2):
        result = run(["prlimit", f"--as={mib << 20}", PV2LUKS, "verify", "--offline", image,
                      "--key-file", "/dev/null"])
        codes[mib] = result.returncode
        assert result.returncode in (127, 3, 6), (mib, result.returncode, result.stderr)
        if result.returncode == 3:
            assert "pv2luks: out of memory" in result.stderr, result.stderr
    assert 3 in codes.values(), codes
    assert sha256(image) == before
