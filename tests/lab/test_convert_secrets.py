"""What a live conversion leaves behind: no plaintext anywhere on the disk,
and neither the passphrase nor the volume key anywhere a watcher can look
while it runs.

Two boots. The first builds two PVs whose every LV byte (and a removed LV's
free extents) is a marker, 32 random bytes fresh each run, with the marker's
hex in the LVM metadata (tags), then converts the small one with
PV2LUKS_TEST_SKIP_MIRROR_CHUNK=2. The host scans a copy of the big one taken
now (the positive control: markers everywhere, the LVM label, the metadata)
and the skipped one (the negative control, see below). The second boot
converts the big one live, its ext4 LV mounted and written, under a watcher
(secrets_watch.py), then dumps the volume key, plants it and the passphrase in
every form the search uses (the controls), and reopens the result with stock
cryptsetup to prove every LV still holds its markers. The host then scans the
whole disk image: no marker, no metadata, no label, least of all in the front
data_offset bytes the header took over.

The key controls: pv2luks loads its crypt tables with a kernel keyring
reference (":64:logon:pv2luks:vda"), which is all `dmsetup table --showkeys`
can show of it, so the control for the tables is a crypt table made for the
purpose with the key in hex, as a table holding the key would show it.

Why the skipped chunk is a real negative control: chunk k's destination,
data_offset + its start, is exactly where chunk k-1 lay before it moved
(chunks are C = data_offset long and move from the end). Skipping chunk K's
copy leaves chunk K-1's old plaintext there, never overwritten; K = 0 would
not (its destination is the empty tail). So the scan must find markers, and
only in [move - K*C, move - (K-1)*C). The small PV's LVs are idle then, so
nothing writes through the skipped chunk's mapping onto that plaintext."""
import fnmatch
import pathlib
import re
import secrets
import shutil
import subprocess
import tarfile
import time

from secret_scan import MIB, records, scan_image, search_captures, volume_key_from_dump

HERE = pathlib.Path(__file__).resolve().parent
SKIP_CHUNK = 2

# make_pv DISK VG PV_SIZE HEAD FS COLD SPACER FS_FILES
LAYOUT = r"""
M="python3 $LAB_OUT/marker_io.py"
tag=m$(od -An -tx1 "$LAB_OUT/marker.bin" | tr -d ' \n')
make_pv() {
	local disk=$1 vg=$2
	pvcreate -q --setphysicalvolumesize "$3" "$disk"
	vgcreate -q -s 4M --addtag "$tag" "$vg" "$disk"
	lvcreate -q -n head -L "$4" --addtag "$tag" "$vg"      # the PV's first extents
	lvcreate -q -n fs -L "$5" "$vg"
	lvcreate -q -n cold -L "$6" "$vg"
	lvcreate -q -n spacer -L "$7" "$vg"
	lvextend -q -L "+$6" "$vg/cold"                        # cold: two segments
	lvcreate -q -n raw -l 100%FREE "$vg"
	$M fill-dev "/dev/$vg/"{head,fs,cold,spacer,raw}
	lvremove -q -y "$vg/spacer"                            # free extents, full of markers
	mkfs.ext4 -q -E nodiscard "/dev/$vg/fs"
	mkdir -p "/run/$vg-fs" && mount "/dev/$vg/fs" "/run/$vg-fs"
	$M fill-files "/run/$vg-fs" "$8" 4
	echo "GEOMETRY $vg $(pvs --noheadings --units s --nosuffix -o pe_start,pv_size "$disk" | xargs)" \
		"$(vgs --noheadings -o vg_uuid "$vg" | xargs)"
	echo "cold segments: $(lvs --noheadings -o seg_count "$vg/cold" | xargs)"
}
"""

PREPARE = r"""#!/bin/bash
set -euo pipefail
""" + LAYOUT + r"""
pv=$(readlink -f "$LAB_DISKS/pv")
neg=$(readlink -f "$LAB_DISKS/neg")
make_pv "$pv" vg 128M 16M 32M 16M 8M 4
umount /run/vg-fs && vgchange -an vg > /dev/null
make_pv "$neg" vgneg 64M 4M 16M 4M 4M 2
umount /run/vgneg-fs   # idle LVs: nothing may overwrite what the skip leaves
rc=0
PV2LUKS_TEST_SKIP_MIRROR_CHUNK=__SKIP__ pv2luks convert --yes "$neg" --key-file "$LAB_OUT/key" \
	--pbkdf pbkdf2 --pbkdf-force-iterations 1000 > "$LAB_OUT/neg-convert.log" 2>&1 || rc=$?
echo "NEG-CONVERT exit=$rc"
echo "AT ${SECONDS}s: layouts made, negative control converted"
vgchange -an vgneg > /dev/null && dmsetup remove "${neg##*/}_crypt"
"""

