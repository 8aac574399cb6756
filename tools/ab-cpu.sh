#!/bin/sh
# ab-cpu.sh KIND KERNEL-A KERNEL-B ROUNDS NAME:N1:N2 ...: QEMU's own CPU
# time per operation for two kernels, on a host shared with other work.
#
# Why: the guest's clock (make bench's wall-time column, virtiobench's
# latencies) counts the moments QEMU waits for a host CPU, so on a loaded
# host two boots of one image differ by 30% and more. The CPU time QEMU's
# process is charged (user + system, from /usr/bin/time) counts only the
# work of emulating the guest (it still varies with what shares the host's
# caches, so the kernels alternate and medians are kept). Each NAME is
# booted with N1 and with N2 operations, and the difference divided by
# N2 - N1 leaves the operations alone, boot and exit cancelled:
#   KIND ipc: tests/bench-ipc only=NAME n=N (null_rpc also runs a warm-up
#             of n/10, so its figure is per 1.1 round trips), with the
#             modules of tests/bench-ipc.iso;
#   KIND blk: tests/virtiobench only=NAME ops=N with servers/blk on QEMU's
#             null-co disk (as tools/run-virtiobench.sh boots it); a QD32
#             measurement makes 4 reads per op.
# Both by QEMU's multiboot loader. The kernels alternate, ROUNDS times;
# printed: the median of each side in microseconds of QEMU CPU time per
# operation, and B/A. Run from the build directory (the modules are taken
# from tests/ and servers/ there); logs and timings go to the current
# directory as ab-cpu-*.
set -eu
kind=$1; a=$2; b=$3; rounds=$4; shift 4
: "${QEMU:=qemu-system-i386}" "${BUILD:=.}"
cpu() { # KERNEL NAME N -> seconds of user + system time
	case $kind in
	ipc) set -- "$1" "exit-when-idle halt-when=bench-ipc" \
		"$BUILD/tests/bench-ipc only=$2 n=$3,$BUILD/tests/bench-server,$BUILD/servers/time/time bench" ""
		pass='bench-ipc: 1 passed, 0 failed' ;;
	blk) set -- "$1" "exit-when-idle halt-when=virtiobench" \
		"$BUILD/tests/virtiobench only=$2 ops=$3,$BUILD/servers/blk/blk device=00:03.0" \
		"-nic none -blockdev driver=null-co,node-name=vd0,size=67108864,cache.direct=on
		-device virtio-blk-pci,drive=vd0,addr=3,disable-legacy=on"
		pass='virtiobench: [0-9]* passed, 0 failed' ;;
	*) echo "ab-cpu.sh: KIND is ipc or blk" >&2; exit 2 ;;
	esac
	# shellcheck disable=SC2086
	/usr/bin/time -o ab-cpu-time -f "%U %S" timeout --foreground -k 5 600 "$QEMU" -m 256M \
		-display none -no-reboot -monitor none -serial file:ab-cpu.log \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$1" -append "$2" -initrd "$3" $4 \
		</dev/null >/dev/null 2>&1 || true
	grep -q "$pass" ab-cpu.log || { echo "run failed, see ab-cpu.log" >&2; exit 1; }
	tail -n 1 ab-cpu-time | awk '{ print $1 + $2 }'
}
: > ab-cpu-rows
i=1
while [ "$i" -le "$rounds" ]; do
	for spec in "$@"; do
		name=${spec%%:*}; n=${spec#*:}; n1=${n%%:*}; n2=${n#*:}
		for side in A B; do
			k=$a; [ $side = A ] || k=$b
			t1=$(cpu "$k" "$name" "$n1"); t2=$(cpu "$k" "$name" "$n2")
			echo "$name $side $t1 $t2" | awk -v d=$((n2 - n1)) '{ printf "%s %s %.4f\n", $1, $2, ($4 - $3) * 1e6 / d }' >> ab-cpu-rows
		done
	done
	i=$((i + 1))
done
sort -k1,1 -k2,2 -k3,3n ab-cpu-rows | awk '
	{ key = $1 " " $2; v[key, ++n[key]] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
	function median(key) { return (n[key] % 2) ? v[key, (n[key] + 1) / 2] : (v[key, n[key] / 2] + v[key, n[key] / 2 + 1]) / 2 }
	END { printf "%-18s %10s %10s %7s  (QEMU CPU us per operation, medians of %d)\n", "measurement", "A", "B", "B/A", n[order[1] " A"]
		for (j = 1; j <= k; j++) { ma = median(order[j] " A"); mb = median(order[j] " B")
			printf "%-18s %10.2f %10.2f %7.3f\n", order[j], ma, mb, ma ? mb / ma : 0 } }'
