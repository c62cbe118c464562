"""pv2luks convert refuses bad input before writing anything: each refusal
names the problem, exits 1 (2 for bad usage) and leaves the whole device
byte-identical (sha256 before and after). Host only: loop devices, no dm."""
import fcntl
import os

import pytest

from conftest import PV2LUKS, run, sha256

LVM_CONFIG = "devices { use_devicesfile = 0 } global { activation = 0 } backup { backup = 0 archive = 0 }"


@pytest.fixture
def loop(tmp_path):
    """loop(size_mib, read_only=False) -> a loop device over a fresh file."""
    if os.geteuid() != 0:
        pytest.skip("needs root for loop devices")
    made = []

    def make(size_mib, read_only=False):
        image = tmp_path / f"disk{len(made)}.img"
        with open(image, "wb") as f:
            f.truncate(size_mib << 20)
        argv = ["losetup", "--find", "--show"] + (["--read-only"] if read_only else []) + [image]
        device = run(argv).stdout.strip()
        assert device.startswith("/dev/loop"), device
        made.append(device)
        return device

    yield make
    for device in made:
        run(["losetup", "-d", device])


def make_pv(device, pv_size=None, vg="refusevg"):
    extra = ["--setphysicalvolumesize", pv_size] if pv_size else []
    assert run(["pvcreate", "-q", "--config", LVM_CONFIG, *extra, device]).returncode == 0
    assert run(["vgcreate", "-q", "--config", LVM_CONFIG, vg, device]).returncode == 0
    assert run(["lvcreate", "-q", "--config", LVM_CONFIG, "-n", "lv", "-L", "8M", vg]).returncode == 0


@pytest.fixture(autouse=True)
def forget_vgs():
    yield
    for vg in ("refusevg",):
        run(["vgremove", "-f", "--config", LVM_CONFIG, vg])


def refused(device, *args, key=None, tmp_path=None, expect_exit=6, user=None):
    before = sha256(device)
    argv = [PV2LUKS, "convert", device, "--yes", *args]
    if key is not None:
        key_file = tmp_path / "key"
        key_file.write_bytes(key)
        argv += ["--key-file", key_file]
    if user:
        argv = ["setpriv", "--reuid", user, "--regid", user, "--clear-groups", *map(str, argv)]
    result = run(argv)
    assert result.returncode == expect_exit, result.stderr
    assert sha256(device) == before, "the device changed"
    return result.stderr


def test_missing_device():
    result = run([PV2LUKS, "convert", "/dev/pv2luks-no-such-disk", "--key-file", "/dev/null"])
    assert result.returncode == 4  # wrong device
    assert "no such device" in result.stderr and "nothing was written" in result.stderr


def test_not_a_block_device(tmp_path):
    image = tmp_path / "image.raw"
    image.write_bytes(b"\0" * 4096)
    result = run([PV2LUKS, "convert", image])
    assert result.returncode == 4 and "not a block device" in result.stderr


def test_not_a_pv(loop):
    device = loop(64)
    assert "not an LVM physical volume" in refused(device, expect_exit=4)


def test_read_only_device(loop):
    device = loop(64, read_only=True)
    assert "read-only" in refused(device)


def test_already_luks(loop, tmp_path):
    device = loop(64)
    key = tmp_path / "k"
    key.write_bytes(b"passphrase")
    assert run(["cryptsetup", "luksFormat", "-q", "--type", "luks2", "--pbkdf", "pbkdf2",
                "--pbkdf-force-iterations", "1000", "--key-file", key, device]).returncode == 0
    assert "already a LUKS device" in refused(device, expect_exit=4)


def test_no_tail_room_says_what_to_free(loop):
    device = loop(65)
    make_pv(device)  # 1 MiB pe_start + 16 extents of 4 MiB: no room after it
    message = refused(device)
    assert "not enough room after the PV" in message
    assert "pvresize" in message


