"""``perfkit history`` end to end against the detector alone, on many series x commits.

Usage:
    PYTHONPATH=. python tools/history_cli_scale.py [--series 1000] [--commits 1000]
        [--repeats 3] [--seed 1] [--dir /tmp/history-scale]

Writes the series of ``tools/changepoint_scale.py`` (same generator and seed) as one CSV
(rows = commits, one column per series), then, ``--repeats`` times each:

* the detector alone: ``perfkit.history.changepoint.detect_many`` on the same values, in this
  process after one warm-up call (so no compilation or cache loading is counted);
* the CLI: ``perfkit history --csv FILE --format json --out DIR`` as a fresh process
  (interpreter start, imports, loading the cached kernels, reading the CSV, analysis,
  history.json), wall time and the process's peak RSS (``ru_maxrss`` of the child).

The two alternate (detector, CLI, detector, CLI, ...) so that a change in the machine's
load hits both alike. Prints min / median / max of each, the CLI / detector ratio of the
medians, and the same for CPU time (all threads: the detector's ``process_time`` in this
process, the CLI child's user + system time), which a busy machine disturbs less than wall
time; and the load average before and after.

``--own N`` also runs the same command N times in a child that times its main thread
(``time.thread_time``, user + system) from the interpreter's start to the end of the
command, less its time inside the kernel calls ``segment_many`` (the parallel part, where
the main thread is one of the workers): the CLI's own single-core cost, which must stay
below the detector's wall time for the CLI to be within 2x of it on an idle machine
(where the kernel runs on every core). A busy machine disturbs it much less than wall time.
A call that loads the kernel from numba's cache counts as own cost, as the loading is
(before 2026-12-07, h2, it was left out: earlier own costs lack numba's first call).

perfkit's ``.pyc`` files are written first (``compileall``), as a pip installation has them:
with ``PYTHONDONTWRITEBYTECODE=1`` set (as in some shells and CI images) a checkout's modules
are otherwise compiled from source in every process, 0.04-0.05 s of the CLI's time that an
installed perfkit does not spend. ``--no-compile`` measures without them.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent


def own_child(csv: str, out: str) -> None:
    """The CLI command in this process, its main-thread CPU outside the kernel printed."""
    import perfkit.cli as cli

    inside = [0.0]
    load = cli.load

    def load_timed(spec: str):
        command = load(spec)
        changepoint = importlib.import_module("perfkit.history.changepoint")
        kernels = changepoint.rs

        class Timed:  # the kernels module, with segment_many's main-thread time counted
            def __getattr__(self, name: str):
                return getattr(kernels, name)

            @staticmethod
            def segment_many(*args):
                if not kernels.segment_many.overloads:  # this call loads the kernel: own cost
                    return kernels.segment_many(*args)
                start = time.thread_time()
                try:
                    return kernels.segment_many(*args)
                finally:
                    inside[0] += time.thread_time() - start

        changepoint.rs = Timed()
        return command

    cli.load = load_timed
    cli.QUICK_EXIT = True  # as in the console script (``entry``), which exits right after
    code = cli.main(["-q", "history", "--csv", csv, "--format", "json", "--out", out])
    total = time.thread_time()
    print(f"own {total - inside[0]:.4f} total {total:.4f}", flush=True)
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--own-child"]:  # before the imports below
        own_child(sys.argv[2], sys.argv[3])
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(TOOLS))
    from changepoint_scale import make_inputs

    from perfkit.history.changepoint import SeriesInput, detect_many

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/history-scale"))
    parser.add_argument("--own", type=int, default=0, help="runs of the own-cost child")
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help="do not write perfkit's .pyc files first (measure what a process that compiles "
        "perfkit's sources on every start pays, e.g. with PYTHONDONTWRITEBYTECODE=1)",
    )
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    import perfkit

    package = Path(perfkit.__file__).parent
    if not args.no_compile:  # as installed (pip writes them): no source compiled per run
        compileall.compile_dir(str(package), quiet=1)
    print(f"perfkit from {package} ({'sources' if args.no_compile else 'with .pyc files'})")
    inputs = make_inputs(args.series, args.commits, args.seed)
    values = np.vstack([np.asarray(i.values) for i in inputs])
    csv = args.dir / "series.csv"
    wide = pd.DataFrame(values.T, columns=[f"suite{i % 10}.bench_{i}" for i in range(args.series)])
    wide.insert(0, "commit", [f"{i:040x}" for i in range(args.commits)])
    wide.to_csv(csv, index=False)
    plain = [SeriesInput(row) for row in values]  # what the CSV carries: values only
    detect_many(plain[:1])
    det, det_cpu, cli, cli_cpu, rss = [], [], [], [], []
    load_before = os.getloadavg()[0]
    cmd = [
        sys.executable,
        "-m",
        "perfkit",
        "history",
        "--csv",
        str(csv),
        "--format",
        "json",
        "--out",
        str(args.dir / "out"),
    ]
    for _ in range(args.repeats):
        start, cpu = time.perf_counter(), time.process_time()
        detect_many(plain)
        det.append(time.perf_counter() - start)
        det_cpu.append(time.process_time() - cpu)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
        cli.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        rss.append(max(before.ru_maxrss, after.ru_maxrss) / 1024)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
    print(f"{args.series} series x {args.commits} commits ({args.repeats} repeats, alternating)")
    rows = (("detector", det), ("CLI", cli), ("detector CPU", det_cpu), ("CLI CPU", cli_cpu))
    for label, xs in rows:
        print(
            f"{label:>12}: min {min(xs):.2f} s, median {statistics.median(xs):.2f} s, "
            f"max {max(xs):.2f} s"
        )
    print(f"CLI / detector (medians): {statistics.median(cli) / statistics.median(det):.2f}")
    ratios = sorted(c / d for c, d in zip(cli, det, strict=True))
    print(f"CLI / detector, each repeat (sorted): {', '.join(f'{r:.2f}' for r in ratios)}")
    cpu_ratio = statistics.median(cli_cpu) / statistics.median(det_cpu)
    print(f"CLI / detector CPU time (medians): {cpu_ratio:.2f}")
    print(f"CLI peak RSS: {max(rss):.0f} MiB")
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print("last CLI run, stderr:\n" + proc.stderr)
    own = []
    for _ in range(args.own):
        child = [sys.executable, __file__, "--own-child", str(csv), str(args.dir / "out")]
        done = subprocess.run(child, capture_output=True, text=True, check=True)
        own.append(float(done.stdout.strip().splitlines()[-1].split()[1]))
    if own:
        print(
            f"CLI main-thread CPU outside the kernel ({len(own)} runs): min {min(own):.2f} s, "
            f"median {statistics.median(own):.2f} s, max {max(own):.2f} s; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