CONVERT = r"""#!/bin/bash
set -euo pipefail
M="python3 $LAB_OUT/marker_io.py"
disk=$(readlink -f "$LAB_DISKS/pv")
vgchange -ay vg > /dev/null
mkdir -p /run/vg-fs && mount /dev/vg/fs /run/vg-fs
mkdir -p /run/watch && touch /run/watch/stamp && sleep 0.1
python3 "$LAB_OUT/secrets_watch.py" loop /run/watch & watcher=$!
$M write-loop /run/vg-fs /run/watch/writer-stop & writer=$!
sleep 2
started=$(date +%s%N)
rc=0
pv2luks convert --yes "$disk" --key-file "$LAB_OUT/key" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--progress-json > /run/convert.log 2>&1 || rc=$?
ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "CONVERT exit=$rc in $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
sleep 1
touch /run/watch/stop /run/watch/writer-stop
wait $watcher $writer
echo "AT ${SECONDS}s: converted, watcher stopped"
cp /run/convert.log "$LAB_OUT/convert.log"

# The volume key exists only now. The controls put it and the passphrase
# where the watcher looks, in every form the host searches for.
cryptsetup luksDump --dump-volume-key --batch-mode --key-file "$LAB_OUT/key" "$disk" \
	> "$LAB_OUT/volume-key.txt"
hex=$(awk '/^(MK dump|Volume key):/ {on = 1; sub(/^[^:]*:/, ""); gsub(/[ \t]/, ""); printf "%s", $0; next}
	on && /^[ \t]/ {gsub(/[ \t]/, ""); printf "%s", $0; next}
	on {exit}' "$LAB_OUT/volume-key.txt")
echo "KEY hex digits: ${#hex}"
mkdir -p /run/ctl
cat "$LAB_OUT/key" > /run/ctl/passphrase.txt
cp "$LAB_OUT/volume-key.txt" /run/ctl/luksdump.txt
printf '%s' "$hex" | tr a-f A-F > /tmp/ctl-key-upper.txt
printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" > /dev/shm/ctl-key.bin
(exec -a "$(cat "$LAB_OUT/key")" sleep 60) & ctl_cmdline=$!
PV2LUKS_CTL_KEY=$hex sleep 60 & ctl_environ=$!
dmsetup create pv2luks-ctl --readonly --table "0 8 crypt aes-xts-plain64 $hex 0 $disk 32768"
python3 "$LAB_OUT/secrets_watch.py" once /run/watch/control
dmsetup remove pv2luks-ctl
kill $ctl_cmdline $ctl_environ
rm -r /run/ctl /tmp/ctl-key-upper.txt /dev/shm/ctl-key.bin
unset hex
tar -C /run/watch -cf "$LAB_OUT/captures.tar" .
echo "AT ${SECONDS}s: controls captured"

# Close everything, then reopen with stock cryptsetup: the markers must all
# be there, or "no plaintext left" would mean nothing.
umount /run/vg-fs
vgchange -an vg > /dev/null
dmsetup remove "${disk##*/}_crypt"
cryptsetup open "$disk" pvcrypt --key-file "$LAB_OUT/key"
vgchange -ay vg > /dev/null
$M check-dev /dev/vg/{head,cold,raw}
mount -o ro /dev/vg/fs /run/vg-fs
$M check-files /run/vg-fs
umount /run/vg-fs
vgchange -an vg > /dev/null
cryptsetup close pvcrypt
echo "AT ${SECONDS}s: reopened with stock cryptsetup and checked"
"""


def field(stdout, pattern):
    match = re.search(pattern, stdout, re.M)
    assert match, f"{pattern!r} missing from the output"
    return match.groups()


def disk_patterns(marker, vg_uuid):
    return {"marker": marker,
            "marker hex (LVM tags)": marker.hex().encode(),
            "LVM label LABELONE": b"LABELONE",
            "VG UUID (LVM metadata)": vg_uuid.encode()}


def secret_patterns(passphrase, key):
    half = len(key) // 2
    return {"passphrase": passphrase,
            "key raw": key,
            "key hex": key.hex().encode(),
            "key HEX": key.hex().upper().encode(),
            "key hex, first half": key[:half].hex().encode(),
            "key hex, second half": key[half:].hex().encode(),
            "key as luksDump prints it": " ".join(f"{b:02x}" for b in key[:16]).encode()}


