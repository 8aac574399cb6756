#!/bin/sh
# icount-read.sh KERNEL [MEASUREMENT] [RUNS]: guest instructions per 4 KiB
# read, exact, for comparing two trees on a host shared with other work.
#
# Why: under -icount shift=0 one guest nanosecond is one instruction, so
# virtiobench's latencies count instructions and do not move with the
# host's load, idle waits aside (below; docs/benchmarks.md, "Counted
# instructions"). Boots tests/virtiobench only=MEASUREMENT (default
# rand_read_4k_qd32) with servers/blk on QEMU's null-co disk by QEMU's
# multiboot loader, RUNS times (default 3), and prints per run the p50
# latency in instructions (for a QD32 measurement divided by 32: the
# instructions one read costs, since 32 are in flight), the kernel's
# per-100-request counters virtiobench prints (system calls, interrupts,
# address-space switches) and busy_per_op, the instructions per read the
# CPU did not idle.
#
# At QD1 the p50 is ~1,000,000 in some boots and not others: under
# sleep=off a halt that QEMU's I/O thread has not yet ended (null-co
# completes in a bottom half, on host time) jumps the clock to the next
# 1 ms timer tick, and the read waited through it. busy_per_op leaves that
# idle time out, to ~2% (docs/benchmarks.md, "The SDK compiled with -O,
# and QD1 reads of ~1 ms under sleep=off"). Run from the build directory
# (modules from tests/ and servers/ there); the serial log of the last run
# is left in icount-read.log.
set -eu
kernel=$1; meas=${2:-rand_read_4k_qd32}; runs=${3:-3}
: "${QEMU:=qemu-system-i386}" "${BUILD:=.}"
per=1
case $meas in *qd32*) per=32 ;; esac
i=1
while [ "$i" -le "$runs" ]; do
	timeout --foreground -k 5 600 "$QEMU" -m 256M -display none -no-reboot -monitor none \
		-serial file:icount-read.log -icount shift=0,sleep=off \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" \
		-append "exit-when-idle halt-when=virtiobench" \
		-initrd "$BUILD/tests/virtiobench only=$meas,$BUILD/servers/blk/blk device=00:03.0" \
		-nic none -blockdev driver=null-co,node-name=vd0,size=67108864,cache.direct=on \
		-device virtio-blk-pci,drive=vd0,addr=3,disable-legacy=on </dev/null >/dev/null 2>&1 || true
	grep -q 'virtiobench: [0-9]* passed, 0 failed' icount-read.log ||
		{ echo "icount-read.sh: run failed, see icount-read.log" >&2; exit 1; }
	tr -d '\r' < icount-read.log | awk -v m="$meas" -v per=$per '
		$1 == "virtiobench:" && $2 == m && $3 ~ /^ops=/ { sub("p50=", "", $6); p50 = $6 / per }
		$2 == "cost" && $3 == m { cost = $4 " " $5 }
		$2 == "sched" && $3 == m { sched = $5; busy = $6 }
		END { printf "%s p50/%d=%.0f %s %s %s\n", m, per, p50, cost, sched, busy }'
	i=$((i + 1))
done
