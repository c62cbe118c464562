#!/usr/bin/env python3
"""Runs in the lab guest: snapshots every place a secret could show up while
pv2luks converts, so the host can search them afterwards for the passphrase
and the volume key (which is only known once the conversion is done).

    secrets_watch.py loop DIR   snapshot into DIR/snap-NNNNN every ~0.2 s until
                                DIR/stop exists, then once more; files count
                                as new when changed after DIR/stamp (made by
                                the caller)
    secrets_watch.py once FILE  one snapshot into FILE, as the loop takes
                                them (the controls); the stamp is FILE's
                                directory's

A snapshot is one file of records, each "\\n=== WHAT ===\\n" then the bytes:
`dmsetup table`, `dmsetup table --showkeys`, /proc/keys, every
/proc/PID/cmdline and /proc/PID/environ, and every regular file under /run,
/tmp, /dev/shm, /etc and /var changed after the stamp. The walk stays on each
root's own filesystem, so the lab's share (/run/lab) and mounted LVs are left
out, and it skips DIR itself (the watcher's own files).

A root on a read-only filesystem (in the lab /etc and /var: the host's root,
shared read-only) cannot gain or change files during the run, and walking it
over 9p takes seconds under TCG; so the loop walks such roots only in its last
snapshot, taken after the stop. Each snapshot's first record lists the roots
it walked."""
import os
import stat
import subprocess
import sys
import time

ROOTS = ("/run", "/tmp", "/dev/shm", "/etc", "/var")
MAX_FILE_BYTES = 16 << 20


def record(what, data):
    return b"\n=== " + what.encode() + b" ===\n" + data


def read(path, limit=MAX_FILE_BYTES):
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError as e:  # a process or file that went away meanwhile
        return ("<unreadable: %s>" % e.strerror).encode()


def command(argv):
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return done.stdout


def read_only(root):
    return bool(os.statvfs(root).f_flag & os.ST_RDONLY)


def on_device(path, device):
    try:
        return os.lstat(path).st_dev == device
    except OSError:  # gone meanwhile
        return False


def changed_files(roots, since_ns, own_dir):
    for root in roots:
        device = os.stat(root).st_dev
        for top, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if os.path.join(top, d) != own_dir
                       and on_device(os.path.join(top, d), device)]
            for name in files:
                path = os.path.join(top, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) and max(st.st_mtime_ns, st.st_ctime_ns) > since_ns:
                    yield path


def snapshot(out_path, since_ns, own_dir, every_root):
    roots = [r for r in ROOTS if os.path.isdir(r) and (every_root or not read_only(r))]
    parts = [record("roots walked", " ".join(roots).encode()),
             record("time", repr(time.time()).encode()),
             record("dmsetup table", command(["dmsetup", "table"])),
             record("dmsetup table --showkeys", command(["dmsetup", "table", "--showkeys"])),
             record("/proc/keys", read("/proc/keys"))]
    for pid in sorted((p for p in os.listdir("/proc") if p.isdigit()), key=int):
        for what in ("cmdline", "environ"):
            path = "/proc/%s/%s" % (pid, what)
            parts.append(record(path, read(path)))
    for path in changed_files(roots, since_ns, own_dir):
        parts.append(record("file " + path, read(path)))
    tmp = out_path + ".part"
    with open(tmp, "wb") as f:
        f.write(b"".join(parts))
    os.rename(tmp, out_path)


def main():
    mode, target = sys.argv[1], sys.argv[2]
    if mode == "once":
        own_dir = os.path.dirname(os.path.abspath(target))
        snapshot(target, os.stat(os.path.join(own_dir, "stamp")).st_mtime_ns, own_dir, False)
        return
    own_dir = os.path.abspath(target)
    since_ns = os.stat(os.path.join(own_dir, "stamp")).st_mtime_ns
    count = 0
    started = time.monotonic()
    while True:
        last = os.path.exists(os.path.join(own_dir, "stop"))
        snapshot(os.path.join(own_dir, "snap-%05d" % count), since_ns, own_dir, last)
        count += 1
        if last:
            break
        time.sleep(0.2)
    print("watcher: %d snapshots in %.1f s" % (count, time.monotonic() - started), flush=True)


if __name__ == "__main__":
    main()
