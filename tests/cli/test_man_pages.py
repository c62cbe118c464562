"""The manual pages pv2luks(8) and pv2luks-harness(1), as the build makes
them (docs/man/*.in -> BUILD/docs/man/): groff renders each with every
warning on and says nothing (negative control: a page with an unknown macro
and a bad escape is caught), `man -l` shows the sections a reader looks for,
every action and the exit codes of the coordinator's table, and the .gz
beside each page is gzip -9n of it."""
import gzip
import os
import shutil

import pytest

from conftest import BUILD_DIR, run

pytestmark = pytest.mark.skipif(not (shutil.which("groff") and shutil.which("man")),
                                reason="needs groff and man")

MAN_DIR = BUILD_DIR / "docs" / "man"
PAGES = {"pv2luks.8": ["convert", "resume", "status", "flatten", "unflatten", "verify", "help"],
         "pv2luks-harness.1": ["lab run", "lab boot", "vm build", "vm run", "image build",
                               "checksum", "load start"]}
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES", "EXAMPLES",
            "SEE ALSO"]
# Wide enough that no line breaks, so no word is hyphenated.
UTF8 = {**os.environ, "LC_ALL": "C.UTF-8", "MANWIDTH": "400", "MANPAGER": "cat", "PAGER": "cat"}


def groff_warnings(page):
    """What groff says about `page` with all warnings on (empty: none)."""
    result = run(["groff", "-man", "-Tutf8", "-ww", "-z", page], env=UTF8)
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def rendered(page):
    result = run(["man", "-l", page], env=UTF8)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_renders_without_warnings(name):
    assert groff_warnings(MAN_DIR / name) == ""


def test_negative_control_a_broken_page_warns(tmp_path):
    broken = tmp_path / "broken.8"
    broken.write_text((MAN_DIR / "pv2luks.8").read_text() + ".XYZZY\n\\*[nosuchstring]\n")
    assert "XYZZY" in groff_warnings(broken)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_has_its_sections_and_commands(name):
    text = rendered(MAN_DIR / name)
    lines = text.splitlines()
    sections = SECTIONS if name.endswith(".8") else [s for s in SECTIONS if s != "OPTIONS"]
    for section in sections:
        assert section in lines, f"{name}: no section {section}"
    for command in PAGES[name]:
        assert command in text, f"{name}: no {command}"
    assert "@" not in text.replace("pv2luks@example.org", ""), "an unconfigured placeholder"
    version = run([BUILD_DIR / "converter" / "pv2luks", "--version"]).stdout.split()[1]
    assert f"pv2luks {version}" in lines[-1], lines[-1]


def test_pv2luks_8_documents_each_exit_code_and_the_new_options():
    text = rendered(MAN_DIR / "pv2luks.8")
    status = " ".join(text[text.index("EXIT STATUS"):text.index("\nFILES")].split())
    for code, words in [(0, "Done"), (1, "Bad usage"), (2, "No permission"),
                        (3, "Out of memory"), (4, "Wrong device"), (5, "Device busy"),
                        (6, "Refused for another reason; nothing was written"),
                        (7, "Stopped by a signal"), (8, "Failed after the disk was written")]:
        assert f" {code} {words}" in status, (code, words, status)
    for option in ["--key-file", "--batch-mode", "--verbose", "--debug", "--progress-json",
                   "--opt=value", "cryptsetup(8)", "lvm(8)", "crypttab(5)"]:
        assert option in text, option


def test_the_harness_page_documents_the_new_lab_options():
    text = rendered(MAN_DIR / "pv2luks-harness.1")
    for option in ["--result", "--kernel BZIMAGE", "--modules DIR", "--power-cut-on-line"]:
        assert option in text, option


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_compressed_page_is_the_page(name):
    packed = (MAN_DIR / f"{name}.gz").read_bytes()
    assert gzip.decompress(packed) == (MAN_DIR / name).read_bytes()
    assert packed[3] & 0x08 == 0, "gzip stored a file name (not -n)"
    assert int.from_bytes(packed[4:8], "little") == 0, "gzip stored a time stamp (not -n)"
