#!/usr/bin/env python3
"""Turns the benchmark's CSV (section,path,block_bytes,rep,MiB/s,CPU s/GiB,
buffers/s,p50 us,p99 us) into docs/benchmarks.md and the data for its plot,
and prints the ratios that matter."""
import csv
import statistics
import sys
from collections import defaultdict

TITLES = {
    "capture": "Capture (ADC, 4 x 16 bit)",
    "playback": "Playback (DAC, 2 x 16 bit)",
    "adc-to-dac": "ADC -> DAC (2 x 16 bit, gst-launch-1.0, CPU of the whole process)",
}
LATENCY = {
    "capture": "completion to push",
    "playback": "render to enqueue",
}


def human(n):
    return f"{n // 1048576} MiB" if n >= 1048576 else f"{n // 1024} KiB"


def main(csv_path, md_path, dat_path, header):
    rows = defaultdict(list)
    order = defaultdict(list)
    with open(csv_path) as f:
        for section, path, size, _rep, mib, cpu, bps, p50, p99 in csv.reader(f):
            key = (section, path, int(size))
            if path not in order[section]:
                order[section].append(path)
            # rw has no fences: its latency window stays empty (0 / 0)
            has_lat = p50 and p99 and (float(p50) or float(p99))
            rows[key].append((float(mib), float(cpu), float(bps),
                              float(p50) if has_lat else None,
                              float(p99) if has_lat else None))
    sizes = sorted({k[2] for k in rows})

    def med(key, i):
        vals = [r[i] for r in rows.get(key, []) if r[i] is not None]
        return (statistics.median(vals), min(vals), max(vals)) if vals else None

    out = [header]
    for section in ("capture", "playback", "adc-to-dac"):
        if not order[section]:
            continue
        lat = LATENCY.get(section)
        out += ["", f"## {TITLES[section]}", ""]
        head = "| path | block | MiB/s (median, min-max) | CPU s/GiB (median, min-max) | buffers/s |"
        sep = "| --- | --- | --- | --- | --- |"
        if lat:
            head += f" {lat} p50 / p99 (us) |"
            sep += " --- |"
        out += [head, sep]
        for size in sizes:
            for path in order[section]:
                key = (section, path, size)
                m, c, b = med(key, 0), med(key, 1), med(key, 2)
                if not m:
                    continue
                line = (f"| {path} | {human(size)} | {m[0]:.1f} ({m[1]:.1f}-{m[2]:.1f}) | "
                        f"{c[0]:.3f} ({c[1]:.3f}-{c[2]:.3f}) | {b[0]:.0f} |")
                if lat:
                    p50, p99 = med(key, 3), med(key, 4)
                    line += f" {p50[0]:.0f} / {p99[0]:.0f} |" if p50 and p99 else " |"
                out.append(line)

    ref = 1048576 if 1048576 in sizes else sizes[-1]
    ratios = [f"At {human(ref)} blocks:"]

    def ratio_lines(section, element, limit="limit (raw ioctl loop)"):
        lim = med((section, limit, ref), 0)
        dma = med((section, f"{element} io-mode=dmabuf", ref), 0)
        rw = med((section, f"{element} io-mode=rw", ref), 0)
        dma_cpu = med((section, f"{element} io-mode=dmabuf", ref), 1)
        rw_cpu = med((section, f"{element} io-mode=rw", ref), 1)
        if not (lim and dma and rw and dma_cpu and rw_cpu):
            return []
        # what each buffer costs on top of the raw loop, in time
        over = (1 / dma[0] - 1 / lim[0]) * (ref / 1048576) * 1e6
        return [
            f"- {section}: dmabuf / limit throughput {dma[0] / lim[0]:.2f}, "
            f"dmabuf / rw throughput {dma[0] / rw[0]:.2f}, "
            f"rw CPU per GiB / dmabuf CPU per GiB {rw_cpu[0] / dma_cpu[0]:.2f}, "
            f"per-buffer time over the raw loop {over:.0f} us",
        ]

    ratios += ratio_lines("capture", "iiodmabufsrc")
    ratios += ratio_lines("playback", "iiodmabufsink")
    z = [r for r in order["adc-to-dac"] if "0 copies" in r]
    c = [r for r in order["adc-to-dac"] if "2 copies" in r]
    if z and c:
        zm, cm = med(("adc-to-dac", z[0], ref), 0), med(("adc-to-dac", c[0], ref), 0)
        zc, cc = med(("adc-to-dac", z[0], ref), 1), med(("adc-to-dac", c[0], ref), 1)
        if zm and cm and zc and cc:
            ratios.append(f"- adc-to-dac: zero-copy / read()+write() throughput {zm[0] / cm[0]:.2f}, "
                          f"read()+write() CPU per GiB / zero-copy CPU per GiB {cc[0] / zc[0]:.2f}")
    out += ["", "## Ratios", ""] + ratios + ["", "![throughput and CPU per GiB](benchmarks.png)", ""]
    with open(md_path, "w") as f:
        f.write("\n".join(out))

    # Plot data: one gnuplot index per (section, path) of capture and playback.
    n = 0
    with open(dat_path, "w") as f:
        for section in ("capture", "playback"):
            for path in order[section]:
                f.write(f'"{section}: {path}"\n')
                for size in sizes:
                    m, c = med((section, path, size), 0), med((section, path, size), 1)
                    if m:
                        f.write(f"{size / 1024:.0f} {m[0]:.1f} {c[0]:.3f}\n")
                f.write("\n\n")
                n += 1
    print("\n".join(ratios))
    return n


if __name__ == "__main__":
    print(main(*sys.argv[1:5]), file=sys.stderr)
