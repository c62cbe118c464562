"""pv2luks convert --offline --guest-config runs pv2luks-guest-config (the
libguestfs part, an executable and package of its own) and reads its reply.
Here pv2luks is a copy of the build's, in a directory of its own, beside a
stand-in helper (a script replaying a reply and recording how it was run),
so no libguestfs appliance starts: with no helper the option is refused,
naming the package; a helper's error or a reply that is not one is refused
before anything is written; the passphrase reaches the helper on its
standard input only, never its argv or environment; a configuration that
fails after the conversion ends in exit 8. A guest whose facts say dracut
builds its initramfs is configured, one without dracut's crypt module and
cryptsetup refused (negative control). The real helper's runs are
test_offline_guest_config.py and _slow."""
import json
import os
import shutil

import pytest

from conftest import PV2LUKS, run
from offline_common import FAST_PBKDF, PASSPHRASE, build_image, key_file, sha256, verify

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="needs root (the harness builds images on loop devices)")

HELPER = "pv2luks-guest-config"

# The stand-in: records its argv, environment and standard input, then
# prints the reply its mode has in replies.json and exits with its code.
STAND_IN = """#!/usr/bin/python3
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
mode = sys.argv[1]
with open(os.path.join(here, mode + ".json"), "w") as record:
    json.dump({"argv": sys.argv[1:], "env": dict(os.environ),
               "stdin": sys.stdin.buffer.read().hex()}, record)
with open(os.path.join(here, "replies.json")) as replies:
    reply, code = json.load(replies)[mode]
sys.stdout.buffer.write(reply.encode("latin-1"))
sys.exit(code)
"""


def record(tag, text):
    """One reply record, escaped as pv2luks-guest-config writes it."""
    escaped = "".join("\\\\" if c == "\\" else f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7f
                      else c for c in text)
    return f"{tag} {escaped}\n"


def facts(distro, product, os_release, tool="initramfs-tools", dracut_crypt="no"):
    return "".join([record("root", "/dev/testgpt/root"), record("distro", distro),
                    record("product", product), record("os-release", os_release),
                    record("update-initramfs", "yes" if tool == "initramfs-tools" else "no"),
                    record("cryptroot-hook", "yes" if tool == "initramfs-tools" else "no"),
                    record("initramfs-tool", tool), record("dracut-crypt", dracut_crypt)])


