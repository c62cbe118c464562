"""Power cuts: what the guest flushed survives a SIGKILL of QEMU; what it only
acknowledged to itself does not (the negative control)."""
import re

RECORD_BYTES = 4096

# Writes numbered records to the raw disk 'rec', one 4 KiB block each, and
# prints "ack N" once record N is acknowledged. With SYNC=1 that is after
# O_DIRECT pwrite + fsync; with SYNC=0 after a buffered write() only.
WRITER = r"""#!/bin/bash
SYNC=__SYNC__ python3 - <<'PY'
import mmap, os, time
sync = os.environ["SYNC"] == "1"
flags = os.O_WRONLY | (os.O_DIRECT if sync else 0)
fd = os.open("/dev/disk/by-serial/rec", flags)
buf = mmap.mmap(-1, 4096)
n = 0
while True:
    buf.seek(0)
    buf.write(("record %08d\n" % n).encode().ljust(4096, b"."))
    os.pwrite(fd, buf, n * 4096)
    if sync:
        os.fsync(fd)
    print("ack %d" % n, flush=True)
    n += 1
    time.sleep(0.01)
PY
"""

# After the reboot: list every record found on the disk.
READER = r"""#!/bin/bash
python3 - <<'PY'
with open("/dev/disk/by-serial/rec", "rb") as disk:
    n = 0
    while True:
        block = disk.read(4096)
        if not block.startswith(("record %08d\n" % n).encode()):
            break
        n += 1
print("found %d records" % n)
PY
"""


def acked(stdout):
    return [int(n) for n in re.findall(r"^ack (\d+)$", stdout, re.M)]


def records_on_host(path, count):
    """Reads the disk file directly on the host: which records 0..count-1 are intact."""
    data = path.read_bytes()
    return [n for n in range(count)
            if data[n * RECORD_BYTES:(n + 1) * RECORD_BYTES]
            == ("record %08d\n" % n).encode().ljust(RECORD_BYTES, b".")]


def test_flushed_records_survive_a_power_cut(lab, tmp_path):
    disk = tmp_path / "rec.img"
    cut = lab(WRITER.replace("__SYNC__", "1"), f"rec:16M:{disk}",
              extra=["--power-cut-after", "4"])
    assert cut.returncode == 0, cut.stderr
    assert "power cut" in cut.stderr
    acks = acked(cut.stdout)
    assert len(acks) > 10, "the writer acknowledged too little before the cut to prove anything"
    assert acks == list(range(len(acks)))

    reboot = lab(READER, f"rec:16M:{disk}")
    assert reboot.returncode == 0, reboot.stderr
    found = int(re.search(r"found (\d+) records", reboot.stdout).group(1))
    assert found >= len(acks), f"{len(acks)} records acknowledged, {found} survived"
    assert records_on_host(disk, len(acks)) == acks


def test_negative_control_unflushed_records_are_lost(lab, tmp_path):
    """Records acknowledged before any flush sit in the guest's page cache; the
    cut must lose some of them, or the power cut simulates nothing and the
    test above could not fail."""
    disk = tmp_path / "rec.img"
    cut = lab(WRITER.replace("__SYNC__", "0"), f"rec:16M:{disk}",
              extra=["--power-cut-after", "4"])
    assert cut.returncode == 0, cut.stderr
    acks = acked(cut.stdout)
    assert len(acks) > 10
    survived = records_on_host(disk, len(acks))
    assert len(survived) < len(acks), "unflushed writes all survived: the cut lost nothing"


def test_a_cut_that_never_comes_is_reported(lab):
    result = lab("#!/bin/sh\necho done quickly\n", extra=["--power-cut-on-line", "never printed"])
    assert result.returncode == 3
    assert "ended before the requested power cut" in result.stderr


def test_power_cut_on_line(lab, tmp_path):
    result = lab("#!/bin/sh\necho step one\necho CUT HERE\nsleep 1\necho after the cut\nsleep 60\n",
                 extra=["--power-cut-on-line", "CUT HERE"])
    assert result.returncode == 0
    assert "CUT HERE" in result.stdout
    assert "after the cut" not in result.stdout
