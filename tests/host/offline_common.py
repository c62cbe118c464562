"""Shared by the offline host tests: building images with the harness,
converting, verifying, and the independent checks (whole-image sha256, a
plaintext scan, cryptsetup luksDump)."""
import contextlib
import time

from conftest import HARNESS, PV2LUKS, SOURCE_DIR, manifest_lvs, run, sha256  # noqa: F401

IMAGES = SOURCE_DIR / "images"
PASSPHRASE = b"offline test passphrase\n"
# A fast keyslot: the tests are about the data, not the PBKDF.
FAST_PBKDF = ["--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"]
SAMPLE_BYTES = 64
SAMPLE_STEP = 4096


def flip_byte(path, offset, mask=0x01):
    """Flips bits of one byte of a file in place."""
    with open(path, "r+b") as image:
        image.seek(offset)
        byte = image.read(1)
        image.seek(offset)
        image.write(bytes([byte[0] ^ mask]))


def build_image(tmp_path, spec="test-gpt", fmt="raw", name=None):
    """Builds images/SPEC.json; returns (image path, the manifest's lv lines)."""
    image = tmp_path / (name or f"{spec}.{fmt}")
    result = run([HARNESS, "image", "build", IMAGES / f"{spec}.json", image, "--format", fmt])
    assert result.returncode == 0, result.stderr
    lvs = manifest_lvs((tmp_path / f"{image.name}.manifest").read_text())
    assert lvs, "the manifest lists no LV"
    return image, lvs


def key_file(tmp_path):
    path = tmp_path / "key"
    path.write_bytes(PASSPHRASE)
    path.chmod(0o600)
    return path


def pv2luks(*args, env=None, timeout=600, wrapper=()):
    return run([*wrapper, PV2LUKS, *args], env=env, timeout=timeout)


def convert(image, key, *extra, env=None, wrapper=()):
    return pv2luks("convert", "--offline", image, "--yes", "--key-file", key, *FAST_PBKDF, *extra,
                   env=env, wrapper=wrapper)


# pv2luks's exit codes (pv2luks --help, docs/convert.md).
EXIT_USAGE, EXIT_NO_PERMISSION, EXIT_NO_MEMORY, EXIT_WRONG_DEVICE = 1, 2, 3, 4
EXIT_BUSY, EXIT_REFUSED, EXIT_STOPPED, EXIT_FAILED = 5, 6, 7, 8


def assert_refused(image, key, *extra, says, code=EXIT_REFUSED, wrapper=()):
    """Converts and asserts a refusal: exit `code` (6: refused for another
    reason), each of `says` in the message, 'nothing written', and the whole
    image file byte-identical (sha256). `wrapper`: argv that runs pv2luks."""
    before = sha256(image)
    result = convert(image, key, *extra, wrapper=wrapper)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    for words in says:
        assert words in result.stderr, result.stderr
    assert "nothing written" in result.stderr or "nothing was written" in result.stderr, result.stderr
    assert sha256(image) == before
    return result.stderr


def verify(image, key):
    """The lv lines `pv2luks verify --offline` prints (asserting it exits 0)."""
    result = pv2luks("verify", "--offline", image, "--key-file", key)
    assert result.returncode == 0, result.stdout + result.stderr
    return manifest_lvs(result.stdout)


def as_raw(image, tmp_path):
    """The image as raw bytes: itself, or a qemu-img conversion of a qcow2."""
    if str(image).endswith(".raw"):
        return image
    raw = tmp_path / (image.name + ".as.raw")
    # After a SIGKILLed pv2luks, its qemu-storage-daemon gets SIGTERM from
    # the kernel (parent death) and holds the image's lock until it has
    # exited: wait for that, a few seconds at most.
    for _ in range(60):
        result = run(["qemu-img", "convert", "-O", "raw", image, raw])
        if result.returncode == 0 or "lock" not in result.stderr:
            break
        time.sleep(0.5)
    assert result.returncode == 0, result.stderr
    return raw


def partition_of(raw):
    """(start, size) in bytes of the image's LVM or LUKS partition, from sfdisk."""
    import json
    table = json.loads(run(["sfdisk", "--json", raw]).stdout)["partitiontable"]
    sector = table.get("sectorsize", 512)
    last = table["partitions"][-1]
    return last["start"] * sector, last["size"] * sector


@contextlib.contextmanager
def loop_device(path, offset, size):
    device = run(["losetup", "--find", "--show", "--read-only", "--offset", str(offset),
                  "--sizelimit", str(size), path]).stdout.strip()
    assert device.startswith("/dev/loop"), device
    try:
        yield device
    finally:
        run(["losetup", "--detach", device])


def luks_dump(raw):
    """cryptsetup luksDump of the image's last partition (exit code, text)."""
    start, size = partition_of(raw)
    with loop_device(raw, start, size) as device:
        result = run(["cryptsetup", "luksDump", device])
    return result.returncode, result.stdout + result.stderr


def plaintext_samples(raw):
    """64-byte samples of the plaintext PV's partition, one every 4 KiB, that
    are not one repeated byte (zeros, fill): a set to look for later."""
    start, size = partition_of(raw)
    samples = set()
    with open(raw, "rb") as image:
        image.seek(start)
        for offset in range(0, size, 1 << 20):
            block = image.read(1 << 20)
            for at in range(0, len(block), SAMPLE_STEP):
                sample = block[at:at + SAMPLE_BYTES]
                if len(sample) == SAMPLE_BYTES and sample.count(sample[:1]) != SAMPLE_BYTES:
                    samples.add(sample)
    return samples


def plaintext_hits(raw, samples):
    """Offsets (512-byte aligned: data moves by whole sectors) in the image
    where one of `samples` starts."""
    hits = []
    with open(raw, "rb") as image:
        offset = 0
        for block in iter(lambda: image.read(1 << 20), b""):
            for at in range(0, len(block), 512):
                if block[at:at + SAMPLE_BYTES] in samples:
                    hits.append(offset + at)
            offset += len(block)
    return hits


@contextlib.contextmanager
def reaped(proc):
    """Yields the started process `proc`; kills and waits for it on the way
    out if it is still running (a failed assertion leaves nothing behind)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
