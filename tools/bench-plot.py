#!/usr/bin/env python3
"""bench-plot.py DOC OUTDIR: one PNG per benchmark family (ipc, blk, net,
time), drawn by gnuplot: this project's figures from the CSVs `make bench`
writes into OUTDIR, beside the Linux 6.1 guest's reference figures.

The pairs to draw come from the table between the markers
"<!-- plot-reference begin -->" and "<!-- plot-reference end -->" in DOC
(docs/benchmarks.md), one row per pair:

  | family | CSV | row | column | unit | Linux 6.1 guest | Linux figure |

CSV is a file in OUTDIR, row a value of its "name" column (optionally
prefixed "backend:" for CSVs with a backend column), column the CSV column
holding the figure, unit what both figures are in.
A family whose CSV is missing (no benchmark writes it yet) is drawn with
the Linux figures only and says so in its title. Each family's pairs are
grouped into one panel per unit. Writes OUTDIR/bench-FAMILY.png;
prints one line per file.
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile

FAMILIES = ["ipc", "blk", "net", "time"]


def reference_rows(doc):
    text = open(doc, encoding="utf-8").read()
    m = re.search(r"<!-- plot-reference begin -->(.*?)<!-- plot-reference end -->", text, re.S)
    if not m:
        sys.exit("bench-plot: no plot-reference table in " + doc)
    rows = []
    for line in m.group(1).splitlines():
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or cells[0] in ("family", "") or set(cells[0]) <= set("-: "):
            continue
        family, csv_name, row, column, unit, linux_what, linux_value = cells
        rows.append(dict(family=family, csv=csv_name, row=row, column=column, unit=unit, linux_what=linux_what,
                         linux=float(linux_value.replace(",", ""))))
    return rows


def our_value(outdir, ref):
    path = os.path.join(outdir, ref["csv"])
    if not os.path.exists(path):
        return None
    backend, _, name = ref["row"].rpartition(":")
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r.get("name") == name and (not backend or r.get("backend") == backend):
                try:
                    return float(r[ref["column"]])
                except (KeyError, ValueError):
                    return None
    return None


def plot(family, refs, outdir, work):
    units = []
    for ref in refs:
        if ref["unit"] not in units:
            units.append(ref["unit"])
    missing = [r["csv"] for r in refs if our_value(outdir, r) is None]
    title = "%s: swiftmach and the Linux 6.1 guest (same QEMU)" % family
    if missing:
        title += "\\n(no figure of ours yet for %d of %d: %s)" % (len(missing), len(refs),
                                                                 ", ".join(sorted(set(missing))))
    png = os.path.join(outdir, "bench-%s.png" % family)
    script = ["set terminal pngcairo size %d,560 noenhanced" % (560 * len(units) + 240),
              "set output '%s'" % png, "set style data histograms", "set style histogram clustered gap 1",
              "set style fill solid 0.8 border -1", "set boxwidth 0.9", "set grid ytics",
              "set key outside top center horizontal", "set bmargin 9", "set xtics rotate by -30 font ',9'",
              "set multiplot layout 1,%d title \"%s\"" % (len(units), title)]
    for i, unit in enumerate(units):
        data = os.path.join(work, "%s-%d.dat" % (family, i))
        values, have_ours = [], False
        with open(data, "w") as f:
            for ref in refs:
                if ref["unit"] != unit:
                    continue
                ours = our_value(outdir, ref)
                have_ours |= ours is not None
                values += [v for v in (ours, ref["linux"]) if v]
                label = "%s / %s" % (ref["row"], ref["linux_what"])
                f.write('"%s" %s %s\n' % (label, "NaN" if ours is None else repr(ours), repr(ref["linux"])))
        # Figures a hundred times apart (a trap and a cross-task RPC) share
        # a panel only on a logarithmic axis.
        wide = values and max(values) > 50 * min(values)
        script += ["set ylabel '%s%s'" % (unit, ", log scale" if wide else ""),
                   "set logscale y" if wide else "unset logscale y",
                   "set yrange [%s:*]" % ("*" if wide else "0")]
        linux = "'%s' using 3:xtic(1) title 'Linux 6.1 guest' lc 2" % data
        if have_ours:
            script.append("plot '%s' using 2:xtic(1) title 'swiftmach' lc 1, '' using 3 title 'Linux 6.1 guest' lc 2"
                          % data)
        else:
            script.append("plot " + linux)
    script.append("unset multiplot")
    path = os.path.join(work, family + ".gp")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", path], check=True)
    print("bench-plot: %s%s" % (png, " (Linux figures only so far)" if len(missing) == len(refs) else ""))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    doc, outdir = sys.argv[1:]
    if not shutil.which("gnuplot"):
        print("bench-plot: gnuplot not installed (./bootstrap installs it): no plots")
        return
    refs = reference_rows(doc)
    with tempfile.TemporaryDirectory() as work:
        for family in FAMILIES:
            mine = [r for r in refs if r["family"] == family]
            if mine:
                plot(family, mine, outdir, work)
            else:
                print("bench-plot: no reference rows for %s in %s" % (family, doc))


if __name__ == "__main__":
    main()
