#!/bin/sh
# run-bench.sh ISO CSV: boot the benchmark image twice in qemu-system-i386 —
# plain (TSC cycles and wall-clock nanoseconds per round trip) and with
# -icount shift=0 (one guest nanosecond per instruction, so guest time counts
# instructions) — then print a table and write CSV rows
# "name,iterations,cycles,wall_ns,instructions".
set -eu
iso=$1; csv=$2
: "${QEMU:=qemu-system-i386}"
run() {
	timeout --foreground -k 5 300 "$QEMU" -m 256M -display none -no-reboot -serial "file:$1" \
		-monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" $2 </dev/null || true
	grep -q 'bench-ipc: 1 passed, 0 failed' "$1" || { echo "bench run failed, see $1" >&2; tail -20 "$1" >&2; exit 1; }
}
run bench-plain.log ""
run bench-icount.log "-icount shift=0,sleep=off"
value() { tr -d '\r' < "$1" | grep "^bench: $2 " | sed -n "s/.* $3=\([0-9]*\).*/\1/p"; }
echo "name,iterations,cycles,wall_ns,instructions" > "$csv"
printf '%-10s %10s %14s %14s %16s\n' test iterations "TSC cycles" "wall ns" "instructions"
for name in $(tr -d '\r' < bench-plain.log | sed -n 's/^bench: \([a-z0-9_]*\) iterations.*/\1/p'); do
	n=$(value bench-plain.log "$name" iterations)
	cycles=$(value bench-plain.log "$name" cycles)
	ns=$(value bench-plain.log "$name" ns)
	insns=$(value bench-icount.log "$name" ns)
	printf '%-10s %10s %14s %14s %16s\n' "$name" "$n" "$cycles" "$ns" "$insns"
	echo "$name,$n,$cycles,$ns,$insns" >> "$csv"
done
echo "(per round trip; instructions = guest ns under -icount shift=0; CSV in $csv)"
