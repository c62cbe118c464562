"""Edits the GPT of a raw image in place, both copies, with every CRC32
recomputed (UEFI spec layout: the header at LBA 1 and at the last LBA, each
naming its own partition entry array). For tests that need a table sfdisk
will not write: overlapping partitions, a partition over the backup GPT."""
import struct
import uuid
import zlib

SECTOR = 512
LVM_TYPE = "E6D6D379-F507-44C2-A23C-238F2A3DF928"
LINUX_TYPE = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"


def _header(image, lba):
    image.seek(lba * SECTOR)
    sector = bytearray(image.read(SECTOR))
    assert sector[:8] == b"EFI PART", f"no GPT header at LBA {lba}"
    return sector


def _fields(header):
    entries_lba, count, size = struct.unpack_from("<QII", header, 72)
    return entries_lba, count, size


def _seal(header):
    """The header's CRC32 over its own size, with the CRC field zero."""
    header_size = struct.unpack_from("<I", header, 12)[0]
    struct.pack_into("<I", header, 16, 0)
    struct.pack_into("<I", header, 16, zlib.crc32(bytes(header[:header_size])))


def _rewrite(image, lba, edit):
    header = _header(image, lba)
    entries_lba, count, size = _fields(header)
    image.seek(entries_lba * SECTOR)
    array = bytearray(image.read(count * size))
    edit(array, size)
    struct.pack_into("<I", header, 88, zlib.crc32(array))
    _seal(header)
    image.seek(entries_lba * SECTOR)
    image.write(array)
    image.seek(lba * SECTOR)
    image.write(header)


def _header_lbas(image):
    image.seek(0, 2)
    last = image.tell() // SECTOR - 1
    backup_lba = struct.unpack_from("<Q", _header(image, 1), 32)[0]
    assert backup_lba == last, (backup_lba, last)
    return 1, last


def _both_copies(path, edit):
    with open(path, "r+b") as image:
        for lba in _header_lbas(image):
            _rewrite(image, lba, edit)


def set_usable_range(path, first_lba, last_lba):
    """Both headers' first and last usable LBA."""
    with open(path, "r+b") as image:
        for lba in _header_lbas(image):
            header = _header(image, lba)
            struct.pack_into("<QQ", header, 40, first_lba, last_lba)
            _seal(header)
            image.seek(lba * SECTOR)
            image.write(header)


def partitions(path):
    """{number: (first_lba, last_lba)} from the primary copy."""
    out = {}
    with open(path, "rb") as image:
        entries_lba, count, size = _fields(_header(image, 1))
        image.seek(entries_lba * SECTOR)
        array = image.read(count * size)
    for i in range(count):
        entry = array[i * size:(i + 1) * size]
        if any(entry[:16]):
            out[i + 1] = struct.unpack_from("<QQ", entry, 32)
    return out


def set_range(path, number, first_lba, last_lba):
    """Partition `number`'s first and last LBA, in both copies."""
    def edit(array, size):
        at = (number - 1) * size
        assert any(array[at:at + 16]), f"partition {number} is empty"
        struct.pack_into("<QQ", array, at + 32, first_lba, last_lba)
    _both_copies(path, edit)


def add_partition(path, number, first_lba, last_lba, type_guid=LINUX_TYPE):
    """A new partition `number` (its slot must be empty), in both copies."""
    unique = uuid.uuid4().bytes_le

    def edit(array, size):
        at = (number - 1) * size
        assert not any(array[at:at + 16]), f"partition {number} exists"
        array[at:at + 16] = uuid.UUID(type_guid).bytes_le
        array[at + 16:at + 32] = unique
        struct.pack_into("<QQ", array, at + 32, first_lba, last_lba)
    _both_copies(path, edit)


def usable_range(path):
    """(first usable LBA, last usable LBA) from the primary header."""
    with open(path, "rb") as image:
        return struct.unpack_from("<QQ", _header(image, 1), 40)
