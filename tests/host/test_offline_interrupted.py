"""An interrupted offline conversion is never started over, and its journal
is found and trusted only as far as it can be:

- `convert` run again over an interrupted conversion (instead of `resume`)
  is refused with the image byte-identical, and `resume` then finishes it
  intact. Without the refusal, convert re-plans from the still-plaintext
  LVM metadata at the front, encrypts extents that are already ciphertext
  and overwrites the journal, the only place the first run's key was.
- a whole-disk image grown after the kill (`truncate -s +4M`): status,
  convert and resume still find the journal where the conversion put it.
- one damaged record slot, after the next chunk's write began: resume
  continues from the other slot, which holds the same record; both slots
  damaged: refused, byte-identical."""
import os
import shutil

import pytest

from offline_common import (build_image, convert, flip_byte, key_file, partition_of, pv2luks,
                            sha256, verify)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the harness builds images on loop devices)"),
    pytest.mark.skipif(shutil.which("lvm") is None, reason="needs lvm2"),
]


def killed_at(point):
    return dict(os.environ, PV2LUKS_TEST_KILL_AT=point)


def resume(image, key):
    return pv2luks("resume", "--offline", image, "--yes", "--key-file", key)


def journal_slots(image, whole_disk=False):
    """Byte offsets in the image of the journal's two record slots, where the
    PV's device size puts them (docs/journal.md)."""
    if whole_disk:
        start, size = 0, os.path.getsize(image)
    else:
        start, size = partition_of(image)
    journal = (size // 512 - 2048) // 8 * 8
    return start + journal * 512, start + (journal + 8) * 512


@pytest.mark.parametrize("spec", ["test-gpt", "test-wholedisk"])
def test_convert_over_an_interrupted_conversion_is_refused(tmp_path, spec):
    image, manifest = build_image(tmp_path, spec=spec)
    key = key_file(tmp_path)
    assert convert(image, key, env=killed_at("chunk-done 2")).returncode == -9
    before = sha256(image)
    again = convert(image, key)
    assert again.returncode != 0, again.stdout + again.stderr
    assert "interrupted" in again.stderr and "pv2luks resume --offline" in again.stderr, again.stderr
    assert sha256(image) == before, "the refused convert wrote to the image"
    assert resume(image, key).returncode == 0
    assert verify(image, key) == manifest


def test_a_grown_whole_disk_image_keeps_its_journal(tmp_path):
    image, manifest = build_image(tmp_path, spec="test-wholedisk")
    key = key_file(tmp_path)
    assert convert(image, key, env=killed_at("chunk-done 1")).returncode == -9
    os.truncate(image, os.path.getsize(image) + (4 << 20))
    status = pv2luks("status", "--offline", image)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "the device grew since" in status.stderr, status.stderr
    before = sha256(image)
    again = convert(image, key)
    assert again.returncode != 0 and "interrupted" in again.stderr, again.stderr
    assert sha256(image) == before
    finished = resume(image, key)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert verify(image, key) == manifest


@pytest.mark.parametrize("slot", [0, 1])
def test_one_damaged_slot_after_the_next_chunk_began_loses_nothing(tmp_path, slot):
    """Killed halfway through chunk 4's write: chunk 4 has begun overwriting
    chunk 3's source. Going back to the record before (chunks_done 3) would
    redo chunk 3 from a source that is no longer there."""
    image, manifest = build_image(tmp_path)
    key = key_file(tmp_path)
    assert convert(image, key, env=killed_at("chunk-half 4")).returncode == -9
    flip_byte(image, journal_slots(image)[slot] + 300)
    finished = resume(image, key)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert verify(image, key) == manifest


def test_both_slots_damaged_is_refused(tmp_path):
    image, _ = build_image(tmp_path)
    key = key_file(tmp_path)
    assert convert(image, key, env=killed_at("chunk-half 4")).returncode == -9
    for offset in journal_slots(image):
        flip_byte(image, offset + 300)
    before = sha256(image)
    refused = resume(image, key)
    assert refused.returncode != 0, refused.stdout
    assert "cannot be trusted" in refused.stderr, refused.stderr
    again = convert(image, key)
    assert again.returncode != 0 and "interrupted" in again.stderr, again.stderr
    assert sha256(image) == before
