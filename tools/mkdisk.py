#!/usr/bin/env python3
"""mkdisk.py FILE MIB: create a raw disk image of MIB mebibytes whose every
512-byte sector starts with its own number, so a reader can tell sectors apart."""
import struct
import sys

path, mib = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    for sector in range(mib * 2048):
        f.write(struct.pack("<Q", sector) + b"\0" * 504)
