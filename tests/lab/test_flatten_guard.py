"""What happens around a flattened VG (issue 6): LVM changes while
flattened, flattening right after `pv2luks convert`, a crypt device closed
while flattened, and the stacks flatten refuses.

Honest answer to "is an LVM change refused while flattened?": no. The crypt
device stays open under the VG, so LVM keeps working on its PV; a command
that reloads an LV (lvextend) maps that LV onto the crypt device again, which
reads the same bytes. `pv2luks status` then says "PARTLY FLATTENED" and names
it, and nothing is lost: the test checks the load's acknowledged writes and
the cold LV's bytes. What is refused is closing the crypt device under the
VG (the guard device holds it)."""
import re

from conversion_scenario import field
from test_flatten import HELPERS, LVS, STOCK_STACK, run_guest, tagged

LVM_WHILE_FLATTENED = "#!/bin/bash\nset -uo pipefail\n" + STOCK_STACK + LVS + HELPERS + r"""
pv2luks flatten fvg --key-file "$LAB_OUT/key" > /dev/null 2>&1; echo "FLATTEN exit=$?"
lvextend -q -L +8M fvg/cold > /dev/null 2>&1; echo "LVEXTEND exit=$?"
lvcreate -q -n extra -L 8M fvg > /dev/null 2>&1; echo "LVCREATE exit=$?"
pv2luks status fvg 2>&1 | sed 's/^/STATUS /'
# lvextend reloaded cold onto the crypt device: its old 32 MiB must read as before.
echo "COLD-TABLE $(dmsetup table fvg-cold | awk '{print $3}' | sort -u | tr '\n' ' ')"
echo "COLD-REMAPPED $(dd if=/dev/fvg/cold bs=1M count=32 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
sleep 3
pv2luks-harness load stop --log "$LAB_OUT/load"
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY1 exit=$?"
pv2luks unflatten fvg > /dev/null 2>&1; echo "UNFLATTEN exit=$?"
pv2luks status fvg 2>&1 | sed 's/^/STATUS2 /'
umount /run/fs; vgchange -an fvg > /dev/null; cryptsetup close flatcrypt
cryptsetup open --key-file "$LAB_OUT/key" "$disk" again && vgchange -ay fvg > /dev/null
mount /dev/fvg/fs /run/fs
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY2 exit=$?"
echo "COLD-AFTER $(dd if=/dev/fvg/cold bs=1M count=32 iflag=direct status=none | sha256sum | cut -d' ' -f1)"
"""

# pv2luks convert makes the stack; its flattened tables are compared with
# those of the same volume opened by stock cryptsetup under the same name.
AFTER_CONVERT = r"""#!/bin/bash
set -uo pipefail
disk=$(readlink -f "$LAB_DISKS/pv")
printf 'flatten test passphrase' > "$LAB_OUT/key"
pvcreate -q --setphysicalvolumesize 136M "$disk"
vgcreate -q -s 4M fvg "$disk"
""" + LVS + HELPERS + r"""
pv2luks convert "$disk" --type luks1 --yes --key-file "$LAB_OUT/key" --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 > /dev/null 2>&1; echo "CONVERT exit=$?"
name=$(basename "$disk")_crypt
for lv in cold fs raw; do dmsetup table "fvg-$lv" > "/tmp/layered-$lv"; done
pv2luks flatten fvg --key-file "$LAB_OUT/key" 2>&1 | sed 's/^/SAID /'; echo "FLATTEN exit=${PIPESTATUS[0]}"
tables CONVERTED
compare
pv2luks unflatten fvg > /dev/null 2>&1; echo "UNFLATTEN exit=$?"
pv2luks-harness load stop --log "$LAB_OUT/load"
umount /run/fs; vgchange -an fvg > /dev/null; dmsetup remove "$name"
cryptsetup open --key-file "$LAB_OUT/key" "$disk" "$name"; echo "OPEN exit=$?"
vgchange -ay fvg > /dev/null; mount /dev/fvg/fs /run/fs
pv2luks flatten fvg 2>&1 < /dev/null | sed 's/^/SAID2 /'; echo "FLATTEN2 exit=${PIPESTATUS[0]}"
tables STOCK
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY exit=$?"
echo "COLD-AFTER $(sha /dev/fvg/cold)"
"""

