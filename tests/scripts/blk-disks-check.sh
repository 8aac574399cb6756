#!/bin/sh
# blk-disks-check.sh PYTHON VDISK-CHECK NAME=IMAGE... LOG: the host check of a
# run with several disks (tests/guest/test-blk-disks.c). The guest logs each write
# as "NAME: vdisk: wrote ...": for every NAME=IMAGE, the lines of NAME, the
# prefix removed, go to LOG.NAME, and tools/vdisk-check.py (VDISK-CHECK)
# replays them over a fresh IMAGE and compares. Fails if any disk differs.
set -u
python=$1; check=$2; shift 2
eval "log=\${$#}"
status=0
while [ $# -gt 1 ]; do
	name=${1%%=*}; image=${1#*=}; shift
	sed -n "s/^$name: \(vdisk: \)/\1/p" "$log" | tr -d '\r' > "$log.$name"
	"$python" "$check" "$image" "$log.$name" || status=1
done
exit $status