DEBIAN = facts("debian", "Debian GNU/Linux 12 (bookworm)",
               'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
DEBIAN_DRACUT = facts("debian", "Debian GNU/Linux 12 (bookworm)",
                      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
                      tool="dracut", dracut_crypt="yes")
FEDORA = facts("fedora", "Fedora Linux 40 (Server Edition)", "ID=fedora\nVERSION_ID=40\n")
CONFIGURED = record("say", "guest: stand-in configured it") + record("done", "stand-in: done")


@pytest.fixture
def bin_dir(tmp_path):
    """A directory with a copy of pv2luks and nothing beside it."""
    path = tmp_path / "bin"
    path.mkdir()
    shutil.copy(PV2LUKS, path / "pv2luks")
    return path


def stand_in(bin_dir, probe, configure=(CONFIGURED, 0)):
    (bin_dir / "replies.json").write_text(json.dumps({"probe": probe, "configure": configure}))
    helper = bin_dir / HELPER
    helper.write_text(STAND_IN)
    helper.chmod(0o755)


def ran(bin_dir, mode):
    path = bin_dir / f"{mode}.json"
    return json.loads(path.read_text()) if path.exists() else None


def convert(bin_dir, image, key, *extra):
    result = run([bin_dir / "pv2luks", "convert", "--offline", image, "--yes", "--key-file", key,
                  *FAST_PBKDF, "--guest-config", *extra], timeout=600)
    print(result.stderr[-3000:])
    return result


def assert_refused(bin_dir, image, key, says):
    before = sha256(image)
    result = convert(bin_dir, image, key)
    assert result.returncode == 6, (result.returncode, result.stderr)
    assert says in result.stderr, result.stderr
    assert "nothing was written" in result.stderr, result.stderr
    assert sha256(image) == before
    return result.stderr


def test_without_the_helper_guest_config_is_refused_naming_its_package(tmp_path, bin_dir):
    image, _ = build_image(tmp_path)
    err = assert_refused(bin_dir, image, key_file(tmp_path),
                         "install the package pv2luks-guest-config")
    assert str(bin_dir / HELPER) in err  # where it looked
    before = sha256(image)
    result = run([bin_dir / "pv2luks", "resume", "--offline", image, "--yes", "--key-file",
                  key_file(tmp_path), "--guest-config"])
    assert result.returncode == 6, result.stderr
    assert "install the package pv2luks-guest-config" in result.stderr
    assert sha256(image) == before


def test_the_helper_s_error_is_pv2luks_s_refusal(tmp_path, bin_dir):
    image, _ = build_image(tmp_path)
    stand_in(bin_dir, (record("say", "guest: stand-in looking") +
                       record("error", "IMG: libguestfs found no operating system in it"), 1))
    err = assert_refused(bin_dir, image, key_file(tmp_path),
                         "libguestfs found no operating system in it")
    assert "guest: stand-in looking" in err
    assert ran(bin_dir, "configure") is None


@pytest.mark.parametrize("reply, says", [
    (("root /dev/x\n", 0), "ends after 1 of the 8 facts"),
    ((DEBIAN.replace("initramfs-tool initramfs-tools", "initramfs-tool mkinitcpio"), 0),
     "initramfs-tool is none of initramfs-tools, dracut, unknown"),
    ((DEBIAN.replace("dracut-crypt no\n", ""), 0), "ends after 7 of the 8 facts"),
    (("say unterminated", 0), "cut short"),
    (("say \\q\n", 0), "line 1: a backslash"),
    ((DEBIAN.replace("cryptroot-hook yes", "cryptroot-hook maybe"), 0), "neither yes nor no"),
    ((DEBIAN, 3), "failed (exit 3)"),
    (("", 0), "probe ended without the guest's facts"),
])
def test_a_reply_that_is_not_one_is_refused(tmp_path, bin_dir, reply, says):
    image, _ = build_image(tmp_path)
    stand_in(bin_dir, reply)
    assert_refused(bin_dir, image, key_file(tmp_path), says)
    assert ran(bin_dir, "configure") is None


def test_the_passphrase_goes_over_standard_input_only(tmp_path, bin_dir):
    image, lvs = build_image(tmp_path)
    key = key_file(tmp_path)
    stand_in(bin_dir, (DEBIAN, 0))
    result = convert(bin_dir, image, key)
    assert result.returncode == 0, result.stderr
    assert "guest: stand-in configured it" in result.stderr
    assert "stand-in: done" in result.stderr
    probe, configure = ran(bin_dir, "probe"), ran(bin_dir, "configure")
    assert probe["argv"] == ["probe", "--format", "raw", "--image", str(image)]
    assert probe["stdin"] == ""
    name = result.stdout.strip().splitlines()[-1].split()[0]  # the crypttab line's
    uuid = name.removeprefix("luks-")
    assert configure["argv"] == ["configure", "--format", "raw", "--image", str(image),
                                 "--luks-uuid", uuid]
    assert bytes.fromhex(configure["stdin"]) == PASSPHRASE
    secret = PASSPHRASE.strip().decode()
    assert not any(secret in word for word in configure["argv"])
    assert not any(secret in f"{k}={v}" for k, v in configure["env"].items())
    assert set(lvs) <= set(verify(image, key))


def test_a_dracut_guest_is_configured(tmp_path, bin_dir):
    image, lvs = build_image(tmp_path)
    key = key_file(tmp_path)
    stand_in(bin_dir, (DEBIAN_DRACUT, 0))
    result = convert(bin_dir, image, key)
    assert result.returncode == 0, result.stderr
    assert "stand-in: done" in result.stderr
    assert ran(bin_dir, "configure") is not None
    assert set(lvs) <= set(verify(image, key))


def test_negative_control_a_dracut_guest_without_cryptsetup_is_refused(tmp_path, bin_dir):
    image, _ = build_image(tmp_path)
    stand_in(bin_dir, (DEBIAN_DRACUT.replace("dracut-crypt yes", "dracut-crypt no"), 0))
    assert_refused(bin_dir, image, key_file(tmp_path), "install cryptsetup inside the guest first")
    assert ran(bin_dir, "configure") is None


def test_other_guests_are_not_configured(tmp_path, bin_dir):
    image, _ = build_image(tmp_path)
    stand_in(bin_dir, (FEDORA, 0))
    result = convert(bin_dir, image, key_file(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "NOT added to its /etc/crypttab" in result.stderr
    assert ran(bin_dir, "configure") is None


def test_a_configuration_that_fails_ends_in_exit_8(tmp_path, bin_dir):
    image, lvs = build_image(tmp_path)
    key = key_file(tmp_path)
    stand_in(bin_dir, (DEBIAN, 0), (record("error", "stand-in: update-initramfs failed"), 1))
    result = convert(bin_dir, image, key)
    assert result.returncode == 8, result.stderr
    assert "the conversion is complete" in result.stderr
    assert "guest configuration failed: stand-in: update-initramfs failed" in result.stderr
    assert set(lvs) <= set(verify(image, key))
