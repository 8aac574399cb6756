#!/bin/sh
# run-netbench.sh ISO PORT CSV: boot the netbench image (tests/bench/bench-net.c
# with servers/net) RUNS times (default 3) in qemu-system-i386 with a
# virtio-net NIC on QEMU's user network, tools/net-host.py serving UDP on
# 127.0.0.1:PORT, and keep each figure's median.  Prints the QEMU command, a
# table, and writes CSV rows "name,value,unit,runs".
set -eu
iso=$1; port=$2; csv=$3
: "${QEMU:=qemu-system-i386}" "${RUNS:=3}" "${PYTHON:=python3}"
here=$(dirname "$0")
i=1
rm -f netbench-*.log
while [ "$i" -le "$RUNS" ]; do
	log=netbench-$i.log
	"$PYTHON" "$here/net-host.py" --daemon --port "$port" --log "$log" --pidfile netbench-host.pid
	cmd="$QEMU -m 256M -display none -no-reboot -monitor none -serial file:$log"
	cmd="$cmd -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom $iso"
	cmd="$cmd -nic none -netdev user,id=n0 -device virtio-net-pci,netdev=n0,addr=4,disable-legacy=on"
	[ "$i" -gt 1 ] || echo "netbench: $cmd"
	# shellcheck disable=SC2086
	timeout --foreground -k 5 300 $cmd </dev/null || true
	kill "$(cat netbench-host.pid)" 2>/dev/null || true
	grep -q 'bench-net: [0-9]* passed, 0 failed' "$log" ||
		{ echo "netbench run failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
	grep -h '^INFO' "$log" | tr -d '\r'
	i=$((i + 1))
done
echo "name,value,unit,runs" > "$csv"
cat netbench-*.log | tr -d '\r' | sed -n 's/^RESULT \([a-z0-9_.]*\) \([0-9.]*\) \(.*\)$/\1 \2 \3/p' |
	sort -k1,1 -k2,2n | awk '
	{ n[$1]++; v[$1, n[$1]] = $2; u[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
	END { for (j = 1; j <= k; j++) { key = order[j]
		printf "%s,%s,%s,%d\n", key, v[key, int((n[key] + 1) / 2)], u[key], n[key] } }' >> "$csv"
awk -F, 'NR > 1 { printf "%-28s %10s %s\n", $1, $2, $3 }' "$csv"
echo "(median of $RUNS runs; CSV in $csv)"
