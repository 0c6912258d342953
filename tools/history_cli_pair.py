"""``perfkit history`` of two checkouts, paired round by round against the detector.

Usage (from a neutral directory, so that ``PYTHONPATH`` chooses the code):
    cd /tmp && PYTHONPATH=/path/to/a python /path/to/a/tools/history_cli_pair.py \\
        --rounds 10 before=/path/to/b after=/path/to/a

On a shared machine the load moves from one minute to the next, so two runs of
``tools/history_cli_scale.py`` made one after the other compare the minutes more than the
code. Here every round runs, for each checkout in turn (the order alternating from round
to round): the detector in this process (``detect_many`` on the same 1,000 x 1,000 values,
as ``history_cli_scale.py`` times it, with the code of this process's ``PYTHONPATH``), then
``perfkit history --csv FILE --format json --out DIR`` of that checkout as a fresh process,
then (``--own``) the checkout's own single-core cost (``history_cli_scale.py --own-child``:
main-thread CPU outside the kernel call). Each CLI run is divided by the detector run just
before it. Prints, per checkout, the CLI's min / median / max, the median of the per-round
ratios (and their range) and of the own cost; the CSV is ``history_cli_scale.py``'s
(written there first if missing). perfkit's ``.pyc`` files are written first in each
checkout, as in ``history_cli_scale.py``.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    sys.path.insert(0, str(TOOLS))
    from changepoint_scale import make_inputs

    from perfkit.history.changepoint import SeriesInput, detect_many

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs=2, help="NAME=PATH of each checkout")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--own", action="store_true", help="also the own cost, each round")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/history-scale"))
    args = parser.parse_args(argv)
    codes = dict(c.split("=", 1) for c in args.checkouts)
    values = np.vstack([np.asarray(i.values) for i in make_inputs(1000, 1000, 1)])
    csv = args.dir / "series.csv"
    if not csv.exists():  # the same file as history_cli_scale.py's
        import pandas as pd

        args.dir.mkdir(parents=True, exist_ok=True)
        wide = pd.DataFrame(values.T, columns=[f"suite{i % 10}.bench_{i}" for i in range(1000)])
        wide.insert(0, "commit", [f"{i:040x}" for i in range(1000)])
        wide.to_csv(csv, index=False)
    for path in codes.values():
        compileall.compile_dir(str(Path(path) / "perfkit"), quiet=1)
    plain = [SeriesInput(row) for row in values]
    detect_many(plain[:1])
    cwd = args.dir / "cwd"  # no module of the current directory shadows perfkit's imports
    cwd.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in codes}
    load = os.getloadavg()[0]
    for r in range(args.rounds):
        order = list(codes.items())
        for name, path in order if r % 2 == 0 else order[::-1]:
            env = {**os.environ, "PYTHONPATH": path}
            start = time.perf_counter()
            detect_many(plain)
            det = time.perf_counter() - start
            cmd = [sys.executable, "-m", "perfkit", "history", "--csv", str(csv)]
            cmd += ["--format", "json", "--out", str(args.dir / f"out-{name}")]
            start = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
            cli = time.perf_counter() - start
            own = float("nan")
            if args.own:
                child = [sys.executable, str(TOOLS / "history_cli_scale.py"), "--own-child"]
                child += [str(csv), str(args.dir / f"out-{name}")]
                done = subprocess.run(child, env=env, cwd=cwd, check=True, capture_output=True)
                own = float(done.stdout.decode().strip().splitlines()[-1].split()[1])
            runs[name].append((cli, det, own))
        print(
            f"round {r}: "
            + "  ".join(
                f"{n} CLI {v[-1][0]:.2f} s / detector {v[-1][1]:.2f} s" for n, v in runs.items()
            )
            + f"  (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    dets = [d for v in runs.values() for _, d, _ in v]
    print(f"detector: min {min(dets):.2f} s, median {statistics.median(dets):.2f} s")
    for name, v in runs.items():
        clis = [c for c, _, _ in v]
        ratios = sorted(c / d for c, d, _ in v)
        line = (
            f"{name}: CLI min {min(clis):.2f} s, median {statistics.median(clis):.2f} s, max "
            f"{max(clis):.2f} s; CLI / detector per round: median {statistics.median(ratios):.2f}"
            f" ({ratios[0]:.2f}-{ratios[-1]:.2f})"
        )
        if args.own:
            line += f"; own cost median {statistics.median(o for _, _, o in v):.2f} s"
        print(line)
    print(f"load average (1 min): {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
