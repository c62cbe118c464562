"""The packages a server installs (issue 16): ci/package builds them from a
default configuration into BUILD/package (incremental after the first run),
and each .deb is unpacked with dpkg-deb. The pv2luks package's
/usr/sbin/pv2luks has no test hook (no PV2LUKS_TEST_ in `strings`) and links
no libguestfs (`ldd`); the package neither depends on libguestfs nor
recommends the helper's package. pv2luks-guest-config holds the helper and
depends on libguestfs0 and on pv2luks. Negative controls: the same strings
check finds the hooks in the test build's pv2luks (ci/build turns them on),
and the same ldd check finds libguestfs in the helper. The unpacked pv2luks
finds the unpacked helper in ../libexec/pv2luks/ and, alone, refuses
--guest-config naming the package. The pv2luks package also holds the dracut
module (/usr/lib/dracut/modules.d/90pv2luks, both scripts executable) and
recommends "cryptsetup-initramfs | dracut" (negative control: a copy of the
module without its hook and with a non-executable module-setup.sh is
caught)."""
import os
import pathlib
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
    assert sorted(found) == [CORE, HELPER], result.stdout
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
    assert field(deb, "Suggests") == HELPER
    assert (tree / "usr/share/initramfs-tools/hooks/pv2luks").is_file()
    assert (tree / "usr/share/initramfs-tools/scripts/local-top/pv2luks").is_file()
    assert not (tree / "usr/libexec").exists()
    assert "activate-noawait update-initramfs" in checked(
        ["dpkg-deb", "--info", deb, "triggers"]).stdout


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