def walked_roots(snapshot):
    """The roots a watcher snapshot walked for changed files (its first record)."""
    match = re.match(rb"\n=== roots walked ===\n([^\n]*)", snapshot.read_bytes())
    assert match, f"{snapshot.name} does not start with its roots"
    return set(match.group(1).decode().split())


# (pattern name, the record it was planted in): /proc/* is any process.
CONTROLS = [("passphrase", "file /run/ctl/passphrase.txt"),
            ("passphrase", "/proc/*/cmdline"),
            ("key hex", "dmsetup table --showkeys"),
            ("key hex", "/proc/*/environ"),
            ("key hex, first half", "/proc/*/environ"),
            ("key hex, second half", "/proc/*/environ"),
            ("key HEX", "file /tmp/ctl-key-upper.txt"),
            ("key raw", "file /dev/shm/ctl-key.bin"),
            ("key as luksDump prints it", "file /run/ctl/luksdump.txt")]


def check_watcher_saw_the_move(snaps, move_seconds):
    """The snapshots cover the move (mirror targets at several chunk
    positions), the tool's command line, its keyring-based tables and its
    log file; the read-only roots were walked at the end."""
    mirror_snaps, chunk_starts, tool, keyring, log = set(), set(), set(), set(), set()
    for snap in snaps:
        for what, data in records(snap):
            if what == "dmsetup table":
                starts = re.findall(rb"^\S+: (\d+) \d+ mirror ", data, re.M)
                if starts:
                    mirror_snaps.add(snap.name)
                    chunk_starts.update(starts)
            elif what == "dmsetup table --showkeys" and b":64:logon:pv2luks:" in data:
                keyring.add(snap.name)
            elif what.endswith("/cmdline") and b"pv2luks\0convert\0" in data:
                tool.add(snap.name)
            elif what == "file /run/convert.log":
                log.add(snap.name)
    print(f"watcher: {len(snaps)} snapshots, {len(mirror_snaps)} during the move (a mirror "
          f"in the table, at {len(chunk_starts)} chunk positions); the conversion took "
          f"{move_seconds:.1f} s")
    assert len(mirror_snaps) >= 5 and len(chunk_starts) >= 3, "the watcher saw too little"
    assert tool and log and keyring >= mirror_snaps
    walked = [walked_roots(snap) for snap in snaps]
    assert all({"/run", "/tmp", "/dev/shm"} <= roots for roots in walked)
    assert walked[-1] >= {"/etc", "/var"}, "the last snapshot must walk the read-only roots too"


def boot(lab, script, disks, out):
    started = time.monotonic()
    result = lab(script, *disks, extra=["--out", out])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result.stdout, time.monotonic() - started


def check_negative_control(prepared, out, neg_img, marker):
    """The skipped chunk's predecessor stays as plaintext, and the scan finds
    it exactly where the plan says (see the module docstring)."""
    neg_log = (out / "neg-convert.log").read_text()
    assert field(prepared, r"^NEG-CONVERT exit=(\d+)")[0] == "0", neg_log
    pe_start, pv_size, _ = field(prepared, r"^GEOMETRY vgneg (\d+) (\d+) (\S+)$")
    chunk = int(field(neg_log, r"data offset (\d+) sectors")[0]) * 512
    move = (int(pe_start) + int(pv_size)) * 512
    left_start, left_end = max(0, move - SKIP_CHUNK * chunk), move - (SKIP_CHUNK - 1) * chunk
    negative = scan_image(neg_img, {"marker": marker})["marker"]
    print(f"negative control, chunk {SKIP_CHUNK} skipped: marker {negative}; "
          f"expected only in [{left_start}, {left_end})")
    assert negative.count > 0, "the scan missed the plaintext a skipped chunk leaves"
    assert left_start <= negative.first and negative.last + 32 <= left_end, negative


def check_front(before, after, pe_start_bytes, front_bytes):
    """The header's area [0, data offset): the LVM label, the metadata area
    and the first extents were there as plaintext, and none of it is left."""
    assert before["LVM label LABELONE"].first == 512, before
    assert before["marker hex (LVM tags)"].in_range(0, pe_start_bytes) > 0, before
    assert before["VG UUID (LVM metadata)"].in_range(0, pe_start_bytes) > 0, before
    assert before["marker"].in_range(pe_start_bytes, front_bytes) > 0, "no marker in the front"
    assert all(hits.in_range(0, front_bytes) == 0 for hits in after.values()), after


