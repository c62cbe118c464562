"""`pv2luks flatten` and `unflatten` (issue 6) on LVM-on-LUKS stacks made by
stock cryptsetup and lvm in the guest, and on one made by `pv2luks convert`.

The independent records:
- each LV's layered table is saved before flattening; while flattened, every
  LV is read (O_DIRECT, the filesystem frozen) through its flattened table
  and through a read-only dm device loaded with the saved layered table, and
  the two must match byte for byte;
- the load's acknowledged-write log, written while the stack was layered,
  then flattened (the load runs across flatten and stops before the byte
  comparison), is checked through the flattened LVs, after unflatten, after
  lvextend and lvcreate, and after the volume is closed and reopened by
  stock cryptsetup;
- the cold LV's sha256, taken before anything.
Negative control: PV2LUKS_TEST_FLATTEN_IV_SKEW=8 gives the first LV's first
segment a wrong IV offset; the byte comparison must catch it, and unflatten
must refuse to map it back."""
import re

from conversion_scenario import field

# Makes LUKS ($LUKS_TYPE) on the disk with stock cryptsetup, VG fvg on it
# with LVs fs (ext4, mounted, under file load), raw (under O_DIRECT block
# load) and cold (two segments, random bytes), and saves every LV's table.
STOCK_STACK = r"""
disk=$(readlink -f "$LAB_DISKS/pv")
printf 'flatten test passphrase' > "$LAB_OUT/key"
cryptsetup luksFormat -q --type "$LUKS_TYPE" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	${LUKS_OPTIONS:-} --key-file "$LAB_OUT/key" "$disk"
cryptsetup open --key-file "$LAB_OUT/key" "$disk" flatcrypt
pvcreate -q /dev/mapper/flatcrypt
vgcreate -q -s 4M fvg /dev/mapper/flatcrypt
"""

LVS = r"""
lvcreate -q -n cold -L 16M fvg
lvcreate -q -n raw -L 24M fvg
lvextend -q -L +16M fvg/cold
lvcreate -q -n fs -L 48M fvg
dd if=/dev/urandom of=/dev/fvg/cold bs=1M oflag=direct status=none || true
echo "COLD-BEFORE $(sha256sum < /dev/fvg/cold | cut -d' ' -f1)"
mkfs.ext4 -q /dev/fvg/fs
mkdir -p /run/fs && mount /dev/fvg/fs /run/fs
for lv in cold fs raw; do
	dmsetup table "fvg-$lv" > "/tmp/layered-$lv"; sed "s/^/LAYERED $lv /" "/tmp/layered-$lv"
done
pv2luks-harness load start --log "$LAB_OUT/load" --dir /run/fs --raw /dev/fvg/raw
sleep 2
"""

HELPERS = r"""
sha() { dd if="$1" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1; }
# Every LV through its live table and through its saved layered table.
compare() {
	fsfreeze -f /run/fs
	for lv in cold fs raw; do
		dmsetup create "chk-$lv" --readonly < "/tmp/layered-$lv"
		if [ "$(sha "/dev/fvg/$lv")" = "$(sha "/dev/mapper/chk-$lv")" ]; then
			echo "SAME $lv yes"; else echo "SAME $lv no"; fi
		dmsetup remove "chk-$lv"
	done
	fsfreeze -u /run/fs
}
tables() { for lv in cold fs raw; do dmsetup table "fvg-$lv" | sed "s/^/$1 $lv /"; done; }
"""

ROUND_TRIP = "#!/bin/bash\nset -uo pipefail\n" + STOCK_STACK + LVS + HELPERS + r"""
pv2luks status fvg 2>&1 | sed 's/^/STATUS0 /'
pv2luks flatten fvg --key-file "$LAB_OUT/key" 2>&1 | sed 's/^/SAID /'
echo "FLATTEN exit=${PIPESTATUS[0]}"
pv2luks status fvg 2>&1 | sed 's/^/STATUS1 /'
tables TABLE
echo "TAGS1 $(vgs --noheadings -o vg_tags fvg | tr -d ' ')"
echo "GUARD $(dmsetup ls | grep -c '^pv2luks-flat-flatcrypt')"
cryptsetup close flatcrypt 2>&1 | sed 's/^/CLOSEMSG /'; echo "CLOSE exit=${PIPESTATUS[0]}"
sleep 4                                    # the load runs on the flattened LVs
pv2luks-harness load stop --log "$LAB_OUT/load"
compare
echo "COLD-FLAT $(sha /dev/fvg/cold)"
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY1 exit=$?"
pv2luks unflatten fvg 2>&1 | sed 's/^/SAID2 /'
echo "UNFLATTEN exit=${PIPESTATUS[0]}"
[ -n "${SKEW:-}" ] && exit 0
pv2luks status fvg 2>&1 | sed 's/^/STATUS2 /'
tables TABLE2
echo "TAGS2 $(vgs --noheadings -o vg_tags fvg | tr -d ' ')"
lvextend -q -r -L +8M fvg/fs > /dev/null 2>&1 && lvcreate -q -n new -L 8M fvg > /dev/null
echo "LVM exit=$?"
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY2 exit=$?"
umount /run/fs; vgchange -an fvg > /dev/null
cryptsetup close flatcrypt; echo "CLOSE2 exit=$?"
cryptsetup open --key-file "$LAB_OUT/key" "$disk" again && vgchange -ay fvg > /dev/null
mount /dev/fvg/fs /run/fs
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY3 exit=$?"
echo "COLD-AFTER $(sha /dev/fvg/cold)"
umount /run/fs; e2fsck -fn /dev/fvg/fs > /dev/null 2>&1; echo "FSCK exit=$?"
"""


