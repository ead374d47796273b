#!/usr/bin/env python3
"""Turns the benchmark's CSV (path,block_bytes,rep,MiB/s,CPU s/GiB,buffers/s)
into docs/benchmarks.md and the data for its plot, and prints the ratios."""
import csv
import statistics
import sys
from collections import defaultdict


def human(n):
    return f"{n // 1048576} MiB" if n >= 1048576 else f"{n // 1024} KiB"


def main(csv_path, md_path, dat_path, header):
    rows = defaultdict(list)
    order = []
    with open(csv_path) as f:
        for path, size, _rep, mib, cpu, bps in csv.reader(f):
            key = (path, int(size))
            if path not in order:
                order.append(path)
            rows[key].append((float(mib), float(cpu), float(bps)))
    sizes = sorted({s for _, s in rows})

    def med(key, i):
        vals = [r[i] for r in rows.get(key, [])]
        return (statistics.median(vals), min(vals), max(vals)) if vals else None

    out = [header, "",
           "| path | block | MiB/s (median, min-max) | CPU s/GiB (median, min-max) | buffers/s |",
           "| --- | --- | --- | --- | --- |"]
    for size in sizes:
        for path in order:
            m, c, b = med((path, size), 0), med((path, size), 1), med((path, size), 2)
            if not m:
                continue
            out.append(f"| {path} | {human(size)} | {m[0]:.1f} ({m[1]:.1f}-{m[2]:.1f}) | "
                       f"{c[0]:.3f} ({c[1]:.3f}-{c[2]:.3f}) | {b[0]:.0f} |")

    ratios = []
    ref = 1048576 if 1048576 in sizes else sizes[-1]
    lim = med(("limit (raw ioctl loop)", ref), 0)
    dma = med(("iiodmabufsrc io-mode=dmabuf", ref), 0)
    rw = med(("iiodmabufsrc io-mode=rw", ref), 0)
    dma_cpu = med(("iiodmabufsrc io-mode=dmabuf", ref), 1)
    rw_cpu = med(("iiodmabufsrc io-mode=rw", ref), 1)
    if lim and dma and rw and dma_cpu and rw_cpu:
        ratios = [
            f"At {human(ref)} blocks:",
            f"- dmabuf / limit throughput: {dma[0] / lim[0]:.2f}",
            f"- dmabuf / rw throughput: {dma[0] / rw[0]:.2f}",
            f"- rw CPU per GiB / dmabuf CPU per GiB: {rw_cpu[0] / dma_cpu[0]:.2f}",
        ]
    out += ["", "## Ratios", ""] + ratios + ["", "![throughput and CPU per GiB](benchmarks.png)", ""]
    with open(md_path, "w") as f:
        f.write("\n".join(out))

    with open(dat_path, "w") as f:
        for i, path in enumerate(order):
            f.write(f'"{path}"\n')
            for size in sizes:
                m, c = med((path, size), 0), med((path, size), 1)
                if m:
                    f.write(f"{size / 1024:.0f} {m[0]:.1f} {c[0]:.3f}\n")
            f.write("\n\n")
    print("\n".join(ratios))
    return len(order)


if __name__ == "__main__":
    print(main(*sys.argv[1:5]), file=sys.stderr)
