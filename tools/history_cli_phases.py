"""Where a ``perfkit history --csv`` run spends its wall time: a timeline of its phases.

Usage (from a directory without a ``perfkit`` folder, so that PYTHONPATH chooses the code):
    cd /tmp && PYTHONPATH=<checkout> python <checkout>/tools/history_cli_phases.py \
        [--csv /tmp/history-scale/series.csv] [--runs 3]

Runs the CLI command ``history --csv FILE --format json`` ``--runs`` times, each in a fresh
process (as the console script: it exits right after the command), and prints for each
when (seconds from the process's first line of Python) and for how long (wall, and CPU of
the main thread) the phases ran: the imports before the command, the command's own imports
(numba among them), loading the cached kernels, waiting for the CSV parse thread, building
the table, the analysis (and the kernel call inside it), writing history.json and the
summary; and the CSV parse in its thread (its wall and that thread's CPU: the main thread
waits for it only if it ends after the kernels are loaded). The kernel's time is what
``tools/history_cli_scale.py`` calls the detector's; the rest is the CLI's own cost. Write the CSV first with ``tools/history_cli_scale.py`` (its
default ``--dir``). perfkit's .pyc files are written first, as an installation has them.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import time
from pathlib import Path


def child(csv: str, out: str) -> None:
    start = time.perf_counter()
    marks: list[tuple[str, float, float, float]] = []  # (phase, at, wall, main-thread CPU)

    def mark(label: str) -> None:
        marks.append((label, time.perf_counter() - start, 0.0, time.thread_time()))

    def timed(module, name: str) -> None:
        func = getattr(module, name)

        def wrapper(*args, **kwargs):
            t, c = time.perf_counter(), time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - t, time.thread_time() - c
                marks.append((name, t - start, wall, cpu))

        setattr(module, name, wrapper)

    import perfkit.cli as cli
    import perfkit.cli.history as command

    mark("command module imported")
    timed(command.seriesfile, "parse_plain_csv")  # in the parse thread (its CPU, not main's)
    read = command._read

    def read_timed(*args, **kwargs):  # the command has imported series and report by now
        mark("command's imports done")
        from perfkit.history import changepoint, report, series, seriesfile

        timed(changepoint, "load_kernels")
        timed(changepoint, "detect_many")
        timed(seriesfile, "read_csv_table")
        timed(series, "analyse")
        timed(report, "write")
        return read(*args, **kwargs)

    command._read = read_timed
    timed(command, "_summary")
    cli.QUICK_EXIT = True
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the process ends with os._exit
    code = cli.main(["-q", "history", "--csv", csv, "--format", "json", "--out", out])
    mark("end")
    for label, at, wall, cpu in sorted(marks, key=lambda m: m[1]):
        took = (
            f"  {wall:6.3f} s wall {cpu:6.3f} s CPU" if wall else f"  (main-thread CPU {cpu:.3f} s)"
        )
        print(f"{at:6.3f}  {label:<26}{took}", file=sys.stderr)
    os._exit(code)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=Path("/tmp/history-scale/series.csv"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/history-scale/out-phases"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"{args.csv}: write it first with tools/history_cli_scale.py", file=sys.stderr)
        return 2
    import perfkit

    compileall.compile_dir(str(Path(perfkit.__file__).parent), quiet=1)
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for run in range(args.runs):
        print(f"run {run + 1} (seconds from the process's first line of Python):", flush=True)
        cmd = [sys.executable, __file__, "--child", str(args.csv), str(args.out)]
        subprocess.run(cmd, check=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