def test_pv_recorded_as_its_whole_device_is_refused(loop):
    """pvcreate on the whole 104 MiB device: LVM records 104 MiB for the PV,
    its extents end at 101 MiB. A header fits after the extents, but any
    header leaves a data area smaller than the recorded size, and LVM would
    warn on the converted PV; the refusal gives the pvresize that fixes it."""
    device = loop(104)
    make_pv(device)
    message = refused(device)
    assert "LVM records the PV's size as 212992 sectors (104 MiB)" in message
    assert f"pvresize --setphysicalvolumesize 206848s {device}" in message


def test_recorded_pv_size_bounds_the_header(loop):
    """A 114 MiB device, the PV recorded as 100 MiB (extents to 97 MiB): the
    16 MiB header fits after the extents but would leave a 98 MiB data area;
    the 8 MiB one leaves 106 MiB (tests/host/test_offline_pv_size.py checks
    the same offline with LVM on the result)."""
    device = loop(114)
    make_pv(device, pv_size="100M")
    result = run([PV2LUKS, "convert", device, "--dry-run"])
    assert result.returncode == 0, result.stderr
    assert "LVM records the PV's size as 100 MiB" in result.stderr
    assert "data offset 16384 sectors" in result.stderr, result.stderr


def test_empty_key_file(loop, tmp_path):
    device = loop(96)
    make_pv(device, pv_size="64M")
    assert "empty" in refused(device, key=b"", tmp_path=tmp_path)


@pytest.mark.parametrize("kind, reason", [
    ("missing", "No such file or directory"),
    ("directory", "is a directory"),
])
def test_wrong_key_file(loop, tmp_path, kind, reason):
    device = loop(96)
    make_pv(device, pv_size="64M")
    key_file = tmp_path / "keys"  # a path that does not exist, or a directory
    if kind == "directory":
        key_file.mkdir()
    message = refused(device, "--key-file", key_file, "--yes")
    assert f"key file {key_file}: " in message and reason in message, message


def test_wrong_key_file_control(loop, tmp_path):
    """The same PV and options with a readable key file are not refused: the
    refusals above come from the key file alone. Without device-mapper the run
    then stops at the device-mapper check, which comes after the key is read;
    with it, it would convert for real."""
    if "device-mapper" in open("/proc/misc").read():
        pytest.skip("this host has device-mapper; the control would convert the loop device")
    device = loop(96)
    make_pv(device, pv_size="64M")
    key_file = tmp_path / "keys"
    key_file.write_bytes(b"passphrase")
    before = sha256(device)
    result = run([PV2LUKS, "convert", device, "--key-file", key_file, "--yes",
                  "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"])
    assert result.returncode == 6, result.stderr
    assert "key file" not in result.stderr, result.stderr
    assert "device-mapper is not available" in result.stderr, result.stderr
    assert sha256(device) == before


def test_not_root(loop, tmp_path):
    device = loop(96)
    make_pv(device, pv_size="64M")
    assert "must run as root" in refused(device, user="65534", expect_exit=2)