# The crypt device closed while flattened (the guard removed first, as only
# a deliberate dmsetup can): unflatten reopens it by name with the
# passphrase, with the table cryptsetup made. LUKS2 with 4096-byte sectors:
# the guard covers one encryption sector.
CLOSED_WHILE_FLATTENED = "#!/bin/bash\nset -uo pipefail\n" + STOCK_STACK + LVS + HELPERS + r"""
dmsetup table flatcrypt | sed 's/^/CRYPT-BEFORE /'
pv2luks flatten fvg --key-file "$LAB_OUT/key" > /dev/null 2>&1; echo "FLATTEN exit=$?"
dmsetup table pv2luks-flat-flatcrypt | sed 's/^/GUARD /'
dmsetup remove pv2luks-flat-flatcrypt && cryptsetup close flatcrypt; echo "CLOSE exit=$?"
pv2luks status 2>&1 | sed 's/^/STATUS /'
pv2luks unflatten --key-file "$LAB_OUT/key" 2>&1 | sed 's/^/NONAME /'
pv2luks unflatten flatcrypt --key-file "$LAB_OUT/key" 2>&1 | sed 's/^/SAID /'
echo "UNFLATTEN exit=${PIPESTATUS[0]}"
tables TABLE
dmsetup table flatcrypt | sed 's/^/CRYPT-AFTER /'
pv2luks status fvg 2>&1 | sed 's/^/STATUS2 /'
echo "TAGS2 $(vgs --noheadings -o vg_tags fvg | tr -d ' ')"
echo "GUARD2 $(dmsetup ls | grep -c '^pv2luks-flat-' || true)"
pv2luks-harness load stop --log "$LAB_OUT/load"
pv2luks-harness load verify --log "$LAB_OUT/load"; echo "VERIFY exit=$?"
echo "COLD-AFTER $(sha /dev/fvg/cold)"
"""

# Stacks flatten must refuse, each leaving every table and the VG's tags as
# they were: a snapshot LV (non-linear), a crypt device of two segments.
REFUSALS = r"""#!/bin/bash
set -uo pipefail
export LUKS_TYPE=luks2
""" + STOCK_STACK + r"""
lvcreate -q -n cold -L 16M fvg && lvcreate -q -s -n snap -L 8M fvg/cold
state() { dmsetup table | sort | sha256sum | cut -d' ' -f1; vgs --noheadings -o vg_tags; }
before=$(state)
pv2luks flatten fvg --key-file "$LAB_OUT/key" 2>&1 | sed 's/^/SNAP /'
echo "SNAP exit=${PIPESTATUS[0]}"
[ "$(state)" = "$before" ] && echo "SNAP unchanged"
two=$(readlink -f "$LAB_DISKS/two")
key=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '0 65536 crypt aes-xts-plain64 %s 0 %s 0\n65536 65536 crypt aes-xts-plain64 %s 65536 %s 65536\n' \
	"$key" "$two" "$key" "$two" | dmsetup create twoseg
pvcreate -q /dev/mapper/twoseg && vgcreate -q tvg /dev/mapper/twoseg && lvcreate -q -n t -L 8M tvg
before=$(state)
pv2luks flatten tvg 2>&1 | sed 's/^/TWO /'
echo "TWO exit=${PIPESTATUS[0]}"
[ "$(state)" = "$before" ] && echo "TWO unchanged"
pv2luks flatten 2>&1 | sed 's/^/AMBIGUOUS /'
exit 0
"""


