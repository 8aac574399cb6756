#!/bin/sh
# run-virtiobench.sh ISO IMAGE CSV: boot the virtiobench image
# (tests/bench/virtiobench.c with servers/blk) in qemu-system-i386 with the same
# flags except the disk's backend: IMAGE as a raw image opened with O_DIRECT
# (cache.direct=on, which is what -drive cache=none sets), and QEMU's null-co
# driver of the same size (no storage at all: the ceiling). Each backend is
# booted RUNS times (default 3), alternating, and each measurement keeps its
# median run (by elapsed time), since a shared host adds noise to single
# runs. All of it twice, side by side: with the device's MSI-X vectors (the
# default) and with INTx forced (vectors=0: no MSI-X table, so the kernel
# takes the shared line and reads the ISR). Prints a table per interrupt
# mode, the kernel's per-request costs, and writes CSV rows
# "backend,name,ops,bytes,ns,mb_per_s,iops,p50_ns,p90_ns,p99_ns,runs"
# (backend image, null, image-intx, null-intx).
set -eu
iso=$1; img=$2; csv=$3
: "${QEMU:=qemu-system-i386}" "${RUNS:=3}"
size=$(stat -c %s "$img")
device="-device virtio-blk-pci,drive=vd0,addr=3,disable-legacy=on"
image_backend="-blockdev driver=file,node-name=f0,filename=$img,cache.direct=on"
image_backend="$image_backend -blockdev driver=raw,node-name=vd0,file=f0,cache.direct=on"
null_backend="-blockdev driver=null-co,node-name=vd0,size=$size,cache.direct=on"
run() { # LOG BACKEND DEVICE-OPTIONS
	cmd="$QEMU -m 256M -display none -no-reboot -nic none -monitor none -serial file:$1"
	cmd="$cmd -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom $iso $2 $device$3"
	[ "$i" -gt 1 ] || echo "  $cmd"
	# shellcheck disable=SC2086
	timeout --foreground -k 5 600 $cmd </dev/null || true
	grep -q 'virtiobench: [0-9]* passed, 0 failed' "$1" ||
		{ echo "virtiobench run failed, see $1" >&2; tail -20 "$1" >&2; exit 1; }
}
echo "virtiobench: QEMU commands ($RUNS runs of each):"
rm -f virtiobench-image*-*.log virtiobench-null*-*.log
i=1
while [ "$i" -le "$RUNS" ]; do
	run "virtiobench-image-$i.log" "$image_backend" ""
	run "virtiobench-null-$i.log" "$null_backend" ""
	run "virtiobench-image-intx-$i.log" "$image_backend" ",vectors=0"
	run "virtiobench-null-intx-$i.log" "$null_backend" ",vectors=0"
	i=$((i + 1))
done

# "backend name ops bytes ns p50 p90 p99" for every measurement of every run
rows() {
	for b in image null image-intx null-intx; do
		for log in virtiobench-$b-[0-9]*.log; do
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
grep -h '^virtiobench: disk' virtiobench-image-1.log | tr -d '\r'
# The measurements in the order the guest runs them.
names=$(tr -d '\r' < virtiobench-image-1.log | sed -n 's/^virtiobench: \([a-z0-9_]*\) ops=.*/\1/p')
for mode in msix intx; do
	suffix=$([ $mode = intx ] && echo -intx || true)
	echo
	[ $mode = msix ] && echo "Interrupts by MSI-X (a vector per event, no ISR read):" ||
		echo "INTx forced (vectors=0: the shared line, an ISR read per interrupt):"
	grep -h '^virtiobench: stats' "virtiobench-image$suffix-1.log" | tr -d '\r'
	awk -F, -v names="$names" -v suffix="$suffix" 'NR > 1 { mb[$1, $2] = $6; iops[$1, $2] = $7; p50[$1, $2] = $8 / 1000
			p90[$1, $2] = $9 / 1000; p99[$1, $2] = $10 / 1000 }
		END {
			img = "image" suffix; nul = "null" suffix
			printf "%-22s | %9s %8s %7s %7s %7s | %9s %8s %7s %7s\n", "", img, "", "", "", "", nul, "", "", ""
			printf "%-22s | %9s %8s %7s %7s %7s | %9s %8s %7s %7s\n", "test", "MB/s", "IOPS", "p50 us", "p90 us", "p99 us",
				"MB/s", "IOPS", "p50 us", "p99 us"
			n = split(names, order, "\n")
			for (i = 1; i <= n; i++) { k = order[i]
				printf "%-22s | %9.1f %8d %7.1f %7.1f %7.1f | %9.1f %8d %7.1f %7.1f\n", k, mb[img, k],
					iops[img, k], p50[img, k], p90[img, k], p99[img, k], mb[nul, k],
					iops[nul, k], p50[nul, k], p99[nul, k] }
		}' "$csv"
	echo "kernel counters per 100 requests (null-co, first run): system calls of all tasks, device interrupts"
	tr -d '\r' < "virtiobench-null$suffix-1.log" |
		sed -n 's/^virtiobench: cost \([a-z0-9_]*\) syscalls_per_100=\([0-9]*\) interrupts_per_100=\([0-9]*\)$/  \1 \2 \3/p' |
		awk '{ printf "  %-22s syscalls %6.2f  interrupts %5.2f\n", $1, $2 / 100, $3 / 100 }'
done
echo "(median of $RUNS runs; MB = 10^6 bytes; latency from request to reply, in the guest; CSV in $csv)"
