"""Stub guests for the --guest-config host tests: images/test-gpt.json with
its root LV replaced by a tiny root file system that libguestfs inspects as
a Linux guest (an /etc/os-release, an fstab, /bin with busybox's applets)
and, for a Debian stub, an update-initramfs and unmkinitramfs that only
record their call and fake an initramfs whose cryptroot/crypttab is a copy
of the guest's /etc/crypttab ("good") or empty ("bad"). A Debian stub with
dracut ("debian-dracut") has dracut and lsinitrd stand-ins instead: its
image's /etc/crypttab is the guest's only when a dracut.conf.d file asks for
it, empty when "bad", and its listing lacks cryptsetup when "no-cryptsetup". Booting real guests
is tests/lab/test_offline_guest_boot_slow.py."""
import hashlib
import os
import shutil
import subprocess

from conftest import run
from offline_common import build_image

VG = "testgpt"
KERNEL = "6.1.0-stub"
EXISTING_CRYPTTAB = "# an entry of the admin's own\nswap /dev/sdz9 /dev/urandom swap\n"
APPLETS = ["sh", "cat", "cp", "mkdir", "mktemp", "rm", "grep", "ls", "echo", "test", "["]

UPDATE_INITRAMFS = """#!/bin/sh
echo "update-initramfs: stub called with: $*"
echo "$*" >> /var/log/update-initramfs.calls
mkdir -p /stub-initramfs/cryptroot
if [ -f /etc/stub-initramfs-bad ]; then
	: > /stub-initramfs/cryptroot/crypttab
else
	grep -v '^#' /etc/crypttab > /stub-initramfs/cryptroot/crypttab
fi
echo stub > /boot/initrd.img-""" + KERNEL + "\n"

UNMKINITRAMFS = """#!/bin/sh
cp -r /stub-initramfs/. "$2"/
"""

# dracut's stand-ins: dracut puts /etc/crypttab into its image only when a
# dracut.conf.d file asks for it (as Debian's generic images do); "bad" drops
# it anyway, "no-cryptsetup" leaves cryptsetup out of the listing.
DRACUT = """#!/bin/sh
echo "dracut: stub called with: $*"
echo "$*" >> /var/log/dracut.calls
mkdir -p /stub-dracut/etc
: > /stub-dracut/etc/crypttab
if [ ! -f /etc/stub-initramfs-bad ] && \\
	grep -qs 'install_items+=" /etc/crypttab "' /etc/dracut.conf.d/*.conf; then
	cp /etc/crypttab /stub-dracut/etc/crypttab
fi
echo stub > /boot/initrd.img-""" + KERNEL + "\n"

LSINITRD = """#!/bin/sh
if [ "$1" = -f ]; then
	cat "/stub-dracut/$2"
	exit 0
fi
echo "-rw-r--r--   1 root     root          12 Dec  3 15:00 etc/crypttab"
if [ ! -f /etc/stub-no-cryptsetup ]; then
	echo "-rwxr-xr-x   1 root     root      146904 Dec  3 15:00 usr/sbin/cryptsetup"
fi
echo "-rwxr-xr-x   1 root     root        2048 Dec  3 15:00 var/lib/dracut/hooks/initqueue/settled/90-pv2luks-recover.sh"
"""

OS_RELEASE = {
    "debian": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    "fedora": 'PRETTY_NAME="Fedora Linux 40 (Server Edition)"\nID=fedora\nVERSION_ID=40\n',
}
OS_RELEASE["debian-dracut"] = OS_RELEASE["debian"]


def seg_ranges(manifest_text, lv):
    """(offset, length) of each segment of VG/LV in the image, in order."""
    return [(int(f[2]), int(f[3])) for f in (line.split() for line in manifest_text.splitlines())
            if f and f[0] == "seg" and f[1] == f"{VG}/{lv}"]


def lv_sha256(image, ranges):
    digest = hashlib.sha256()
    with open(image, "rb") as f:
        for offset, length in ranges:
            f.seek(offset)
            digest.update(f.read(length))
    return digest.hexdigest()


def write_dracut(root, cryptsetup, initramfs):
    """Debian 12 after `apt-get install dracut`: dracut-core's binary and
    modules, its kernel hook; initramfs-tools gone."""
    for d in ["usr/lib/dracut/modules.d/90crypt", "etc/dracut.conf.d", "etc/kernel/postinst.d"]:
        (root / d).mkdir(parents=True, exist_ok=True)
    for path, text in (("usr/bin/dracut", DRACUT), ("usr/bin/lsinitrd", LSINITRD),
                       ("etc/kernel/postinst.d/dracut", "#!/bin/sh\n")):
        (root / path).write_text(text)
        (root / path).chmod(0o755)
    if cryptsetup:
        (root / "usr/sbin/cryptsetup").write_text("#!/bin/sh\n")
        (root / "usr/sbin/cryptsetup").chmod(0o755)
    if initramfs == "bad":
        (root / "etc/stub-initramfs-bad").write_text("")
    if initramfs == "no-cryptsetup":
        (root / "etc/stub-no-cryptsetup").write_text("")


