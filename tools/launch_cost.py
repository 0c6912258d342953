"""CPU per measuring round: asv's default launch (spawn, up to 5 samples, 0.1 s warm-up)
vs perfkit's (forkserver, its default samples, asv's warm-up, numba set up once in the
forkserver), perfkit's without that preload, without warm-up and with 5 samples per
process, on the 12-body suite of tools/detection_eval.py.

    python tools/launch_cost.py --repeats 3
    python tools/launch_cost.py --repeats 5 --kinds 0,1,2   # asv, perfkit, no preload

Each round is one real `asv run` of all 12 benchmarks in the current Python; the figure
is the user+sys CPU time of everything it started. Rounds of the two kinds alternate so
drift of this shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import detection_eval  # noqa: E402

from perfkit.measure import asvrun  # noqa: E402
from perfkit.measure.protocol import Protocol  # noqa: E402

P = Protocol()
WARM = "asv's 0.1 s" if P.warmup < 0 else f"{P.warmup:g} s"
PRE = "numba preloaded" if P.preload else "no preload"
KINDS = {
    "asv default (spawn, repeat (1,5,10.0), warm-up 0.1 s)": ("spawn", "(1,5,10.0)", -1.0, False),
    f"perfkit ({P.launch}, repeat {P.repeat}, warm-up {WARM}, {PRE})": (
        P.launch,
        P.repeat,
        P.warmup,
        P.preload,
    ),
    # numba's compiler set up in every forked process, as before 2026-12-07
    f"perfkit without the preload ({P.launch}, repeat {P.repeat}, warm-up {WARM})": (
        P.launch,
        P.repeat,
        P.warmup,
        False,
    ),
    f"perfkit without warm-up ({P.launch}, repeat {P.repeat}, --warmup 0, {PRE})": (
        P.launch,
        P.repeat,
        0.0,
        P.preload,
    ),
    # asv re-runs a benchmark's setup before every sample (one call per sample when
    # there is a setup), so samples are not free
    f"perfkit with 5 samples ({P.launch}, repeat 5, warm-up {WARM}, {PRE})": (
        P.launch,
        5,
        P.warmup,
        P.preload,
    ),
}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--kinds", default="", help="comma-separated indexes of the kinds to run (default: all)"
    )
    args = ap.parse_args()
    picked = {int(i) for i in args.kinds.split(",") if i.strip()} or set(range(len(KINDS)))
    kinds = {k: v for i, (k, v) in enumerate(KINDS.items()) if i in picked}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    load: list[float] = []
    with tempfile.TemporaryDirectory(prefix="perfkit-launch-") as tmp:
        repo = Path(tmp) / "repo"
        (commit,) = detection_eval.make_repo(repo, [1.0])
        asvrun.run_round(repo, commit, Path(tmp) / "warm-up", repeat=1)  # numba's cache
        for k in range(args.repeats):
            for i, (label, (launch, repeat, warmup, preload)) in enumerate(kinds.items()):
                load.append(os.getloadavg()[0])
                c0 = detection_eval.children_cpu()
                asvrun.run_round(
                    repo,
                    commit,
                    Path(tmp) / f"{k}-{i}",
                    repeat=repeat,
                    launch=launch,
                    warmup=warmup,
                    preload=preload,
                )
                cpu[label].append(detection_eval.children_cpu() - c0)
    for label, xs in cpu.items():
        print(
            f"{label}: median {statistics.median(xs):.1f} s CPU per round of 12 benchmarks "
            f"({' / '.join(f'{x:.1f}' for x in xs)})"
        )
    print(f"load average (1 min) before the rounds: {min(load):.2f}-{max(load):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
