"""The LUKS data area holds the PV as LVM recorded it. LVM keeps a size for
each PV in its metadata ("dev_size", 100 MiB in test-gpt: pvcreate
--setphysicalvolumesize) and warns "Device ... has size of N sectors which
is smaller than corresponding PV size" when the device is smaller. test-gpt's
PV partition shrunk to just past the PV's extents plus cryptsetup's 16 MiB
header and the 1 MiB journal (114 MiB) has room for that header by the
extents, but not by the recorded size: a 16 MiB header leaves a 98 MiB data
area. The conversion must choose a header that leaves the recorded size.

Checked with LVM itself: the first MiB of the data area (LVM's label and
metadata) decrypted in Python (AES-XTS, plain64 IVs) into a sparse file of the
data area's size, read by `pvs` on a loop device. Its control: the same
bytes in a file one sector smaller than the recorded size make LVM warn."""
import json
import os
import re
import shutil

import pytest

from conftest import checked, run
from host_lvm import LVM_CONFIG, LVM_ENV
from offline_common import build_image, convert, key_file, partition_of

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in ("lvm", "sfdisk", "cryptsetup")),
                       reason="needs lvm2, fdisk (sfdisk) and cryptsetup"),
]
cryptography = pytest.importorskip("cryptography.hazmat.primitives.ciphers",
                                   reason="needs python3-cryptography")

SECTOR = 512
MIB = 1 << 20
WARNING = "smaller than corresponding PV size"


def recorded_pv_size(image):
    """test-gpt's PV: (the end of its extents, LVM's recorded dev_size), in
    sectors of the partition, from `pvs` and a metadata backup."""
    start, size = partition_of(image)
    device = checked(["losetup", "--find", "--show", "--read-only", "--offset", str(start),
                      "--sizelimit", str(size), image]).stdout.strip()
    try:
        report = json.loads(checked(
            ["lvm", "pvs", "--config", LVM_CONFIG, "--devices", device, "--reportformat", "json",
             "--units", "s", "--nosuffix", "-o", "pe_start,pv_size"], env=LVM_ENV).stdout)
        pv = report["report"][0]["pv"][0]
        backup = image.parent / "vg.backup"
        checked(["lvm", "vgcfgbackup", "--config", LVM_CONFIG, "--devices", device, "-f", backup,
                 "testgpt"], env=LVM_ENV)
        dev_size = int(re.search(r"dev_size = (\d+)", backup.read_text()).group(1))
    finally:
        run(["losetup", "--detach", device])
    return int(pv["pe_start"]) + int(pv["pv_size"]), dev_size


def shrink_pv_partition(image, sectors):
    checked(["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "-N", "2", image],
            input=f",{sectors}\n")


def volume_key_and_offset(image, key, tmp_path):
    start, _ = partition_of(image)
    header = tmp_path / "header"
    with open(image, "rb") as disk:
        disk.seek(start)
        header.write_bytes(disk.read(16 * MIB))
    dump = checked(["cryptsetup", "luksDump", "--dump-volume-key", "--batch-mode", "--key-file", key,
                    header]).stdout
    volume_key = bytes(int(b, 16) for b in re.findall(r"\b[0-9a-f]{2}\b", dump.split("MK dump:")[1])[:64])
    info = checked(["cryptsetup", "luksDump", header]).stdout
    offset = int(re.search(r"offset:\s+(\d+) \[bytes\]", info).group(1))
    return volume_key, offset


def decrypted_head(image, volume_key, data_offset, size):
    """The data area's first `size` bytes, decrypted: aes-xts-plain64, the
    IV of each 512-byte sector its number in the data area."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    start, _ = partition_of(image)
    with open(image, "rb") as disk:
        disk.seek(start + data_offset)
        ciphertext = disk.read(size)
    plain = bytearray()
    for sector in range(size // SECTOR):
        tweak = sector.to_bytes(16, "little")
        decryptor = Cipher(algorithms.AES(volume_key), modes.XTS(tweak)).decryptor()
        plain += decryptor.update(ciphertext[sector * SECTOR:(sector + 1) * SECTOR])
    return bytes(plain)


def lvm_on(head, size, path):
    """`pvs` stderr and stdout on a loop device over `head` in a sparse file of `size` bytes."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    device = checked(["losetup", "--find", "--show", "--read-only", path]).stdout.strip()
    try:
        result = run(["lvm", "pvs", "--config", LVM_CONFIG, "--devices", device, "-o",
                      "pv_name,vg_name"], env=LVM_ENV)
    finally:
        run(["losetup", "--detach", device])
    assert result.returncode == 0, result.stderr
    return result.stderr, result.stdout


def test_the_data_area_holds_the_pv_lvm_recorded(tmp_path):
    image, _ = build_image(tmp_path)
    pv_end, dev_size = recorded_pv_size(image)
    assert (pv_end, dev_size) == (198656, 204800)  # 97 MiB of extents, 100 MiB recorded
    partition_start, _ = partition_of(image)
    # Room by the extents for the 16 MiB header and the journal, and no more.
    shrink_pv_partition(image, pv_end + 17 * MIB // SECTOR)
    key = key_file(tmp_path)
    result = convert(image, key)
    assert result.returncode == 0, result.stderr
    _, partition_bytes = partition_of(image)
    volume_key, data_offset = volume_key_and_offset(image, key, tmp_path)
    data_area = partition_bytes - data_offset
    head = decrypted_head(image, volume_key, data_offset, MIB)
    stderr, stdout = lvm_on(head, data_area, tmp_path / "data-area")
    assert "testgpt" in stdout, stdout  # the decryption is right: LVM finds the VG
    assert WARNING not in stderr, (data_area, stderr)
    assert data_area >= dev_size * SECTOR
    # The control: one sector less than the recorded size, and LVM warns.
    stderr, _ = lvm_on(head, dev_size * SECTOR - SECTOR, tmp_path / "too-small")
    assert WARNING in stderr, stderr
    assert partition_start  # unchanged by the shrink
