#!/bin/sh
# tb-entries.sh KERNEL OUTDIR [N1 N2]: translation blocks QEMU enters other
# than by a direct chained jump, per 4 KiB read at QD32 (null-co, MSI-X).
#
# Why: under TCG a guest instruction costs well under a nanosecond once its
# block is translated and chained to the next, but a block entered through
# QEMU's lookup (a return, an indirect or cross-page jump) or from its main
# loop (after an interrupt, a trap, iret, lcall, popf, or a load of DS, ES
# or SS, each of which ends the block) costs tens to hundreds. The guest's
# instruction count does not show them; this does, to within ~5% from boot
# to boot (null-co completes on the host's clock, so batches differ a
# little): enough to compare two trees, better over two boots each. With chaining on, `-d exec` logs a "Trace" line only for such
# entries. Two whole runs (ops=N1 and ops=N2, 4 reads per op) are logged
# under -icount shift=0,sleep=off, so that idle time and timer interrupts
# fall at the same instruction counts in both (with sleep=on they follow the
# host's wall clock and do not cancel), and differenced: the entries per read
# printed for the kernel and for user space, and the top kernel functions
# they land in. The logs are ~60 MB per run. Run from the build
# directory (tests/virtiobench and servers/blk/blk are taken from there).
set -eu
kernel=$1; out=$2; n1=${3:-50}; n2=${4:-100}
build=$(pwd)
mkdir -p "$out"
for n in "$n1" "$n2"; do
	qemu-system-i386 -m 256M -display none -no-reboot -nic none -monitor none \
		-serial "file:$out/vb$n.log" -icount shift=0,sleep=off -d exec -D "$out/log$n" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" \
		-append "exit-when-idle halt-when=virtiobench" \
		-initrd "$build/tests/virtiobench only=rand_read_4k_qd32 ops=$n,$build/servers/blk/blk device=00:03.0" \
		-blockdev driver=null-co,node-name=vd0,size=67108864,cache.direct=on \
		-device virtio-blk-pci,drive=vd0,addr=3,disable-legacy=on </dev/null >/dev/null 2>&1 || true
	grep -q 'virtiobench: [0-9]* passed, 0 failed' "$out/vb$n.log" || { echo "run failed, see $out/vb$n.log" >&2; exit 1; }
done
python3 - "$out/log$n1" "$out/log$n2" $(( (n2 - n1) * 4 )) "$kernel" <<'PY'
import bisect, collections, subprocess, sys
a_log, b_log, reads, kernel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def entries(log):
    c = collections.Counter()
    for line in open(log, errors='replace'):
        if line.startswith('Trace'):
            c[int(line[line.index('[') + 1:].split('/')[1], 16)] += 1
    return c
addrs, names = [], []
for line in subprocess.run(['nm', '-n', kernel], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 3 and p[1] in 'tTwW':
        addrs.append(int(p[0], 16)); names.append(p[2])
a, b = entries(a_log), entries(b_log)
space, fn = collections.Counter(), collections.Counter()
for pc, n in b.items():
    d = n - a.get(pc, 0)
    kernel_pc = pc >= 0xc0000000
    space['kernel' if kernel_pc else 'user'] += d
    if kernel_pc:
        fn[names[bisect.bisect_right(addrs, pc) - 1]] += d
for s in ('kernel', 'user'):
    print(f'{s:6} {space[s] / reads:7.1f} blocks entered unchained per read')
for name, d in fn.most_common(15):
    print(f'{d / reads:7.1f}  {name}')
PY