def test_no_plaintext_left_and_no_key_seen(lab, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    marker = secrets.token_bytes(32)
    passphrase = f"pv2luks-test-{secrets.token_hex(16)}".encode()
    (out / "marker.bin").write_bytes(marker)
    (out / "key").write_bytes(passphrase)
    for helper in ("marker_io.py", "secrets_watch.py"):
        shutil.copy(HERE / helper, out / helper)
    pv_img, neg_img = tmp_path / "pv.img", tmp_path / "neg.img"
    disks = [f"pv:150M:{pv_img}", f"neg:90M:{neg_img}"]
    timings = {}

    # Boot 1: both PVs full of markers; the small one converted with a skip.
    prepared, timings["boot 1"] = boot(
        lab, PREPARE.replace("__SKIP__", str(SKIP_CHUNK)), disks, out)
    assert prepared.count("cold segments: 2") == 2
    pe_start, pv_size, vg_uuid = field(prepared, r"^GEOMETRY vg (\d+) (\d+) (\S+)$")
    pe_start_bytes, pv_bytes = int(pe_start) * 512, int(pv_size) * 512
    patterns = disk_patterns(marker, vg_uuid)

    # Positive control: a copy of the disk right before its conversion.
    started = time.monotonic()
    before_img = tmp_path / "pv-before.img"
    subprocess.run(["cp", "--sparse=always", pv_img, before_img], check=True)
    before = scan_image(before_img, patterns)
    before_img.unlink()
    timings["host scan before"] = time.monotonic() - started
    print("before:", before)
    assert before["marker"].count * 32 >= 0.75 * pv_bytes, before["marker"]
    check_negative_control(prepared, out, neg_img, marker)

    # Boot 2: the live conversion under the watcher; the controls; stock reopen.
    converted, timings["boot 2"] = boot(lab, CONVERT, disks, out)
    convert_log = (out / "convert.log").read_text()
    assert field(converted, r"^CONVERT exit=(\d+)")[0] == "0", convert_log
    move_seconds = float(field(converted, r"^CONVERT exit=0 in ([\d.]+) s")[0])
    assert '"phase":"move"' in convert_log
    for label in ("/dev/vg/head", "/dev/vg/cold", "/dev/vg/raw", "/run/vg-fs"):
        assert re.search(rf"^CHECK {label} ok \(\d+ checked\)", converted, re.M), converted
    files_checked = int(field(converted, r"^CHECK /run/vg-fs ok \((\d+) checked\)")[0])
    written = int(field(converted, r"^WRITER (\d+) files written")[0])
    assert written > 0 and files_checked == 4 + min(written, 6)

    # A: the whole disk, as the host sees the image file after power-off.
    started = time.monotonic()
    after = scan_image(pv_img, patterns)
    timings["host scan after"] = time.monotonic() - started
    print("after:", after)
    with open(pv_img, "rb") as f:
        assert f.read(6) == b"LUKS\xba\xbe"
    leftovers = {name: hits for name, hits in after.items() if hits.count}
    assert not leftovers, f"plaintext left on the converted disk: {leftovers}"
    data_offset = int(field(convert_log, r"data offset (\d+) sectors")[0]) * 512
    check_front(before, after, pe_start_bytes, data_offset)

    # B: the key, known now, and the passphrase in the watcher's captures.
    key = volume_key_from_dump((out / "volume-key.txt").read_text())
    assert len(key) == 64 and field(converted, r"^KEY hex digits: (\d+)")[0] == "128"
    captures = tmp_path / "captures"
    with tarfile.open(out / "captures.tar") as tar:
        tar.extractall(captures)
    snaps = sorted(captures.glob("snap-*"))
    secret = secret_patterns(passphrase, key)
    leaks = search_captures(snaps, secret)
    assert not leaks, f"secrets seen during the conversion: {leaks[:20]}"
    check_watcher_saw_the_move(snaps, move_seconds)

    # Controls: every form of each secret is found where it was planted.
    control = {(rec, name) for _, rec, name in search_captures([captures / "control"], secret)}
    print("controls found:", sorted(control))
    missed = [(name, where) for name, where in CONTROLS
              if not any(n == name and fnmatch.fnmatchcase(rec, where) for rec, n in control)]
    assert not missed, f"the search missed planted secrets: {missed}"
    print("timings:", {k: f"{v:.1f} s" for k, v in timings.items()})
