"""convert --offline refuses a partition table that would let the conversion
overwrite something else: partitions that overlap (CRCs valid, as
`sfdisk --verify` flags them), a PV partition that runs over the backup GPT,
msdos primaries that overlap. Each refusal names the partitions, exits 1
and leaves the whole image byte-identical. The tables are written with
gpt_edit (both GPT copies, CRCs recomputed), since sfdisk refuses to."""
import os
import shutil

import pytest

import gpt_edit
from conftest import run
from offline_common import assert_refused, build_image, convert, key_file

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None or shutil.which("sfdisk") is None,
                       reason="needs lvm2 and fdisk (sfdisk)"),
]


def sfdisk_verify(image):
    result = run(["sfdisk", "--verify", image])
    return result.stdout + result.stderr


def test_an_untouched_table_converts(tmp_path):
    """The control: gpt_edit's own reading of test-gpt, and no refusal."""
    image, _ = build_image(tmp_path)
    assert gpt_edit.partitions(image) == {1: (2048, 18431), 2: (18432, 260095)}
    assert "No errors detected" in sfdisk_verify(image)
    result = convert(image, key_file(tmp_path))
    assert result.returncode == 0, result.stderr


def test_a_partition_inside_the_pv_partition(tmp_path):
    """Partition 3 covers the PV partition's last 10096 sectors, where the
    moved data and the journal go: before the check it was overwritten."""
    image, _ = build_image(tmp_path)
    gpt_edit.add_partition(image, 3, 250000, 260095)
    assert "overlaps" in sfdisk_verify(image)
    assert_refused(image, key_file(tmp_path),
                   says=["partitions 2 and 3 overlap", "partition 2 (LBA 18432-260095)",
                         "partition 3 (LBA 250000-260095)", "sfdisk --verify"])


def test_the_other_partition_reaches_into_the_pv(tmp_path):
    image, _ = build_image(tmp_path)
    gpt_edit.set_range(image, 1, 2048, 30000)
    assert_refused(image, key_file(tmp_path), says=["partitions 1 and 2 overlap"])


def test_the_pv_partition_over_the_backup_gpt(tmp_path):
    """The PV partition runs to the disk's last LBA: the conversion's
    journal and tail fill overwrote the backup GPT (sfdisk 2.38's --verify
    does not notice; sgdisk's does)."""
    image, _ = build_image(tmp_path)
    last_lba = os.path.getsize(image) // 512 - 1
    gpt_edit.set_range(image, 2, 18432, last_lba)
    _, last_usable = gpt_edit.usable_range(image)
    assert_refused(image, key_file(tmp_path),
                   says=[f"partition 2 (LBA 18432-{last_lba}) lies outside the usable range",
                         f"-{last_usable})", f"the backup GPT header (LBA {last_lba})",
                         "the backup GPT's partition entries"])


def test_the_pv_partition_over_the_backup_entries_only(tmp_path):
    image, _ = build_image(tmp_path)
    last_lba = os.path.getsize(image) // 512 - 1
    gpt_edit.set_range(image, 2, 18432, last_lba - 2)
    stderr = assert_refused(image, key_file(tmp_path),
                            says=["lies outside the usable range", "the backup GPT's partition entries"])
    assert "the backup GPT header" not in stderr


def test_a_usable_range_over_the_backup_header(tmp_path):
    """A header whose last usable LBA is the disk's last (CRCs valid): the
    partition lies inside that range, and still over the backup GPT."""
    image, _ = build_image(tmp_path)
    last_lba = os.path.getsize(image) // 512 - 1
    gpt_edit.set_usable_range(image, 2048, last_lba)
    gpt_edit.set_range(image, 2, 18432, last_lba)
    assert_refused(image, key_file(tmp_path),
                   says=["the GPT's usable range", f"the backup GPT header (LBA {last_lba})",
                         "the GPT header is damaged"])


def test_overlapping_msdos_primaries(tmp_path):
    """test-msdos needs --make-room; a primary in slot 3 over the PV
    partition's last 4096 sectors."""
    image, _ = build_image(tmp_path, spec="test-msdos")
    with open(image, "r+b") as disk:
        disk.seek(446 + 16)  # partition 2, the PV
        entry = disk.read(16)
        first, count = int.from_bytes(entry[8:12], "little"), int.from_bytes(entry[12:16], "little")
        disk.seek(446 + 16 * 2)
        disk.write(bytes([0, 0, 0, 0, 0x83, 0, 0, 0]) + (first + count - 4096).to_bytes(4, "little")
                   + (4096).to_bytes(4, "little"))
    assert "overlaps" in sfdisk_verify(image)
    assert_refused(image, key_file(tmp_path), "--make-room",
                   says=["partitions 2 and 3 overlap", "sfdisk --verify"])
