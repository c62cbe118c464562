"""The command lines: help, version, and clear refusals. No root, no guest."""
import pytest

from conftest import HARNESS, PV2LUKS, run


def test_pv2luks_help_and_version():
    help_ = run([PV2LUKS, "--help"])
    assert help_.returncode == 0 and "Usage: pv2luks" in help_.stdout
    convert_help = run([PV2LUKS, "convert", "--help"]).stdout
    assert "pv2luks_converting" in convert_help  # the autoactivation guard is explained
    assert "pv2luks resume DEVICE --update-crypttab" in convert_help
    version = run([PV2LUKS, "--version"])
    assert version.returncode == 0 and version.stdout.startswith("pv2luks ")


def test_resume_update_crypttab_is_for_live_conversions():
    result = run([PV2LUKS, "resume", "--offline", "disk.img", "--update-crypttab"])
    assert result.returncode == 1 and "--update-crypttab is for live conversions" in result.stderr
    result = run([PV2LUKS, "resume", "/dev/nonexistent", "--crypttab"])
    assert result.returncode == 1 and "--crypttab needs FILE" in result.stderr


def device_mapper_here():
    with open("/proc/misc") as misc:
        return any(line.split()[-1:] == ["device-mapper"] for line in misc)


def test_status_of_an_image_named_without_offline(tmp_path):
    """A relative path names a file, not a VG: status says it is no block
    device and to use --offline (it said "dm list failed: out of memory")."""
    (tmp_path / "disk.img").write_bytes(bytes(4096))
    result = run([PV2LUKS, "status", "disk.img"], cwd=tmp_path)
    assert result.returncode == 4, result.stderr  # wrong device
    assert "disk.img: not a block device; for a disk image use --offline" in result.stderr
    assert "out of memory" not in result.stderr


@pytest.mark.skipif(device_mapper_here(), reason="this kernel has device-mapper")
def test_status_of_a_name_without_device_mapper(tmp_path):
    result = run([PV2LUKS, "status", "somevg"], cwd=tmp_path)
    assert result.returncode == 6, result.stderr  # refused: no device-mapper here
    assert "device-mapper is not available in this kernel" in result.stderr, result.stderr
    assert "'pv2luks status --offline IMAGE'" in result.stderr
    assert "out of memory" not in result.stderr


def test_pv2luks_refuses_unknown_actions():
    result = run([PV2LUKS, "explode"])
    assert result.returncode == 1 and "unknown action 'explode'" in result.stderr
    assert run([PV2LUKS]).returncode == 1


@pytest.mark.parametrize("words", [["--help"], ["lab", "run", "--help"], ["load", "start", "--help"],
                                   ["image", "build", "--help"]])
def test_harness_help(words):
    result = run([HARNESS, *words])
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout or "usage" in result.stdout


def test_harness_refuses_unknown_commands_and_options(tmp_path):
    assert run([HARNESS]).returncode == 2
    unknown = run([HARNESS, "frobnicate"])
    assert unknown.returncode == 2 and "unknown command 'frobnicate'" in unknown.stderr
    script = tmp_path / "s.sh"
    script.write_text("exit 0\n")
    bad = run([HARNESS, "lab", "run", "--script", script, "--bogus"])
    assert bad.returncode == 2 and "unknown option --bogus" in bad.stderr
    bad_timeout = run([HARNESS, "lab", "run", "--script", script, "--timeout", "soon"])
    assert bad_timeout.returncode == 2 and "--timeout takes a positive number" in bad_timeout.stderr
    no_marker = run([HARNESS, "lab", "boot", "--kernel", script, "--initrd", script])
    assert no_marker.returncode == 2 and "needs --kernel, --initrd and --marker" in no_marker.stderr
    lone_answer = run([HARNESS, "lab", "boot", "--kernel", script, "--initrd", script,
                       "--marker", "M", "--answer", "Password:"])
    assert lone_answer.returncode == 2 and "--answer and --key-file go together" in lone_answer.stderr
    key = tmp_path / "key"
    key.write_bytes(b"two\nlines")
    untypable = run([HARNESS, "lab", "boot", "--kernel", script, "--initrd", script,
                     "--marker", "M", "--answer", "Password:", "--key-file", key])
    assert untypable.returncode == 2 and "cannot be typed at a prompt" in untypable.stderr


