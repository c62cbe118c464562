"""Host-side searches for the secrets tests.

scan_image: byte patterns in a whole raw disk image, counted per MiB so a hit
can be placed (and its offsets reported). search_captures: patterns in the
guest watcher's snapshots (secrets_watch.py), each hit named by the snapshot
and the record (which file, process or table) it is in."""
import os
import re

MIB = 1 << 20


class Hits:
    """Where one pattern occurs in an image."""

    def __init__(self):
        self.per_mib = {}  # MiB index -> occurrences starting in it
        self.first = None  # byte offset of the first occurrence
        self.last = None   # byte offset of the last occurrence

    @property
    def count(self):
        return sum(self.per_mib.values())

    def in_range(self, start, end):
        """Occurrences starting in the MiBs that overlap [start, end)."""
        return sum(n for mib, n in self.per_mib.items()
                   if mib * MIB < end and (mib + 1) * MIB > start)

    def ranges(self):
        """'[a, b) MiB' runs of MiBs with hits, for messages."""
        runs = []
        for mib in sorted(self.per_mib):
            if runs and runs[-1][1] == mib:
                runs[-1][1] = mib + 1
            else:
                runs.append([mib, mib + 1])
        return ", ".join(f"[{a}, {b}) MiB" for a, b in runs) or "none"

    def __repr__(self):
        return (f"{self.count} hits, first at byte {self.first}, last at byte {self.last}, "
                f"in {self.ranges()}")


def scan_image(path, patterns):
    """{name: Hits} for each {name: bytes} pattern over the whole file. A
    pattern counts once per non-overlapping occurrence; one that straddles a
    MiB boundary is counted in the MiB where it starts."""
    longest = max(len(p) for p in patterns.values())
    hits = {name: Hits() for name in patterns}
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        for mib in range((size + MIB - 1) // MIB):
            window = os.pread(f.fileno(), MIB + longest - 1, mib * MIB)
            for name, pattern in patterns.items():
                # Only occurrences starting in this MiB fit in the window.
                n = window.count(pattern)
                if n:
                    h = hits[name]
                    h.per_mib[mib] = n
                    if h.first is None:
                        h.first = mib * MIB + window.find(pattern)
                    h.last = mib * MIB + window.rfind(pattern)
    return hits


RECORD = re.compile(rb"\n=== (.*?) ===\n")


def records(path):
    """[(what, bytes)] of one watcher snapshot, in order."""
    data = path.read_bytes()
    heads = list(RECORD.finditer(data))
    ends = [h.start() for h in heads[1:]] + [len(data)]
    return [(h.group(1).decode(errors="replace"), data[h.end():end])
            for h, end in zip(heads, ends)]


def search_captures(paths, patterns):
    """[(snapshot name, record, pattern name)] for every occurrence."""
    found = []
    for path in paths:
        for what, data in records(path):
            for name, pattern in patterns.items():
                found += [(path.name, what, name)] * data.count(pattern)
    return found


def volume_key_from_dump(text):
    """The volume key bytes from `cryptsetup luksDump --dump-volume-key`
    output: hex pairs after 'MK dump:' (cryptsetup 2.6) or 'Volume key:',
    continued on the following indented lines."""
    pairs, on = [], False
    for line in text.splitlines():
        if re.match(r"(MK dump|Volume key):", line):
            on = True
            line = line.split(":", 1)[1]
        elif not (on and line[:1].isspace()):
            if on:
                break
            continue
        pairs += re.findall(r"\b[0-9a-fA-F]{2}\b", line)
    return bytes.fromhex("".join(pairs))
