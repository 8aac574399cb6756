#!/usr/bin/env python3
"""vdisk-check.py IMAGE LOG: after QEMU exits, check a scratch disk against
what the guest says it wrote.

IMAGE started as tools/mkdisk.py made it (every 512-byte sector holds its own
number as a little-endian 64-bit word, then zeroes). LOG is the serial log of
the run; each line "vdisk: wrote seed=S sector=N count=C gen=G" is one write
the device accepted, and each "vdisk: zeroed sector=N count=C" one write of
zeroes (tests/lib/vdisk.h), in the order the writes completed for
any one task (tasks only ever write disjoint ranges at the same time). The
script replays the lines over a fresh image and compares the result with
IMAGE byte for byte: nothing lost, nothing extra. On a difference it prints
the first differing sectors, what each should hold and what it holds, and
exits 1.

The pattern of a written sector s of generation g with seed S (the same
function as tests/lib/vdisk.c): words 0-3 are 0x4b534456 ("VDSK"), s, g, S;
word i (4..127) is x ^ (i * 0x9e3779b9) mod 2^32, where
x = mix(S ^ s * 0x9e3779b1 ^ g * 0x85ebca77) and mix is the 32-bit murmur3
finaliser (0 becomes 1)."""
import re
import struct
import sys

SECTOR = 512
MAGIC = 0x4B534456
BAD_GEN = 2989           # tests/guest/test-virtio.c: writes the device must refuse
M32 = 0xFFFFFFFF
WRITE = re.compile(r"vdisk: (?:wrote seed=([0-9a-f]{8}) |zeroed )sector=(\d+) count=(\d+)(?: gen=(\d+))?")
ZEROES = -1              # the generation of zeroed sectors
# Word i of the body is x ^ K[i]: all 124 lanes at once as one integer.
LANES = sum(1 << (32 * i) for i in range(124))
K = int.from_bytes(struct.pack("<124I", *[(i * 0x9E3779B9) & M32 for i in range(4, 128)]), "little")


def mix(x):
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & M32
    x ^= x >> 16
    return x or 1


def pattern(seed, s, gen):
    if gen == ZEROES:
        return bytes(SECTOR)
    x = mix(seed ^ ((s * 0x9E3779B1) & M32) ^ ((gen * 0x85EBCA77) & M32))
    return struct.pack("<4I", MAGIC, s, gen, seed) + (K ^ (x * LANES)).to_bytes(496, "little")


def fresh(s):
    return struct.pack("<Q", s) + bytes(SECTOR - 8)


def describe(data):
    magic, s, gen, seed = struct.unpack_from("<4I", data)
    if magic == MAGIC:
        if data == pattern(seed, s, gen):
            what = "sector %d gen %d seed %08x" % (s, gen, seed)
            return what + (" (a write the guest expected to be refused)" if gen == BAD_GEN else "")
        return "a damaged pattern of sector %d gen %d seed %08x" % (s, gen, seed)
    if data == bytes(SECTOR):
        return "zeroes"
    if data == fresh(struct.unpack_from("<Q", data)[0]):
        return "fresh sector %d" % struct.unpack_from("<Q", data)[0]
    return "bytes " + data[:16].hex()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[0])
    image, log = sys.argv[1], sys.argv[2]
    with open(image, "rb") as f:
        disk = f.read()
    if len(disk) % SECTOR:
        sys.exit("vdisk-check: %s: size %d is not a multiple of %d" % (image, len(disk), SECTOR))
    sectors = len(disk) // SECTOR
    final = {}                     # sector -> (seed, gen, line number)
    writes = 0
    with open(log, errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = WRITE.search(line)
            if not m:
                continue
            if m.group(1):
                seed, gen = int(m.group(1), 16), int(m.group(4))
            else:
                seed, gen = 0, ZEROES
            first, count = int(m.group(2)), int(m.group(3))
            if count == 0 or first + count > sectors:
                sys.exit("vdisk-check: %s:%d: a write of sectors %d-%d on a disk of %d sectors"
                         % (log, lineno, first, first + count - 1, sectors))
            writes += 1
            for s in range(first, first + count):
                final[s] = (seed, gen, lineno)
    bad = []
    for s in range(sectors):
        want = pattern(final[s][0], s, final[s][1]) if s in final else fresh(s)
        got = disk[s * SECTOR:(s + 1) * SECTOR]
        if got != want:
            bad.append(s)
    if not bad:
        print("vdisk-check: %s: all %d sectors as expected (%d writes replayed, %d sectors written)"
              % (image, sectors, writes, len(final)))
        return
    print("vdisk-check: %s: %d of %d sectors differ from what %s says was written (%d writes replayed)"
          % (image, len(bad), sectors, log, writes))
    for s in bad[:5]:
        got = disk[s * SECTOR:(s + 1) * SECTOR]
        if s in final:
            seed, gen, lineno = final[s]
            want = ("zeroes (log line %d)" % lineno if gen == ZEROES else
                    "sector %d gen %d seed %08x (log line %d)" % (s, gen, seed, lineno))
        else:
            want = "fresh sector %d (never written)" % s
        want_bytes = pattern(final[s][0], s, final[s][1]) if s in final else fresh(s)
        offset = next(i for i in range(SECTOR) if got[i] != want_bytes[i])
        print("  sector %d (byte %d of the image): expected %s, found %s; first difference at byte %d of the sector"
              % (s, s * SECTOR + offset, want, describe(got), offset))
    sys.exit(1)


if __name__ == "__main__":
    main()