def test_a_second_pv2luks_is_locked_out(loop, tmp_path):
    device = loop(96)
    make_pv(device, pv_size="64M")
    rdev = os.stat(device).st_rdev
    lock_dir = "/run/lock/pv2luks"
    os.makedirs(lock_dir, exist_ok=True)
    with open(f"{lock_dir}/{os.major(rdev)}:{os.minor(rdev)}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        message = refused(device, key=b"passphrase", tmp_path=tmp_path, expect_exit=5)
    assert "another pv2luks is working on this device" in message


def test_dry_run_writes_nothing(loop, tmp_path):
    device = loop(96)
    make_pv(device, pv_size="64M")
    before = sha256(device)
    result = run([PV2LUKS, "convert", device, "--dry-run", "-v"])
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing written" in result.stderr
    # -v: the external commands it ran (pvs among them), on stderr.
    assert "pv2luks: [trace] run: pvs " in result.stderr, result.stderr
    assert "chunks of up to" in result.stderr
    assert sha256(device) == before


@pytest.mark.parametrize("args, message", [
    ([], "convert needs a DEVICE"),
    (["/dev/x", "--type", "luks3"], "--type takes luks1 or luks2"),
    (["/dev/x", "--bogus"], "unknown option --bogus"),
    (["/dev/x", "--key-size", "lots"], "--key-size takes bits"),
])
def test_bad_usage(args, message):
    result = run([PV2LUKS, "convert", *args])
    assert result.returncode == 1 and message in result.stderr


def test_no_terminal_and_no_yes_is_refused(loop, tmp_path):
    device = loop(96)
    make_pv(device, pv_size="64M")
    key = tmp_path / "key"
    key.write_bytes(b"passphrase")
    before = sha256(device)
    # setsid: no controlling terminal, as under cron or CI.
    result = run(["setsid", "--wait", PV2LUKS, "convert", device, "--key-file", key])
    assert result.returncode == 6, result.stderr
    assert "no terminal to confirm on; pass --yes" in result.stderr
    assert "nothing was written" in result.stderr
    assert sha256(device) == before


def test_dry_run_prints_each_phase_table_with_keys_redacted(loop):
    device = loop(96)
    make_pv(device, pv_size="64M")
    name = os.path.basename(device)
    before = sha256(device)
    result = run([PV2LUKS, "convert", device, "--dry-run"])
    assert result.returncode == 0, result.stderr
    text = result.stderr
    assert "[trace]" not in text  # no trace without -v
    for phase in (f"insert: pv2luks-{name}-full", f"insert: {name}_crypt", "move chunk 0:",
                  f"finish: {name}_crypt"):
        assert phase in text, phase
    assert " mirror core 1 " in text
    assert f"crypt aes-xts-plain64 :64:logon:pv2luks:{name} " in text
    assert "schedule: " in text
    assert sha256(device) == before


def test_make_room_dry_run_names_the_pvresize(loop):
    device = loop(65)
    make_pv(device)  # 16 extents, the last 14 free, no room after the PV
    before = sha256(device)
    result = run([PV2LUKS, "convert", device, "--dry-run", "--make-room"])
    assert result.returncode == 0, result.stderr
    # LUKS2's 16 MiB header and the 1 MiB journal: 5 extents of 4 MiB, so
    # the PV keeps 11 of 16.
    sectors = 2048 + 11 * 8192
    assert f"would run: pvresize --yes --setphysicalvolumesize {sectors}s {device}" in result.stderr
    assert "--make-room: the PV's last 5 extents are free" in result.stderr
    assert sha256(device) == before


def test_no_room_and_used_tail_says_which_lv_and_the_commands(loop, tmp_path):
    device = loop(65)
    make_pv(device)  # lv: extents 0-1 of 16; no room after the PV
    lvm = ["--config", LVM_CONFIG]
    assert run(["lvcreate", "-q", *lvm, "-n", "front", "-l", "5", "refusevg"]).returncode == 0
    assert run(["lvcreate", "-q", *lvm, "-n", "end", "-l", "100%FREE", "refusevg"]).returncode == 0
    # Every extent used: the tail's 5 must be freed elsewhere first.
    message = refused(device, "--make-room", key=b"passphrase", tmp_path=tmp_path)
    assert "Free the PV's last 5 extents (PE 11-15 of 4 MiB each)" in message
    assert "They hold refusevg/end." in message
    assert "only 0 free extents before them; free 5 more first" in message
    # With 5 free extents earlier on the PV, a pvmove within it does it.
    assert run(["lvremove", "-q", "-f", *lvm, "refusevg/front"]).returncode == 0
    message = refused(device, "--make-room", key=b"passphrase", tmp_path=tmp_path)
    assert f"pvmove --alloc anywhere {device}:11-15 {device}:0-10" in message


def test_bad_cipher_is_a_usage_error():
    result = run([PV2LUKS, "convert", "/dev/x", "--cipher", "aes"])
    assert result.returncode == 1 and "--cipher takes CIPHER-MODE" in result.stderr