def test_an_lvm_change_while_flattened_is_detected_and_loses_nothing(lab, tmp_path):
    text = run_guest(lab, tmp_path, LVM_WHILE_FLATTENED, env=[("LUKS_TYPE", "luks2")])
    assert field(text, "FLATTEN exit") == "0"
    assert field(text, "LVEXTEND exit") == "0"
    assert field(text, "LVCREATE exit") == "0"
    status = "\n".join(tagged(text, "STATUS"))
    assert "PARTLY FLATTENED: 2 of 4 LVs" in status, status
    assert re.search(r"on the crypt device again: fvg-cold, fvg-extra", status), status
    assert field(text, "COLD-TABLE") == "linear"
    assert field(text, "COLD-REMAPPED") == field(text, "COLD-BEFORE")
    assert field(text, "VERIFY1 exit") == "0"
    assert field(text, "UNFLATTEN exit") == "0"
    assert tagged(text, "STATUS2")[0].endswith(": layered (4 LVs on the crypt device)")
    assert field(text, "VERIFY2 exit") == "0"
    assert field(text, "COLD-AFTER") == field(text, "COLD-BEFORE")


def test_flattening_after_convert_is_identical_to_a_stock_stack(lab, tmp_path):
    """LUKS1: pv2luks's own crypt table names the key through the keyring, so
    the first flatten needs the passphrase; stock cryptsetup's LUKS1 table
    holds the key bytes, so the second takes it from there (no key file)."""
    text = run_guest(lab, tmp_path, AFTER_CONVERT, disks=("pv:160M",))
    for step in ("CONVERT", "FLATTEN", "UNFLATTEN", "OPEN", "FLATTEN2", "VERIFY"):
        assert field(text, f"{step} exit") == "0", step
    assert "the volume key comes from the LUKS header" in "\n".join(tagged(text, "SAID"))
    assert "the volume key comes from vda_crypt's live table" in "\n".join(tagged(text, "SAID2"))
    converted = tagged(text, "CONVERTED")
    assert len(converted) == 4 and all(" crypt " in t for t in converted), converted
    assert converted == tagged(text, "STOCK")
    assert tagged(text, "SAME") == ["cold yes", "fs yes", "raw yes"]
    assert field(text, "COLD-AFTER") == field(text, "COLD-BEFORE")


def test_unflatten_reopens_a_crypt_device_closed_while_flattened(lab, tmp_path):
    text = run_guest(lab, tmp_path, CLOSED_WHILE_FLATTENED,
                     env=[("LUKS_TYPE", "luks2"), ("LUKS_OPTIONS", "--sector-size=4096")])
    assert field(text, "FLATTEN exit") == "0"
    before = tagged(text, "CRYPT-BEFORE")
    assert before and "sector_size:4096" in before[0], before
    assert tagged(text, "GUARD")[0].startswith("0 8 linear ")
    assert field(text, "CLOSE exit") == "0"
    assert "CLOSED WHILE FLATTENED: 3 LVs" in "\n".join(tagged(text, "STATUS"))
    assert "name it (as it was opened)" in "\n".join(tagged(text, "NONAME"))
    said = "\n".join(tagged(text, "SAID"))
    assert field(text, "UNFLATTEN exit") == "0", said
    assert "reopened /dev/vda as flatcrypt" in said
    assert all(" linear " in t for t in tagged(text, "TABLE"))
    assert tagged(text, "CRYPT-AFTER") == before, "the reopened table is not cryptsetup's"
    assert tagged(text, "STATUS2")[0].endswith(": layered (3 LVs on the crypt device)")
    assert re.search(r"^TAGS2 ?$", text, re.M)
    assert field(text, "GUARD2") == "0"
    assert field(text, "VERIFY exit") == "0"
    assert field(text, "COLD-AFTER") == field(text, "COLD-BEFORE")


def test_refusals_change_nothing(lab, tmp_path):
    text = run_guest(lab, tmp_path, REFUSALS, disks=("pv:96M", "two:64M"))
    assert field(text, "SNAP exit") == "6"
    assert "SNAP unchanged" in text
    assert re.search(r"snapshot|not linear|non-linear", "\n".join(tagged(text, "SNAP"))), text
    assert field(text, "TWO exit") == "6"
    assert "TWO unchanged" in text
    assert "segments" in "\n".join(tagged(text, "TWO"))
    assert "several LVM-on-LUKS stacks match" in "\n".join(tagged(text, "AMBIGUOUS"))
