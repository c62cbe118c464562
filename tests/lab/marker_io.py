#!/usr/bin/env python3
"""Runs in the lab guest: fills devices and files with a marker (32 random
bytes, fresh each test run, read from $LAB_OUT/marker.bin) repeated, and
checks later that they still hold exactly that.

    marker_io.py fill-dev DEV...        every byte of each DEV
    marker_io.py fill-files DIR N MIB   N files of MIB MiB each
    marker_io.py write-loop DIR STOP    rewrite 6 files of 1 MiB in turn, each
                                        fsync'ed, until the file STOP exists;
                                        prints how many it wrote
    marker_io.py check-dev DEV...       prints "CHECK DEV ok|BAD ..." for each
    marker_io.py check-files DIR        same for every file under DIR (at
                                        least one), ignoring lost+found

Writes use O_DIRECT from an aligned (mmap) buffer: under TCG, buffered
writes of the same data took about forty times as long (measured, 64 MiB).
"""
import mmap
import os
import sys
import time

MIB = 1 << 20
MARKER = open(os.path.join(os.environ["LAB_OUT"], "marker.bin"), "rb").read()
assert len(MARKER) == 32 and MIB % len(MARKER) == 0
BLOCK = MARKER * (MIB // len(MARKER))
BUFFER = mmap.mmap(-1, 4 * MIB)  # page-aligned, as O_DIRECT needs
BUFFER.write(BLOCK * 4)


def write_marker(fd, size):
    """Writes the marker over [0, size) of fd, a whole number of MiB."""
    assert size % MIB == 0, f"{size} bytes is not whole MiB"
    done = 0
    while done < size:
        step = min(len(BUFFER), size - done)
        written = os.pwrite(fd, memoryview(BUFFER)[:step], done)
        assert written == step
        done += step
    os.fsync(fd)


def write_file(path, mib):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
    try:
        write_marker(fd, mib * MIB)
    finally:
        os.close(fd)


def fill_dev(dev):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    try:
        write_marker(fd, os.lseek(fd, 0, os.SEEK_END))
    finally:
        os.close(fd)


def write_loop(directory, stop):
    count = 0
    while not os.path.exists(stop):
        write_file(os.path.join(directory, "live-%d" % (count % 6)), 1)
        count += 1
        time.sleep(0.5)
    print(f"WRITER {count} files written", flush=True)


def holds_marker(path):
    with open(path, "rb") as f:
        size = 0
        while chunk := f.read(MIB):
            if chunk != BLOCK[:len(chunk)]:
                return False, f"differs in the MiB at {size}"
            size += len(chunk)
    return size > 0, f"{size // MIB} MiB"


def check(paths, label):
    results = [(p, *holds_marker(p)) for p in paths]
    bad = [f"{p}: {why}" for p, ok, why in results if not ok]
    print(f"CHECK {label} " + ("ok" if results and not bad else "BAD") +
          f" ({len(results)} checked) " + "; ".join(bad[:5]), flush=True)


def main():
    action, args = sys.argv[1], sys.argv[2:]
    if action == "fill-dev":
        for dev in args:
            fill_dev(dev)
    elif action == "fill-files":
        for n in range(int(args[1])):
            write_file(os.path.join(args[0], "marker-%d" % n), int(args[2]))
    elif action == "write-loop":
        write_loop(args[0], args[1])
    elif action == "check-dev":
        for dev in args:
            check([dev], dev)
    elif action == "check-files":
        paths = [os.path.join(top, name) for top, dirs, files in os.walk(args[0])
                 if "lost+found" not in top for name in files]
        check(sorted(paths), args[0])
    else:
        sys.exit(f"unknown action {action}")


if __name__ == "__main__":
    main()