@pytest.mark.parametrize("words, says", [
    (["vm"], "vm needs build or run"),
    (["vm", "frob"], "vm: unknown command 'frob'"),
    (["vm", "build", "x.img"], "--distro debian is the one distribution"),
    (["vm", "build", "--distro", "debian"], "vm build needs one OUT.img"),
    (["vm", "run", "x.img"], "vm run needs IMG and --script FILE"),
    (["vm", "run", "x.img", "--script", "/nonexistent/run.sh"], "/nonexistent/run.sh: no such file"),
    (["vm", "run", "x.img", "--script", "/bin/true", "--tpm", "/tmp/a,b"],
     "swtpm cannot take a comma"),
    (["vm", "run", "x.img", "--script", "/bin/true", "--tpm", "/bin/true"], "not a directory"),
])
def test_harness_vm_usage_errors(words, says):
    """Usage errors exit 2 and name the problem, before anything is built or booted."""
    result = run([HARNESS, *words])
    assert result.returncode == 2, result.stderr
    assert says in result.stderr, result.stderr


def test_harness_vm_help():
    assert "Please unlock disk" in run([HARNESS, "vm", "run", "--help"]).stdout
    assert "cmake --install" in run([HARNESS, "vm", "build", "--help"]).stdout


@pytest.mark.parametrize("words, says", [
    (["convert", "--partition", "2", "/dev/null"], "--partition needs --offline"),
    (["convert", "--guest-config", "/dev/null"], "--guest-config needs --offline"),
    (["convert", "--offline", "--partition", "two", "x.img"], "--partition takes a number"),
    (["convert", "--offline"], "convert needs a DEVICE (or an IMAGE with --offline)"),
    (["resume", "--offline", "--activate-only", "x.img"], "--activate-only is for live"),
    (["resume", "--offline", "--token-only", "x.img"], "--token-only is for live"),
    (["resume", "--token-only", "--key-file", "k", "/dev/null"],
     "--token-only opens by the TPM2 token, --key-file by a passphrase: leave one out"),
    (["resume", "--token-only", "--disable-external-tokens", "/dev/null"],
     "--token-only opens by the TPM2 token only, --disable-external-tokens never tries it"),
    (["resume", "--guest-config", "/dev/null"], "--guest-config needs --offline"),
    # Options the mode does not use are refused, never ignored.
    (["convert", "--offline", "x.img", "--update-crypttab"],
     "--update-crypttab is for live conversions; offline, --guest-config adds the crypttab line"),
    (["convert", "--offline", "x.img", "--crypttab", "/etc/crypttab"],
     "--crypttab is for live conversions"),
    (["convert", "--offline", "x.img", "--update-crypttab", "--crypttab", "ct"],
     "--update-crypttab is for live conversions"),
    (["resume", "--offline", "x.img", "--crypttab", "ct"], "--crypttab is for live conversions"),
    (["convert", "--offline", "x.img", "--force"], "--force is for live conversions"),
    (["resume", "/dev/null", "--force"], "unknown option --force"),
    (["verify", "x.img"], "give --offline IMAGE"),
    (["verify", "--offline"], "verify needs --offline IMAGE"),
    (["status", "--partition", "1", "x.img"], "--partition needs --offline"),
    (["status", "--offline"], "status --offline needs an IMAGE"),
    (["flatten", "--key-file"], "--key-file needs FILE or -"),
    (["flatten", "fvg", "other"], "unexpected argument 'other'"),
    (["unflatten", "--yes"], "unknown option --yes"),
])
def test_pv2luks_offline_usage_errors(words, says):
    """Usage errors exit 1 and name the problem, before anything is opened."""
    result = run([PV2LUKS, *words])
    assert result.returncode == 1, result.stderr
    assert says in result.stderr, result.stderr


def test_pv2luks_help_explains_offline():
    text = run([PV2LUKS, "--help"]).stdout + run([PV2LUKS, "convert", "--help"]).stdout
    for words in ["convert --offline IMAGE", "verify --offline IMAGE", "--partition N",
                  "qemu-storage-daemon", "backing file", "internal snapshots",
                  "compressed clusters", "qemu-img check", "holes in a sparse image"]:
        assert words in text, words


def test_pv2luks_help_explains_flatten():
    text = run([PV2LUKS, "--help"]).stdout + run([PV2LUKS, "flatten", "--help"]).stdout
    for words in ["flatten [VG|CRYPT]", "unflatten [VG|CRYPT]", "status [VG|CRYPT]",
                  "pv2luks-flat-CRYPT", "pv2luks_flattened", "A reboot unflattens"]:
        assert words in text, words
