"""The packages a server installs (issue 16): ci/package builds them from a
default configuration into BUILD/package (incremental after the first run),
and each .deb is unpacked with dpkg-deb. The pv2luks package's
/usr/sbin/pv2luks has no test hook (no PV2LUKS_TEST_ in `strings`) and links
no libguestfs and no libnbd (`ldd`; libnbd is loaded for qcow2 images only,
and the initramfs copies what pv2luks links); the package neither depends on
libguestfs nor recommends the helper's package. pv2luks-guest-config holds the helper and
depends on libguestfs0 and on pv2luks. Negative controls: the same strings
check finds the hooks in the test build's pv2luks (ci/build turns them on),
and the same ldd check finds libguestfs in the helper. The unpacked pv2luks
finds the unpacked helper in ../libexec/pv2luks/ and, alone, refuses
--guest-config naming the package. The pv2luks package also holds the dracut
module (/usr/lib/dracut/modules.d/90pv2luks, both scripts executable) and
recommends "cryptsetup-initramfs | dracut" (negative control: a copy of the
module without its hook and with a non-executable module-setup.sh is
caught).

Debian's tools accept them (issue 18): one lintian run over the three .debs
(pv2luks-harness is the third) reports no error, and its warnings are
printed; each package has its copyright (DEP-5) and changelog.Debian.gz, a
manual page for each binary on PATH and its bash completion; every binary
is built with Debian's hardening (RELRO, BIND_NOW, PIE, stack protector,
FORTIFY, read with readelf; negative control: the test build, made without
dpkg-buildflags, lacks BIND_NOW and FORTIFY); pv2luks-harness depends on
the QEMU and guest tools the lab runs."""
import os
import pathlib
import re
import shutil
import time

import pytest

from conftest import BUILD_DIR, PV2LUKS, SOURCE_DIR, checked, run

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (pv2luks convert --offline)"),
    pytest.mark.skipif(not (shutil.which("dpkg-deb") and shutil.which("cpack")),
                       reason="needs dpkg-deb and cpack"),
]

CORE = "pv2luks"
HELPER = "pv2luks-guest-config"
HARNESS_PACKAGE = "pv2luks-harness"
CORE_BINARY = "usr/sbin/pv2luks"
HELPER_BINARY = "usr/libexec/pv2luks/pv2luks-guest-config"
TEST_HOOK_PREFIX = "PV2LUKS_TEST_"


def field(deb, name):
    return checked(["dpkg-deb", "--field", deb, name]).stdout.strip()


def has_string(path, text):
    return text in checked(["strings", path]).stdout


