// The partitions of a disk image, from its partition table, so an offline
// conversion can find the PV inside an image. Pure: reads only through
// ReadAt (no fd: a qcow2 image is read through our own reader), tested on
// memory and fuzzed.
//
// libblkid reads the table (partitions chain only), from a sparse in-memory
// copy of just what it needs (image/sparse_disk.h): the disk's first and
// last MiB, the EBR chains of msdos extended partitions (image/ebr_chain.h)
// and each partition's first 64 KiB (to see nested tables). Never the whole
// disk.
//
//   - MBR ("msdos"): the primary entries, the extended partition (type
//     "extended") and the logical partitions inside it, numbered from 5 as
//     Linux numbers them.
//   - GPT: an MBR with a protective (0xEE) entry, or "EFI PART" at LBA 1 with
//     no MBR at all. libblkid lists the partitions; pv2luks also reads the
//     header it checks against (image/partition_checks.h) and both must
//     agree. The header at LBA 1 and its entry array are checked by
//     their CRC32s; when that primary copy is damaged the backup header at
//     the disk's last LBA is read instead (and a note says so); when both are
//     damaged it is an Error naming both problems.
//   - any other table libblkid knows (bsd, sun, mac, atari, ...), or a table
//     nested inside a partition: an Error naming it.
//   - none: no 55 AA signature, a sector 0 that is not a partition table, or
//     a whole-disk PV (an LVM label in 512-byte sectors 0-3, as blkid finds
//     one: base/probe_lvm_label.h).
// Every partition must lie inside the disk: one that runs past its end (a
// truncated image) is an Error naming the partition and both sizes. Then the
// table must pass the checks of image/partition_checks.h (no overlaps, no
// partition over the MBR or the GPT's own structures, the GPT's usable
// range sound), or it is an Error naming the partitions: a conversion must
// never write into one partition what belongs to another.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/read_at.h"

namespace pv2luks {

struct Partition {
  // As Linux numbers it: the MBR slot 1-4, a logical partition 5, 6, ... in
  // EBR chain order, or the GPT entry index + 1.
  std::uint32_t number = 0;
  std::uint64_t start_bytes = 0;
  std::uint64_t size_bytes = 0;
  // "lvm", "linux", "efi", "extended" (MBR), else the MBR type as "0x07" or
  // the GPT type GUID as text ("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7").
  std::string type;
};

struct PartitionTable {
  std::string kind;                   // "gpt", "msdos" or "none"
  std::vector<Partition> partitions;  // in number order
  // What was found but not used, one sentence each: a damaged primary or
  // backup GPT, a GPT without a protective MBR, a whole-disk PV label.
  std::vector<std::string> notes;
};

// The partition table of a disk of disk_bytes whose logical sectors are
// sector_bytes (a power of two, 512 to 4096). Error on a damaged GPT, a
// partition outside the disk, a table that fails partition_checks.h, an EBR
// chain that loops or leaves its extended partition, a table of another
// kind, or a read that fails.
PartitionTable read_partition_table(const ReadAt& read, std::uint64_t disk_bytes,
                                    std::uint32_t sector_bytes = 512);

}  // namespace pv2luks
