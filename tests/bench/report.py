#!/usr/bin/env python3
"""Turns the benchmark's CSV (section,path,block_bytes,rep,MiB/s,CPU s/GiB,
buffers/s,p50 us,p99 us) into docs/benchmarks.md and the data for its plot,
and prints the ratios that matter."""
import csv
import re
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


def main(csv_path, md_path, dat_path, header, syscalls_path=None):
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

    # The targets, at every block size: the zero-copy path against the
    # copying ones and against the raw loop (the limit).
    def val(section, path, size, i=0):
        m = med((section, path, size), i)
        return m[0] if m else None

    def cell(x, ok):
        if x is None:
            return "-"
        verdict = ok(x)
        return f"{x:.2f}" if verdict is None else f"{x:.2f} {'yes' if verdict else 'NO'}"

    def fraction(a, b):
        return a / b if a is not None and b else None

    checks = []
    for section, element, tool in (("capture", "iiodmabufsrc", "iio_readdev (libiio)"),
                                   ("playback", "iiodmabufsink", "iio_writedev (libiio)")):
        dma, rw, lim = (f"{element} io-mode=dmabuf", f"{element} io-mode=rw",
                        "limit (raw ioctl loop)")
        checks.append((f"{section}: dmabuf / rw throughput (>= 1)",
                       lambda s_, a=section, d=dma, r=rw: fraction(val(a, d, s_), val(a, r, s_)),
                       lambda x, s_: x >= 1))
        checks.append((f"{section}: dmabuf / {tool.split()[0]} throughput (>= 1)",
                       lambda s_, a=section, d=dma, t=tool: fraction(val(a, d, s_), val(a, t, s_)),
                       lambda x, s_: x >= 1))
        checks.append((f"{section}: rw / dmabuf CPU per GiB (>= 1)",
                       lambda s_, a=section, d=dma, r=rw: fraction(val(a, r, s_, 1), val(a, d, s_, 1)),
                       lambda x, s_: x >= 1))
        checks.append((f"{section}: dmabuf / limit throughput (>= 0.8 at 4 KiB, 0.95 from 64 KiB)",
                       lambda s_, a=section, d=dma, l=lim: fraction(val(a, d, s_), val(a, l, s_)),
                       lambda x, s_: x >= (0.8 if s_ < 65536 else 0.95)))
    z = next((r for r in order["adc-to-dac"] if "0 copies" in r), None)
    c = next((r for r in order["adc-to-dac"] if "2 copies" in r), None)
    checks.append(("adc-to-dac: zero-copy / read()+write() throughput (>= 1)",
                   lambda s_: fraction(val("adc-to-dac", z, s_), val("adc-to-dac", c, s_)),
                   lambda x, s_: x >= 1))
    checks.append(("adc-to-dac: read()+write() / zero-copy CPU per GiB (>= 1)",
                   lambda s_: fraction(val("adc-to-dac", c, s_, 1), val("adc-to-dac", z, s_, 1)),
                   lambda x, s_: x >= 1))
    checks.append(("adc-to-dac: zero-copy / limit throughput (>= 0.9 from 64 KiB)",
                   lambda s_: fraction(val("adc-to-dac", z, s_), val("adc-to-dac", "limit (raw ioctl loop)", s_)),
                   lambda x, s_: None if s_ < 65536 else x >= 0.9))
    # What reading the device's timestamp costs (a figure, not a target).
    ts = "iiodmabufsrc io-mode=dmabuf with the timestamp channel"
    checks.append(("capture: timestamp channel / without, CPU per GiB (the timestamp's cost)",
                   lambda s_: fraction(val("capture", ts, s_, 1),
                                       val("capture", "iiodmabufsrc io-mode=dmabuf", s_, 1)),
                   lambda x, s_: None))
    ratios = ["| target | " + " | ".join(human(s_) for s_ in sizes) + " |",
              "| --- |" + " --- |" * len(sizes)]
    for name, get, ok in checks:
        ratios.append(f"| {name} | " + " | ".join(
            cell(get(s_), lambda x, s_=s_: ok(x, s_)) for s_ in sizes) + " |")
    out += ["", "## Targets", "",
            "Each zero-copy figure over the one it must reach, median against median,",
            "and whether it does; `-`: a path missing at that size.", ""] + ratios
    if syscalls_path:
        out += ["", "## System calls per buffer", "",
                "`tests/bench/syscalls` (strace in the same guest, 1200 blocks of 4 KiB",
                "against 200, the difference per block; the drivers in free run). A guest",
                "test runs it with `--check`: the dma-buf paths within raw + 1.3 calls by",
                "default, raw + 1 with `check-transfers=false`, raw + 3.2 reading the",
                "timestamp channel (its DMA_BUF_IOCTL_SYNC pair).", "",
                "What a checked transfer costs, and why no less: the enqueue ioctl returns",
                "no fence, and a dma-buf stops yielding its fence once it has signalled, so",
                "the fence is exported as a sync_file right after the enqueue (one call);",
                "its status is one SYNC_IOC_FILE_INFO, which also gives the completion time",
                "the loss accounting and the clock use. poll() on a sync_file or a dma-buf",
                "tells signalled, never failed, and merging sync_files drops the status of",
                "signalled fences, so neither call can be shared between buffers. A device",
                "ahead of its reader needs no poll: the status read replaces it (raw + 1),",
                "a reader that waits polls the sync_file (raw + 2). The sync_files' closes",
                "are batched, one close_range() per run of consecutive fd numbers of up to",
                "64 of them (about 0.03 calls per buffer); the rest above the budget's",
                "whole call is GStreamer's own (a futex or an eventfd wake-up every few",
                "dozen buffers), as in the `check-transfers=false` rows.", "",
                "| path | calls per buffer | budget | the busiest |", "| --- | --- | --- | --- |"]
        counts = {}
        for line in open(syscalls_path):
            m = re.match(r"(?:not )?ok \d+ - (.*?): ([\d.]+) system calls per buffer(?:, budget ([\d.]+))?: \((.*)\)", line)
            if m:
                out.append(f"| {m.group(1)} | {m.group(2)} | {m.group(3) or ''} | {m.group(4)} |")
                counts[m.group(1)] = float(m.group(2))
        # The target: the checked dma-buf path at most one call over the
        # raw loop, for capture and for playback.
        verdicts = []
        for what in ("capture", "playback"):
            raw = counts.get(f"{what}: limit (raw ioctl loop)")
            el = counts.get(f"{what}: {'iiodmabufsrc' if what == 'capture' else 'iiodmabufsink'} io-mode=dmabuf")
            if raw is None or el is None:
                verdicts.append(f"{what}: not measured")
                continue
            over = el - raw
            verdicts.append(f"{what} {el:.2f} - {raw:.2f} = {over:.2f}: "
                            + ("met" if over <= 1.05 else f"NOT met, by {over - 1:.2f}"))
        out += ["", "Target, the default dma-buf path within the raw loop's count + 1: "
                + "; ".join(verdicts) + "."]
    out += ["", "![throughput and CPU per GiB](benchmarks.png)", ""]
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
    print(main(*sys.argv[1:6]), file=sys.stderr)
