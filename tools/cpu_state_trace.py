"""How the CPU's speed state moves: a fixed pure-Python loop timed back to back on each CPU
at once (one pinned process per CPU), as a timeline of 100 ms bins.

    python tools/cpu_state_trace.py [--seconds 8]

Each bin prints '#' when most of its loops ran 1.4x or more slower than the CPU's fast
level (its 5th percentile), '+' when some did, '.' when none did. On a shared host's vCPU
the slow state comes and goes every 0.1-2 s, on each CPU on its own; the loops' ratio
histogram shows how far apart the two states lie, and a C loop (sha1) timed right after
each one how much less the slow state costs C code. perfkit's calibration loop
(perfkit/measure/preload.py) reads the same state around every sample
(docs/statistics.md "The CPU's state, read").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

LOOP = """
import hashlib, json, sys, time
def loop():
    s = 0
    for i in range(8_000):
        s += i * i
BLOCK = b"x" * 4096
def c_code():
    for _ in range(40):
        hashlib.sha1(BLOCK).digest()
end = time.perf_counter() + float(sys.argv[1])
out = []
while True:
    t = time.perf_counter()
    if t > end:
        break
    loop()
    u = time.perf_counter()
    c_code()
    out.append((t, u - t, time.perf_counter() - u))
print(json.dumps(out))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    procs = [
        subprocess.Popen(
            ["taskset", "-c", str(cpu), sys.executable, "-c", LOOP, str(args.seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for cpu in cpus
    ]
    traces = [np.array(json.loads(p.communicate()[0])) for p in procs]
    start = min(t[0, 0] for t in traces)
    bins = int(args.seconds / 0.1)
    print(f"{time.strftime('%H:%M:%S')} UTC, {len(cpus)} CPUs, 100 ms a character")
    for cpu, trace in zip(cpus, traces, strict=True):
        ratio = trace[:, 1] / np.percentile(trace[:, 1], 5)
        slow = ratio >= 1.4
        where = ((trace[:, 0] - start) / 0.1).astype(int)
        line = ""
        for k in range(bins):
            share = slow[where == k].mean() if (where == k).any() else 0.0
            line += "#" if share > 0.5 else "+" if share > 0 else "."
        edges = [1.0, 1.15, 1.3, 1.5, 1.7, 2.0, 2.5, np.inf]
        counts = np.histogram(ratio, bins=edges)[0] / len(ratio) * 100
        shares = ", ".join(
            f"{a:g}-{b:g}x {c:.0f} %" for a, b, c in zip(edges, edges[1:], counts, strict=False)
        )
        # the same state seen by C code (sha1 of 4 kB) timed right after each loop
        c_ratio = trace[:, 2] / np.percentile(trace[:, 2], 5)
        print(f"cpu {cpu}: {line}")
        print(
            f"  fast level {np.percentile(trace[:, 1], 5) * 1e3:.3f} ms; loops by ratio: {shares}"
        )
        print(
            f"  sha1 right after a loop: x{np.median(c_ratio[~slow]):.2f} after a fast loop, "
            f"x{np.median(c_ratio[slow]):.2f} after a slow one (median over its fast level)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
