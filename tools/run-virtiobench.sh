#!/bin/sh
# run-virtiobench.sh ISO IMAGE CSV: boot the virtiobench image
# (tests/virtiobench.c with servers/blk) in qemu-system-i386 with the same
# flags except the disk's backend: IMAGE as a raw image opened with O_DIRECT
# (cache.direct=on, which is what -drive cache=none sets), and QEMU's null-co
# driver of the same size (no storage at all: the ceiling). Each backend is
# booted RUNS times (default 3), alternating, and each measurement keeps its
# median run (by elapsed time), since a shared host adds noise to single
# runs. Prints a table of both and writes CSV rows
# "backend,name,ops,bytes,ns,mb_per_s,iops,p50_ns,p90_ns,p99_ns,runs".
set -eu
iso=$1; img=$2; csv=$3
: "${QEMU:=qemu-system-i386}" "${RUNS:=3}"
size=$(stat -c %s "$img")
device="-device virtio-blk-pci,drive=vd0,addr=3,disable-legacy=on"
image_backend="-blockdev driver=file,node-name=f0,filename=$img,cache.direct=on"
image_backend="$image_backend -blockdev driver=raw,node-name=vd0,file=f0,cache.direct=on"
null_backend="-blockdev driver=null-co,node-name=vd0,size=$size,cache.direct=on"
run() { # LOG BACKEND
	cmd="$QEMU -m 256M -display none -no-reboot -nic none -monitor none -serial file:$1"
	cmd="$cmd -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom $iso $2 $device"
	[ "$i" -gt 1 ] || echo "  $cmd"
	# shellcheck disable=SC2086
	timeout --foreground -k 5 600 $cmd </dev/null || true
	grep -q 'virtiobench: [0-9]* passed, 0 failed' "$1" ||
		{ echo "virtiobench run failed, see $1" >&2; tail -20 "$1" >&2; exit 1; }
}
echo "virtiobench: QEMU commands ($RUNS runs of each):"
rm -f virtiobench-image-*.log virtiobench-null-*.log
i=1
while [ "$i" -le "$RUNS" ]; do
	run "virtiobench-image-$i.log" "$image_backend"
	run "virtiobench-null-$i.log" "$null_backend"
	i=$((i + 1))
done

# "backend name ops bytes ns p50 p90 p99" for every measurement of every run
rows() {
	for b in image null; do
		for log in virtiobench-$b-*.log; do
			tr -d '\r' < "$log" | sed -n "s/^virtiobench: \([a-z0-9_]*\) ops=\([0-9]*\) bytes=\([0-9]*\) ns=\([0-9]*\) p50=\([0-9]*\) p90=\([0-9]*\) p99=\([0-9]*\)$/$b \1 \2 \3 \4 \5 \6 \7/p"
		done
	done
}
echo "backend,name,ops,bytes,ns,mb_per_s,iops,p50_ns,p90_ns,p99_ns,runs" > "$csv"
rows | sort -k1,1 -k2,2 -k5,5n | awk '
	{ key = $1 " " $2; n[key]++; row[key, n[key]] = $0; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
	END { for (j = 1; j <= k; j++) { key = order[j]; split(row[key, int((n[key] + 1) / 2)], f, " ")
		printf "%s,%s,%s,%s,%s,%.1f,%.0f,%s,%s,%s,%d\n", f[1], f[2], f[3], f[4], f[5],
			f[4] * 1000 / f[5], f[3] * 1e9 / f[5], f[6], f[7], f[8], n[key] } }' >> "$csv"
grep -h '^virtiobench: disk\|^virtiobench: stats' virtiobench-image-1.log | tr -d '\r'
# The measurements in the order the guest runs them.
names=$(tr -d '\r' < virtiobench-image-1.log | sed -n 's/^virtiobench: \([a-z0-9_]*\) ops=.*/\1/p')
awk -F, -v names="$names" 'NR > 1 { mb[$1, $2] = $6; iops[$1, $2] = $7; p50[$1, $2] = $8 / 1000
		p90[$1, $2] = $9 / 1000; p99[$1, $2] = $10 / 1000 }
	END {
		printf "%-22s | %9s %8s %7s %7s %7s | %9s %8s %7s %7s\n", "", "image", "", "", "", "", "null-co", "", "", ""
		printf "%-22s | %9s %8s %7s %7s %7s | %9s %8s %7s %7s\n", "test", "MB/s", "IOPS", "p50 us", "p90 us", "p99 us",
			"MB/s", "IOPS", "p50 us", "p99 us"
		n = split(names, order, "\n")
		for (i = 1; i <= n; i++) { k = order[i]
			printf "%-22s | %9.1f %8d %7.1f %7.1f %7.1f | %9.1f %8d %7.1f %7.1f\n", k, mb["image", k],
				iops["image", k], p50["image", k], p90["image", k], p99["image", k], mb["null", k],
				iops["null", k], p50["null", k], p99["null", k] }
	}' "$csv"
echo "(median of $RUNS runs; MB = 10^6 bytes; latency from request to reply, in the guest; CSV in $csv)"
