#!/usr/bin/env python3
"""Exact guest-instruction profile of one stretch of a QEMU run.

QEMU logs every translated block it runs with "-d exec,nochain,in_asm"
(nochain makes each execution visible); under "-icount shift=0" the run is
deterministic. Two runs that differ only in how many operations they do,
differenced, leave the instructions of the extra operations alone:

  count ROWS        read the QEMU log on stdin (a fifo: it is large), write
                    "pc instructions executions" per block to ROWS
  report A B OPS KERNEL [NAME=ELF@BASE ...]
                    B minus A, per operation (OPS = the extra operations):
                    totals per address space and the costliest functions.
                    Addresses from 0xc0000000 are the kernel's; a user
                    address belongs to the program with the highest BASE
                    below it, so link the programs at different bases.

docs/benchmarks.md ("Counting instructions") has the whole procedure.
"""
import bisect
import collections
import re
import subprocess
import sys


def count(out):
    execs, ninsn = collections.Counter(), {}
    cur, n = None, 0
    insn = re.compile(r'^0x([0-9a-f]+):')
    for line in sys.stdin:
        if line.startswith('Trace'):
            execs[int(line[line.index('[') + 1:].split('/')[1], 16)] += 1
        elif line.startswith('IN:'):
            if cur is not None:
                ninsn[cur] = n
            cur, n = None, 0
        else:
            m = insn.match(line)
            if m:
                cur = int(m.group(1), 16) if cur is None else cur
                n += 1
    if cur is not None:
        ninsn[cur] = n
    with open(out, 'w') as f:
        for pc, c in execs.items():
            f.write(f'{pc:x} {ninsn.get(pc, 0)} {c}\n')


def symbols(elf):
    addrs, names = [], []
    nm = subprocess.run(['nm', '--defined-only', '-n', elf], capture_output=True, text=True, check=True)
    for line in nm.stdout.splitlines():
        p = line.split(' ', 2)
        if len(p) == 3 and p[1] in 'tTwW':
            addrs.append(int(p[0], 16))
            names.append(p[2])
    return addrs, names


def lookup(table, pc):
    i = bisect.bisect_right(table[0], pc) - 1
    return table[1][i] if i >= 0 else '?'


def report(a, b, ops, kernel, programs, top=40):
    before = {}
    for line in open(a):
        pc, _, c = line.split()
        before[pc] = int(c)
    spaces = [(0xc0000000, 'kernel', symbols(kernel))]
    for spec in programs:
        name, rest = spec.split('=', 1)
        elf, base = rest.rsplit('@', 1)
        spaces.append((int(base, 16), name, symbols(elf)))
    spaces.sort(key=lambda s: s[0])
    bases = [s[0] for s in spaces]
    per_fn, per_space, total = collections.Counter(), collections.Counter(), 0
    for line in open(b):
        pc, n, c = line.split()
        d = int(c) - before.get(pc, 0)
        if d <= 0:
            continue
        pc = int(pc, 16)
        i = bisect.bisect_right(bases, pc) - 1
        space, fn = (spaces[i][1], lookup(spaces[i][2], pc)) if i >= 0 else ('other', '?')
        per_fn[(space, fn)] += d * int(n)
        per_space[space] += d * int(n)
        total += d * int(n)
    print(f'{total / ops:.0f} instructions per operation')
    for space, c in per_space.most_common():
        print(f'  {space:10} {c / ops:8.0f}  {100 * c / total:5.1f}%')
    for (space, fn), c in per_fn.most_common(top):
        print(f'{c / ops:8.0f} {100 * c / total:5.1f}%  {space:8} {fn[:90]}')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'count':
        count(sys.argv[2])
    elif len(sys.argv) >= 6 and sys.argv[1] == 'report':
        report(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5], sys.argv[6:])
    else:
        sys.exit(__doc__)