def tagged(text, tag):
    """What follows "TAG " on each line of the guest's output that has it."""
    return [line[len(tag) + 1:] for line in text.splitlines() if line.startswith(tag + " ")]


def run_guest(lab, tmp_path, script, env=(), disks=("pv:160M",)):
    out = tmp_path / "out"
    out.mkdir()
    exports = "".join(f"export {name}={value}\n" for name, value in env)
    script = script.replace("set -uo pipefail\n", "set -uo pipefail\n" + exports, 1)
    result = lab(script, *disks, extra=["--out", out])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result.stdout


def test_round_trip_under_load(lab, tmp_path):
    """LUKS2 as cryptsetup 2.6 opens it: the key through the keyring, so it
    comes from the header (test_flatten_guard.py's LUKS1 run takes it from
    the crypt table)."""
    text = run_guest(lab, tmp_path, ROUND_TRIP, env=[("LUKS_TYPE", "luks2")])
    assert "layered (3 LVs on the crypt device)" in "\n".join(tagged(text, "STATUS0"))
    said = "\n".join(tagged(text, "SAID"))
    assert field(text, "FLATTEN exit") == "0", said
    assert "the volume key comes from the LUKS header on /dev/vda" in said
    assert "WARNING: VG fvg is flattened" in said
    assert "FLATTENED: 3 LVs map straight onto" in tagged(text, "STATUS1")[0]
    tables = tagged(text, "TABLE")
    assert len(tables) == 4, tables  # cold: two segments
    assert all(" crypt aes-xts-plain64 :64:logon:pv2luks:flatten:flatcrypt " in t for t in tables)
    assert field(text, "TAGS1") == "pv2luks_flattened"
    assert field(text, "GUARD") == "1"
    assert field(text, "CLOSE exit") != "0", "cryptsetup closed the crypt device under the VG"
    assert "still in use" in "\n".join(tagged(text, "CLOSEMSG"))
    assert tagged(text, "SAME") == ["cold yes", "fs yes", "raw yes"]
    assert field(text, "COLD-FLAT") == field(text, "COLD-BEFORE")
    assert field(text, "VERIFY1 exit") == "0"
    assert field(text, "UNFLATTEN exit") == "0", "\n".join(tagged(text, "SAID2"))
    assert tagged(text, "STATUS2")[0].endswith(": layered (3 LVs on the crypt device)")
    assert all(" linear " in t for t in tagged(text, "TABLE2"))
    assert tagged(text, "TABLE2") == tagged(text, "LAYERED"), "unflatten changed the tables"
    assert re.search(r"^TAGS2 ?$", text, re.M), "the VG tag outlived unflatten"
    assert field(text, "LVM exit") == "0"
    for step in ("VERIFY2", "VERIFY3"):
        assert field(text, f"{step} exit") == "0"
    assert field(text, "CLOSE2 exit") == "0"
    assert field(text, "COLD-AFTER") == field(text, "COLD-BEFORE")
    assert field(text, "FSCK exit") == "0"
    assert re.search(r"load verify: \d+ acknowledged writes checked .*: OK", text)


def test_negative_control_a_wrong_iv_offset_is_caught(lab, tmp_path):
    text = run_guest(lab, tmp_path, ROUND_TRIP,
                     env=[("LUKS_TYPE", "luks2"), ("SKEW", "8"), ("PV2LUKS_TEST_FLATTEN_IV_SKEW", "8")])
    assert field(text, "FLATTEN exit") == "0"
    assert tagged(text, "SAME") == ["cold no", "fs yes", "raw yes"]
    assert field(text, "COLD-FLAT") != field(text, "COLD-BEFORE")
    assert field(text, "UNFLATTEN exit") == "6"  # refused, nothing changed
    assert "IV offset" in "\n".join(tagged(text, "SAID2"))
