#!/usr/bin/env python3
"""Writes the section "Over the network" of docs/benchmarks.md from the
lines of tests/bench/guest-network (path,rep,MiB/s,CPU s/GiB,bytes sent,
bytes played): medians over the repetitions, and each path's CPU per GiB
against the local zero-copy path's. Replaces the section if the file has
it, else puts it before "## Targets" (or at the end)."""
import csv
import statistics
import sys
from collections import defaultdict

HEADING = "## Over the network: RTP beside the local ADC -> DAC path"


def section(csv_path, rate, date):
    rows = defaultdict(list)
    order = []
    with open(csv_path) as f:
        for path, _rep, mib, cpu, sent, played in csv.reader(f):
            if path not in order:
                order.append(path)
            rows[path].append((float(mib), float(cpu), int(sent), int(played)))
    if not order:
        sys.exit("network-report: no measurement in " + csv_path)
    base = statistics.median(r[1] for r in rows[order[0]])
    out = [HEADING, "",
           f"The ADC paced at {rate} samples/s (2 x 16 bit), the DAC running freely,",
           "20 s of 16 KiB blocks per run; the same rate for every path, so that the",
           "network path keeps up and what differs is the CPU. CPU is user + system",
           "time of every process of the path, for the run less a run of one buffer",
           "(the processes' start and end left out), per GiB the DAC played. RTP:",
           "`iiodmabufsrc ! audioconvert ! rtpL16pay ! udpsink` in one process,",
           "`udpsrc ! rtpL16depay ! audioconvert ! iiodmabufsink` in another, over",
           "loopback (packets of 1400 bytes: two byte swaps, a payloader's copy and",
           "a system call per packet each way). At this rate the local paths use",
           "little CPU, and under TCG their figures vary up to 2x from run to run",
           "(min - max): read the RTP row against them by its order of magnitude.",
           "Medians of",
           f"{len(rows[order[0]])} runs; {date}; command: `tests/bench/network`.",
           "",
           "| path | MiB/s | CPU s/GiB (min - max) | CPU / zero-copy | bytes played / sent |",
           "| --- | --- | --- | --- | --- |"]
    for path in order:
        r = rows[path]
        cpu = statistics.median(x[1] for x in r)
        mib = statistics.median(x[0] for x in r)
        got = min(x[3] / x[2] for x in r)
        lo, hi = min(x[1] for x in r), max(x[1] for x in r)
        out.append(f"| {path} | {mib:.2f} | {cpu:.1f} ({lo:.1f} - {hi:.1f}) "
                   f"| {cpu / base:.1f} | {got:.3f} |")
    return "\n".join(out) + "\n\n"


def main(csv_path, md_path, rate, date):
    new = section(csv_path, rate, date)
    text = open(md_path).read()
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        end = len(text) if end < 0 else end + 1
        text = text[:start] + new + text[end:]
    elif "## Targets" in text:
        text = text.replace("## Targets", new + "## Targets", 1)
    else:
        text += "\n" + new
    open(md_path, "w").write(text)
    print(new, end="")


if __name__ == "__main__":
    main(*sys.argv[1:5])
