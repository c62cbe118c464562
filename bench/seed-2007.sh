#!/bin/bash
# The 2007 in-place LVM-to-LUKS script ("Playing more with LVM, LUKS and the
# device mapper", June 2007), re-implemented as the peer for bench/live. It
# only measures, on a throw-away disk: it is as unsafe as the original (no map
# of the move on disk, keys in dm tables, header written without a flush).
#
# Kept as in 2007, because they set its speed:
#   - a temporary LUKS1 header on a sparse loop file gives the key and the
#     data offset; the chunk is that offset (4096 sectors, 2 MiB, for today's
#     LUKS1 with aes-xts-plain64);
#   - an intermediate linear device under the LVs; chunks move from the end
#     through a dm mirror (core log, region mchunk = 8 sectors) into a crypt
#     leg; one `dmsetup reload` + `dmsetup resume` (suspend and resume) each;
#   - waiting = busy-polling `dmsetup status | grep N/N`, a new dmsetup and
#     grep process per poll, no sleep;
#   - hex keys in every table handed to dmsetup; `expr` for all arithmetic.
# Changed, each only so it runs on today's tools:
#   - `--type luks1`: today's default LUKS2 keeps the key in the kernel
#     keyring, so its table has no hex key to reuse;
#   - `dmsetup table --showkeys` (the post itself says sid needs it);
#   - a key file and forced PBKDF2 iterations instead of typed passphrases
#     (outside the move; nothing waits for a person);
#   - major:minor in decimal: `stat -t` prints hex, which equals decimal only
#     for the small IDE numbers of 2007 (virtio's 254 is "fe");
#   - two timestamps around the move, printed for bench/live.
# Also as in 2007: under `set -e`, `expr` exits 1 when its result is 0, so the
# script stops before the last chunk if the moved length is a multiple of
# the chunk. bench/live picks a disk size where it is not.
#
# Usage: seed-2007.sh DEVICE KEYFILE   (DEVICE: a /dev node, not a symlink)
set -e
dev=$1
keyfile=$2
luks=$(mktemp)
cryptdev=$(basename $dev)_crypt
pvsize=$(pvs -o pe_start,pv_size --units s --noheadings --nosuffix "$dev" | awk '{print $1 + $2}')
devsize=$(blockdev --getsz "$dev")
mchunk=8

dd of="$luks" seek=$devsize count=0 bs=512 2> /dev/null
luksdev=$(losetup -f)
losetup "$luksdev" "$luks"
trap "losetup -d \"$luksdev\"; rm -f \"$luks\"" EXIT

cryptsetup luksFormat -q --type luks1 --pbkdf-force-iterations 1000 "$luksdev" "$keyfile"
cryptsetup luksOpen --key-file "$keyfile" "$luksdev" ${cryptdev}_real
read start length crypt format key IVoff cdev offset <<EOF
$(dmsetup table --showkeys ${cryptdev}_real)
EOF

if [ $(expr $devsize - $pvsize) -lt $offset ]; then
  echo Not enough free space after LVM physical volume
  cryptsetup luksClose ${cryptdev}_real
  exit
fi

if [ $(expr $devsize % $offset % $mchunk) -gt 0 ]; then
  echo Last
  cryptsetup luksClose ${cryptdev}_real
  exit
fi

read major minor <<EOF
$(stat -L -c '%t %T' "$dev" | while read hmaj hmin; do echo $((16#$hmaj)) $((16#$hmin)); done)
EOF
maps=$(dmsetup deps | awk -F: "/\($major, $minor\)/{print \$1}")
dmsetup create $cryptdev <<EOF
0 $length linear $dev 0
EOF
dmsetup reload ${cryptdev}_real <<EOF
$start $length crypt $format $key $IVoff $dev $offset
EOF
dmsetup resume ${cryptdev}_real
for map in ${maps}; do
  dmsetup table "$map" | sed s,$major:$minor,/dev/mapper/$cryptdev, | dmsetup reload "$map"
  dmsetup resume "$map"
done

echo "seed-2007: move start $(date +%s.%N) length $length chunk $offset region $mchunk"
cursor=$length
chunk=$offset
while [ $cursor -gt 0 ]; do
  cursor=$(expr $cursor - $chunk)
  if [ $cursor -lt 0 ]; then
    chunk=$(expr $chunk + $cursor)
    cursor=0
  fi
  (
  [ $cursor -ne 0 ] && echo 0 $cursor linear $dev 0
  echo $cursor $chunk mirror core 1 $mchunk 2 $dev $cursor /dev/mapper/${cryptdev}_real $cursor
  [ $cursor -lt $(expr $length - $chunk) ] && echo $(expr $cursor + $chunk) $(expr $length - $cursor - $chunk) crypt $format $key $(expr $IVoff + $cursor + $chunk) $dev $(expr $offset + $cursor + $chunk)
  ) | dmsetup reload "$cryptdev"
  dmsetup resume "$cryptdev"
  chunks=$(expr $chunk / $mchunk)
  while ! dmsetup status "$cryptdev" | grep "$chunks/$chunks"; do
    true
  done
done
echo "seed-2007: move end $(date +%s.%N)"

dmsetup reload "$cryptdev" <<EOF
$start $length crypt $format $key $IVoff $dev $offset
EOF
dmsetup resume "$cryptdev"
dmsetup remove "${cryptdev}_real"
dd if="$luks" of=$dev count=$offset bs=512 2> /dev/null