def write_tree(root, distro, cryptroot_hook, initramfs):
    for d in ["etc", "bin", "usr/bin", "usr/sbin", "boot", "var/log", "tmp", "dev", "proc", "sys",
              "usr/share/initramfs-tools/hooks"]:
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    (root / "etc/os-release").write_text(OS_RELEASE[distro])
    (root / "etc/fstab").write_text(f"/dev/{VG}/root / ext4 defaults 0 1\n")
    (root / "etc/crypttab").write_text(EXISTING_CRYPTTAB)
    (root / "etc/crypttab").chmod(0o600)
    shutil.copy("/bin/busybox", root / "bin/busybox")
    for applet in APPLETS:
        (root / "bin" / applet).symlink_to("busybox")
    if distro == "debian":
        (root / "etc/debian_version").write_text("12.5\n")
        for path, text in (("usr/sbin/update-initramfs", UPDATE_INITRAMFS),
                           ("usr/bin/unmkinitramfs", UNMKINITRAMFS)):
            (root / path).write_text(text)
            (root / path).chmod(0o755)
        if cryptroot_hook:
            (root / "usr/share/initramfs-tools/hooks/cryptroot").write_text("# stub\n")
        if initramfs == "bad":
            (root / "etc/stub-initramfs-bad").write_text("")
    if distro == "debian-dracut":
        (root / "etc/debian_version").write_text("12.5\n")
        write_dracut(root, cryptroot_hook, initramfs)
    (root / "boot" / f"initrd.img-{KERNEL}").write_text("stub\n")
    (root / "boot" / f"vmlinuz-{KERNEL}").write_text("stub\n")


def build_stub_guest(tmp_path, distro="debian", cryptroot_hook=True, initramfs="good", fmt="raw"):
    """(distro "debian-dracut": cryptroot_hook means its cryptsetup binary.)
    An image (raw, or qcow2 made from the raw one) with a stub guest in its
    root LV; returns (image, manifest text, the root LV's sha256 as built)."""
    image, _ = build_image(tmp_path, name=f"stub-{distro}.raw")
    manifest = (tmp_path / f"{image.name}.manifest").read_text()
    ranges = seg_ranges(manifest, "root")
    assert len(ranges) == 1, manifest
    offset, length = ranges[0]
    tree = tmp_path / f"stub-{distro}-root"
    write_tree(tree, distro, cryptroot_hook, initramfs)
    fs = tmp_path / f"stub-{distro}-root.ext4"
    result = run(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", tree, fs, f"{length // 1024}k"])
    assert result.returncode == 0, result.stderr
    with open(fs, "rb") as src, open(image, "r+b") as dst:
        dst.seek(offset)
        shutil.copyfileobj(src, dst)
    os.remove(fs)
    root_sha256 = lv_sha256(image, ranges)
    if fmt == "qcow2":
        qcow2 = image.with_suffix(".qcow2")
        result = run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", image, qcow2])
        assert result.returncode == 0, result.stderr
        os.remove(image)
        image = qcow2
    return image, manifest, root_sha256


def guest_files(image, key, *paths):
    """The text of each path inside the converted guest's root LV, and the
    octal mode of the first, read with guestfish (the key on its stdin)."""
    commands = ["run", ":", "cryptsetup-open", "/dev/sda2", "stubcheck", ":", "lvm-scan", "true",
                ":", "mount-ro", f"/dev/{VG}/root", "/"]
    for path in paths:
        commands += [":", "echo", f"=== {path}", ":", "cat", path]
    commands += [":", "echo", "=== mode", ":", "stat", paths[0]]
    fmt = "qcow2" if str(image).endswith(".qcow2") else "raw"
    result = subprocess.run(["guestfish", "--ro", f"--format={fmt}", "-a", str(image),
                             "--keys-from-stdin", "--",
                             *commands], input=key.read_bytes() + b"\n", capture_output=True,
                            timeout=600, env={**os.environ, **guestfs_env()})
    assert result.returncode == 0, result.stderr.decode()
    sections = {}
    name = None
    for line in result.stdout.decode().splitlines(keepends=True):
        if line.startswith("=== "):
            name = line[4:].strip()
            sections[name] = ""
        elif name:
            sections[name] += line
    mode = next(line.split(":")[1].strip() for line in sections["mode"].splitlines()
                if line.strip().startswith("mode:"))
    # guestfish ends what `cat` returns with a newline of its own.
    return {p: sections[p].removesuffix("\n") for p in paths}, int(mode) & 0o7777


def guestfs_env():
    """libguestfs under TCG unless the environment says otherwise (its KVM
    fails on this machine kind, see docs/offline.md)."""
    return {"LIBGUESTFS_BACKEND": os.environ.get("LIBGUESTFS_BACKEND", "direct"),
            "LIBGUESTFS_BACKEND_SETTINGS": os.environ.get("LIBGUESTFS_BACKEND_SETTINGS",
                                                          "force_tcg")}