def linked(path):
    """The sonames ldd lists for `path` (failing on a library not found)."""
    out = checked(["ldd", path]).stdout
    assert "not found" not in out, out
    return [line.split()[0] for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """{package name: (the .deb, the directory it was unpacked into)}."""
    started = time.monotonic()
    result = run([SOURCE_DIR / "ci" / "package"],
                 env={**os.environ, "PACKAGE_BUILD_DIR": str(BUILD_DIR / "package")}, timeout=3600)
    print(f"ci/package: exit {result.returncode} in {time.monotonic() - started:.0f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    unpacked = tmp_path_factory.mktemp("debs")
    found = {}
    for deb in map(pathlib.Path, result.stdout.split()):
        name = field(deb, "Package")
        checked(["dpkg-deb", "--extract", deb, unpacked / name])
        found[name] = (deb, unpacked / name)
    assert sorted(found) == [CORE, HELPER, HARNESS_PACKAGE], result.stdout
    return found


def test_the_packaged_pv2luks_has_no_test_hooks(packages):
    binary = packages[CORE][1] / CORE_BINARY
    assert has_string(binary, "convert --offline")  # strings reads it
    assert not has_string(binary, TEST_HOOK_PREFIX)


def test_negative_control_the_test_build_has_them():
    assert has_string(PV2LUKS, TEST_HOOK_PREFIX)


def test_the_packaged_pv2luks_links_no_libguestfs(packages):
    libraries = linked(packages[CORE][1] / CORE_BINARY)
    assert any(lib.startswith("libcryptsetup.so") for lib in libraries), libraries
    assert not any("guestfs" in lib for lib in libraries), libraries


def test_the_packaged_pv2luks_links_no_libnbd(packages):
    """libnbd (and its gnutls, libxml2, ICU) is loaded for qcow2 images only,
    so the initramfs hooks' copy of pv2luks stays small."""
    libraries = linked(packages[CORE][1] / CORE_BINARY)
    assert not any(lib.startswith(("libnbd", "libgnutls", "libxml2", "libicu")) for lib in libraries), \
        libraries


def test_negative_control_the_helper_links_it(packages):
    libraries = linked(packages[HELPER][1] / HELPER_BINARY)
    assert any(lib.startswith("libguestfs.so") for lib in libraries), libraries


def test_the_core_package_pulls_no_libguestfs(packages):
    deb, tree = packages[CORE]
    depends = field(deb, "Depends")
    assert "lvm2" in depends and "libcryptsetup" in depends, depends
    assert "guestfs" not in depends, depends
    recommends = field(deb, "Recommends")
    assert "guestfs" not in recommends and HELPER not in recommends, recommends
    suggests = [s.strip() for s in field(deb, "Suggests").split(",")]
    assert suggests == [HELPER, "libnbd0", "qemu-system-common", "qemu-utils"], suggests
    assert (tree / "usr/share/initramfs-tools/hooks/pv2luks").is_file()
    assert (tree / "usr/share/initramfs-tools/scripts/local-top/pv2luks").is_file()
    # Its only program outside PATH is the first-boot unit's; the helper
    # lives in pv2luks-guest-config.
    assert [str(p.relative_to(tree)) for p in (tree / "usr/libexec").rglob("*") if p.is_file()] \
        == ["usr/libexec/pv2luks/pv2luks-firstboot"]
    assert "activate-noawait update-initramfs" in checked(
        ["dpkg-deb", "--info", deb, "triggers"]).stdout


def test_the_core_package_holds_the_first_boot_unit_disabled(packages):
    """pv2luks-firstboot.service, whose program is in the package, and no
    postinst that enables it (an image builder does, with systemctl enable)."""
    deb, tree = packages[CORE]
    unit = (tree / "usr/lib/systemd/system/pv2luks-firstboot.service").read_text()
    program = re.search(r"^ExecStart=(\S+)$", unit, re.M).group(1)
    assert program == "/usr/libexec/pv2luks/pv2luks-firstboot", unit
    assert os.access(tree / program.lstrip("/"), os.X_OK)
    assert "ConditionPathExists=!/var/lib/pv2luks/firstboot.done" in unit
    assert "WantedBy=multi-user.target" in unit
    scripts = run(["dpkg-deb", "--info", deb, "postinst"])
    assert "systemctl" not in scripts.stdout and "deb-systemd" not in scripts.stdout, scripts.stdout


DRACUT_MODULE = "usr/lib/dracut/modules.d/90pv2luks"


def dracut_module_problems(tree):
    """What is missing from the dracut module under `tree` (empty: whole)."""
    problems = []
    for name in ("module-setup.sh", "pv2luks-recover.sh"):
        path = tree / DRACUT_MODULE / name
        if not path.is_file():
            problems.append(f"no {DRACUT_MODULE}/{name}")
        elif not os.access(path, os.X_OK):
            problems.append(f"{DRACUT_MODULE}/{name} is not executable")
    return problems


def test_the_core_package_holds_the_dracut_module(packages):
    deb, tree = packages[CORE]
    assert dracut_module_problems(tree) == []
    assert "pv2luks-recover.sh" in (tree / DRACUT_MODULE / "module-setup.sh").read_text()
    # Either tool unlocks the converted root: dracut conflicts with
    # initramfs-tools (which cryptsetup-initramfs needs), hence the alternative.
    recommends = [r.strip() for r in field(deb, "Recommends").split(",")]
    assert "cryptsetup-initramfs | dracut" in recommends, recommends
    assert "cryptsetup-bin" in recommends, recommends


def test_negative_control_a_module_without_its_hook_is_caught(packages, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(packages[CORE][1] / DRACUT_MODULE, tree / DRACUT_MODULE)
    (tree / DRACUT_MODULE / "pv2luks-recover.sh").unlink()
    os.chmod(tree / DRACUT_MODULE / "module-setup.sh", 0o644)
    assert dracut_module_problems(tree) == [
        f"{DRACUT_MODULE}/module-setup.sh is not executable",
        f"no {DRACUT_MODULE}/pv2luks-recover.sh"]


def test_the_helper_package_holds_the_helper_and_depends_on_libguestfs(packages):
    deb, tree = packages[HELPER]
    assert os.access(tree / HELPER_BINARY, os.X_OK)
    assert not (tree / "usr/sbin").exists()
    depends = [d.strip() for d in field(deb, "Depends").split(",")]
    assert any(d.startswith("libguestfs0") for d in depends), depends
    assert f"{CORE} (= {field(packages[CORE][0], 'Version')})" in depends, depends


def guest_config_attempt(root):
    """`convert --offline --guest-config` of a file that does not exist, with
    the pv2luks unpacked under `root`: the helper is looked for first."""
    return run([root / CORE_BINARY, "convert", "--offline", "/nonexistent/pv2luks.img",
                "--yes", "--key-file", "/dev/null", "--guest-config"])


def test_the_packaged_pv2luks_finds_the_packaged_helper(packages, tmp_path):
    alone = guest_config_attempt(packages[CORE][1])
    assert alone.returncode == 6  # refused: the helper is missing
    assert "install the package pv2luks-guest-config" in alone.stderr, alone.stderr
    both = tmp_path / "root"
    for _, tree in packages.values():
        shutil.copytree(tree, both, dirs_exist_ok=True, symlinks=True)
    found = guest_config_attempt(both)
    assert found.returncode == 4  # wrong device: the image does not exist
    assert "pv2luks-guest-config" not in found.stderr, found.stderr
    assert "/nonexistent/pv2luks.img" in found.stderr, found.stderr


@pytest.fixture(scope="module")
def lintian_tags(packages):
    """lintian's tags for the three .debs, one run: [(severity, package, tag line)]."""
    if not shutil.which("lintian"):
        pytest.skip("needs lintian (ci/install-deps)")
    started = time.monotonic()
    result = run(["lintian", "--tag-display-limit", "0", *(deb for deb, _ in packages.values())],
                 timeout=600)
    print(f"lintian: exit {result.returncode} in {time.monotonic() - started:.0f} s")
    tags = []
    for line in result.stdout.splitlines():
        match = re.match(r"([EWIPXCO]): ([^:]+): (.*)", line)
        if match:
            tags.append(match.groups())
    assert result.returncode in (0, 2) and (tags or result.returncode == 0), \
        result.stdout + result.stderr
    return tags


def test_lintian_finds_no_error(lintian_tags):
    for severity, package, tag in lintian_tags:
        if severity != "I":
            print(f"lintian {severity}: {package}: {tag}")
    errors = [f"{package}: {tag}" for severity, package, tag in lintian_tags if severity == "E"]
    assert errors == []


DOCS = ("copyright", "changelog.Debian.gz")


def test_each_package_has_its_copyright_and_changelog(packages):
    for name, (deb, tree) in packages.items():
        for doc in DOCS:
            assert (tree / "usr/share/doc" / name / doc).is_file(), f"{name}: no {doc}"
        copyright_ = (tree / "usr/share/doc" / name / "copyright").read_text()
        assert copyright_.startswith("Format: https://www.debian.org/doc/packaging-manuals/"
                                     "copyright-format/1.0/\n"), copyright_
        assert "License: GPL-2+" in copyright_
        assert field(deb, "Maintainer") == "pv2luks developers <pv2luks@example.org>"
        assert field(deb, "Version").endswith("-1")
        synopsis, *extended = field(deb, "Description").splitlines()
        assert synopsis and len(synopsis) < 80 and len(extended) >= 3, (name, synopsis)


MAN_PAGES = {CORE: ["usr/share/man/man8/pv2luks.8.gz"],
             HARNESS_PACKAGE: ["usr/share/man/man1/pv2luks-harness.1.gz"],
             HELPER: []}
COMPLETIONS = {CORE: "pv2luks", HARNESS_PACKAGE: "pv2luks-harness"}


def test_each_binary_on_path_has_its_man_page_and_completion(packages):
    for name, (_, tree) in packages.items():
        on_path = sorted(p.name for d in ("usr/bin", "usr/sbin") if (tree / d).is_dir()
                         for p in (tree / d).iterdir())
        pages = MAN_PAGES[name]
        assert sorted(pathlib.Path(p).name.split(".")[0] for p in pages) == on_path, name
        for page in pages:
            assert (tree / page).is_file(), page
        if name in COMPLETIONS:
            completion = tree / "usr/share/bash-completion/completions" / COMPLETIONS[name]
            assert completion.is_file() and "complete -F" in completion.read_text()


def hardening_missing(binary):
    """Which of Debian's hardening features `binary` lacks (empty: all there)."""
    headers = checked(["readelf", "--wide", "--program-headers", "--dynamic", binary]).stdout
    symbols = checked(["readelf", "--wide", "--dyn-syms", binary]).stdout
    missing = []
    if "GNU_RELRO" not in headers:
        missing.append("RELRO")
    if not re.search(r"\(FLAGS\)\s.*BIND_NOW|\(FLAGS_1\)\s.*\bNOW\b", headers):
        missing.append("BIND_NOW")
    if not re.search(r"\(FLAGS_1\)\s.*\bPIE\b", headers):
        missing.append("PIE")
    if "__stack_chk_fail" not in symbols:
        missing.append("stack protector")
    if not re.search(r"\b__\w+_chk\b", symbols.replace("__stack_chk_fail", "")):
        missing.append("FORTIFY")
    return missing


BINARIES = {CORE: CORE_BINARY, HELPER: HELPER_BINARY, HARNESS_PACKAGE: "usr/bin/pv2luks-harness"}


def test_every_binary_is_hardened(packages):
    for name, binary in BINARIES.items():
        assert hardening_missing(packages[name][1] / binary) == [], binary


def test_negative_control_the_test_build_is_not():
    missing = hardening_missing(PV2LUKS)
    assert "BIND_NOW" in missing and "FORTIFY" in missing, missing


def test_the_harness_package_depends_on_what_the_lab_runs(packages):
    deb, tree = packages[HARNESS_PACKAGE]
    depends = [d.strip().split(" ")[0] for d in field(deb, "Depends").split(",")]
    for needed in ("qemu-system-x86", "qemu-utils", "busybox-static", "cpio", "kmod", "lvm2",
                   "cryptsetup-bin", "e2fsprogs", "fio", "libc6"):
        assert needed in depends, (needed, depends)
    assert "linux-image-amd64 | linux-image-generic" in field(deb, "Recommends")
    assert os.access(tree / "usr/bin/pv2luks-harness", os.X_OK)
