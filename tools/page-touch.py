#!/usr/bin/env python3
"""Pages touched per operation, from two runs of the page-touch plugin.

  page-touch.py A B OPS KERNEL [NAME=ELF ...]

A and B are tools/page-touch.c outputs of two runs that differ only in
their operation count (OPS more in B). Prints the CR3 loads and the TLB
refills (distinct pages per switch interval) per operation, split by mode
(kernel, user) and kind (code, data), then every page touched at least once
per ten operations, with the kernel function that touched it first in its
100th interval, and the symbols on it: the kernel's from KERNEL, a user
page's from each user ELF given (tasks linked at the same base share
addresses, so a user page lists every program's symbols there).
docs/benchmarks.md ("Pages touched per round trip") has the procedure.
"""
import bisect
import collections
import subprocess
import sys


def load(path):
    head, pages = None, {}
    for line in open(path):
        f = line.split()
        if f[0] == 'switches':
            head = (int(f[1]), int(f[3]))
        elif f[0] == 'page':
            pages[(f[1], int(f[2], 16))] = (int(f[3]), f[4], int(f[5], 16))
    return head, pages


def symbols(elf):
    rows = []
    nm = subprocess.run(['nm', '--defined-only', '-n', '-S', elf], capture_output=True, text=True, check=True)
    for line in nm.stdout.splitlines():
        p = line.split()
        if len(p) == 4:
            rows.append((int(p[0], 16), int(p[1], 16), p[3]))
    return rows


def on_page(rows, page):
    """The symbols that overlap [page, page + 4096), largest first."""
    hits = [(size, name) for addr, size, name in rows
            if addr < page + 4096 and addr + max(size, 1) > page]
    return [name for size, name in sorted(hits, reverse=True)]


def toucher(rows, pc):
    """The function holding pc."""
    best = '?'
    for addr, size, name in rows:
        if addr <= pc < addr + size:
            return name
        if addr <= pc:
            best = name
    return best


def main(a, b, ops, kernel, programs):
    (sa, ra), pa = load(a)
    (sb, rb), pb = load(b)
    print(f'{(sb - sa) / ops:.2f} CR3 loads and {(rb - ra) / ops:.1f} page refills per operation')
    ksyms = symbols(kernel)
    usyms = [(spec.split('=', 1)[0], symbols(spec.split('=', 1)[1])) for spec in programs]
    split, hot = collections.Counter(), []
    for key, (n, kind, pc) in pb.items():
        d = (n - pa.get(key, (0,))[0]) / ops
        if d <= 0:
            continue
        mode, page = key
        split[(mode, 'code' if 'c' in kind else 'data')] += d
        if d >= 0.1:
            hot.append((mode, page, d, kind, pc))
    for (mode, kind), d in sorted(split.items()):
        print(f'  {"kernel" if mode == "k" else "user"}-mode {kind} pages {d:6.1f}')
    print('(a page both executed and read counts as code)')
    for mode, page, d, kind, pc in sorted(hot):
        if page >= 0xc0000000:
            names = on_page(ksyms, page)
        else:
            names = [f'{prog}:{n}' for prog, rows in usyms for n in on_page(rows, page)]
        # A page without symbols (stack, heap, page table, a user page seen
        # through the kernel's direct map) is told by who touches it.
        by = toucher(ksyms, pc) if pc >= 0xc0000000 else 'user code'
        print(f'{mode} {page:08x} {d:5.2f} {kind:2} [{by}] {" ".join(names[:12])}')


if __name__ == '__main__':
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5:])
