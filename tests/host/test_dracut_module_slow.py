"""pv2luks's dracut module (converter/dracut, installed as
/usr/lib/dracut/modules.d/90pv2luks) builds into a real dracut initramfs:
tests/host/dracut-chroot.sh installs this build with `cmake --install
--prefix /usr` into a Debian 12 chroot with dracut 059 (systemd in the
image) and runs dracut there for its kernel. The image must hold what a
recovery needs: the hook (a path ending in pv2luks-recover.sh), pv2luks,
cryptsetup, lvm, the dm modules, and for a --tpm2-device conversion the
token plugin (libcryptsetup-token-systemd-tpm2.so), the TSS libraries it
loads and every library those link (ldd; libtss2-sys was once missing, and
the plugin then said "TPM2 support is not installed"). Negative control: the same check on the
image built with `--omit pv2luks` finds them missing. Slow: the first run
installs dracut into the chroot (cached after), each dracut run takes about
a minute here. Booting an image with the module is the VM lab's."""
import os
import shutil

import pytest

from conftest import BUILD_DIR, SOURCE_DIR, run

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chroot, mounts)"),
    pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake"),
]

DM_MODULES = ["dm-mod", "dm-crypt", "dm-mirror", "dm-log", "dm-region-hash", "xts"]


def paths(listing):
    """The paths of an lsinitrd listing (`ls -l` lines; a link's own path)."""
    found = []
    for line in listing.splitlines():
        words = line.split()
        if len(words) < 9 or not words[0][:1] in "-dlcbps":
            continue
        found.append("/" + (words[words.index("->") - 1] if "->" in words else words[-1]))
    return found


# What the token plugin loads (systemd 252 dlopens esys, rc, mu and the
# device TCTI); unlinked() checks what each of them links.
TPM2_LIBRARIES = ["libtss2-esys.so.0", "libtss2-rc.so.0", "libtss2-mu.so.0",
                  "libtss2-tcti-device.so.0"]


def recovery_problems(listing):
    """What a root PV's recovery needs and the image lacks (empty: all there)."""
    have = paths(listing)
    problems = []
    def need(what, test):
        if not any(test(p) for p in have):
            problems.append(what)
    need("pv2luks-recover.sh", lambda p: p.endswith("pv2luks-recover.sh"))
    need("pv2luks", lambda p: p.endswith("/sbin/pv2luks") or p.endswith("/bin/pv2luks"))
    need("cryptsetup", lambda p: p.endswith("/sbin/cryptsetup") or p.endswith("/bin/cryptsetup"))
    need("lvm", lambda p: p.endswith("/sbin/lvm") or p.endswith("/bin/lvm"))
    for module in DM_MODULES:
        names = {f"{module}.ko", f"{module.replace('-', '_')}.ko"}
        need(module, lambda p, names=names: any(p.endswith("/" + n) or p.endswith("/" + n + ".xz")
                                                or p.endswith("/" + n + ".zst") for n in names))
    # A --tpm2-device conversion is mapped by its token (systemd is in the
    # chroot's image, and the TSS libraries the plugin loads).
    need("the TPM2 token plugin", lambda p: p.endswith("/libcryptsetup-token-systemd-tpm2.so"))
    for library in TPM2_LIBRARIES:
        need(library, lambda p, library=library: p.endswith("/" + library))
    return problems


def unlinked(listing):
    """The libraries that TPM2_LIBRARIES link (ldd of the host's copies: the
    chroot is the same Debian release) and the image lacks."""
    have = {path.rsplit("/", 1)[-1] for path in paths(listing)}
    missing = []
    for library in TPM2_LIBRARIES:
        for line in run(["ldd", f"/usr/lib/x86_64-linux-gnu/{library}"]).stdout.splitlines():
            soname = line.split()[0] if line.split() else ""
            if soname.startswith("lib") and soname not in have:
                missing.append(f"{library} links {soname}")
    return missing


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    out = tmp_path_factory.mktemp("dracut")
    result = run([SOURCE_DIR / "tests/host/dracut-chroot.sh", BUILD_DIR, out], timeout=3600)
    print(result.stdout[-2000:], result.stderr[-4000:])
    if result.returncode == 77:
        pytest.skip("no cached Debian 12 tarball: " + result.stderr.strip())
    assert result.returncode == 0, result.stderr
    return out


def test_the_module_is_in_the_dracut_image(images):
    listing = (images / "with.list").read_text()
    assert recovery_problems(listing) == [], listing[-3000:]
    assert unlinked(listing) == [], listing[-3000:]
    hook = (images / "with.hook").read_text()
    assert "pv2luks resume" in hook and "--activate-only" in hook, hook
    assert "Enter the passphrase for" in hook, hook
    assert "--token-only" in hook, hook


def test_negative_control_without_the_module_it_is_caught(images):
    problems = recovery_problems((images / "without.list").read_text())
    # dracut's own modules bring lvm, some dm modules and (without systemd)
    # cryptsetup; the hook and pv2luks only come with ours.
    assert "pv2luks-recover.sh" in problems and "pv2luks" in problems, problems
    # Nor does anything else bring the token plugin into a generic image.
    assert "the TPM2 token plugin" in problems, problems
