#!/bin/sh
# ab-time.sh KIND ISO-A ISO-B ROUNDS: time two builds against each other on
# a shared host. Boots A, B, A, B, ... (ROUNDS boots of each, alternated so
# that both see the same load) without -icount, and prints per measurement
# the median of each side and B/A.
#   KIND ipc: tests/bench-ipc.iso images; the rows of `make bench` (ns per
#             round trip).
#   KIND blk: tests/virtiobench.iso images on QEMU's null-co disk (as
#             tools/run-virtiobench.sh boots them); p50 latency in ns.
# Logs go to ab-KIND-{A,B}-N.log in the current directory.
set -eu
kind=$1; a=$2; b=$3; rounds=$4
: "${QEMU:=qemu-system-i386}"
boot() { # ISO LOG
	case $kind in
	ipc) extra="" ;;
	blk) extra="-nic none -blockdev driver=null-co,node-name=vd0,size=67108864,cache.direct=on
		-device virtio-blk-pci,drive=vd0,addr=3,disable-legacy=on" ;;
	*) echo "ab-time.sh: KIND is ipc or blk" >&2; exit 2 ;;
	esac
	# shellcheck disable=SC2086
	timeout --foreground -k 5 600 "$QEMU" -m 256M -display none -no-reboot -monitor none \
		-serial "file:$2" -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$1" $extra </dev/null || true
	grep -q ' [0-9]* passed, 0 failed' "$2" || { echo "run failed, see $2" >&2; exit 1; }
}
i=1
while [ "$i" -le "$rounds" ]; do
	boot "$a" "ab-$kind-A-$i.log"
	boot "$b" "ab-$kind-B-$i.log"
	i=$((i + 1))
done
# "side name value" for every measurement of every log
rows() {
	for log in ab-"$kind"-[AB]-*.log; do
		side=$(echo "$log" | sed 's/^ab-[a-z]*-\([AB]\)-.*/\1/')
		case $kind in
		ipc) tr -d '\r' < "$log" | sed -n "s/^bench: \([a-z0-9_]*\) iterations=.* ns=\([0-9]*\).*/$side \1 \2/p" ;;
		blk) tr -d '\r' < "$log" | sed -n "s/^virtiobench: \([a-z0-9_]*\) ops=.* p50=\([0-9]*\) .*/$side \1 \2/p" ;;
		esac
	done
}
rows | sort -k2,2 -k1,1 -k3,3n | awk '
	{ key = $2 " " $1; v[key, ++n[key]] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
	function median(key) { return (n[key] % 2) ? v[key, (n[key] + 1) / 2] : (v[key, n[key] / 2] + v[key, n[key] / 2 + 1]) / 2 }
	END { printf "%-24s %12s %12s %7s  (medians of %d boots each, ns)\n", "measurement", "A", "B", "B/A", n[order[1] " A"]
		for (j = 1; j <= k; j++) { ma = median(order[j] " A"); mb = median(order[j] " B")
			printf "%-24s %12.0f %12.0f %7.3f\n", order[j], ma, mb, ma ? mb / ma : 0 } }'
