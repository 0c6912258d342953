"""CPU per measuring round: asv's default launch (spawn, up to 5 samples, 0.1 s warm-up)
vs perfkit's (forkserver, its default samples, asv's warm-up), perfkit's without warm-up
and perfkit's with 5 samples per process, on the 12-body suite of tools/detection_eval.py.

    python tools/launch_cost.py --repeats 3

Each round is one real `asv run` of all 12 benchmarks in the current Python; the figure
is the user+sys CPU time of everything it started. Rounds of the two kinds alternate so
drift of this shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import detection_eval  # noqa: E402

from perfkit import asvrun  # noqa: E402
from perfkit.measure.protocol import Protocol  # noqa: E402

P = Protocol()
WARM = "asv's 0.1 s" if P.warmup < 0 else f"{P.warmup:g} s"
KINDS = {
    "asv default (spawn, repeat (1,5,10.0), warm-up 0.1 s)": ("spawn", "(1,5,10.0)", -1.0),
    f"perfkit ({P.launch}, repeat {P.repeat}, warm-up {WARM})": (P.launch, P.repeat, P.warmup),
    f"perfkit without warm-up ({P.launch}, repeat {P.repeat}, --warmup 0)": (
        P.launch,
        P.repeat,
        0.0,
    ),
    # asv re-runs a benchmark's setup before every sample (one call per sample when
    # there is a setup), so samples are not free
    f"perfkit with 5 samples ({P.launch}, repeat 5, warm-up {WARM})": (P.launch, 5, P.warmup),
}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cpu: dict[str, list[float]] = {k: [] for k in KINDS}
    with tempfile.TemporaryDirectory(prefix="perfkit-launch-") as tmp:
        repo = Path(tmp) / "repo"
        (commit,) = detection_eval.make_repo(repo, [1.0])
        asvrun.run_round(repo, commit, Path(tmp) / "warm-up", repeat=1)  # numba's cache
        for k in range(args.repeats):
            for i, (label, (launch, repeat, warmup)) in enumerate(KINDS.items()):
                c0 = detection_eval.children_cpu()
                asvrun.run_round(
                    repo,
                    commit,
                    Path(tmp) / f"{k}-{i}",
                    repeat=repeat,
                    launch=launch,
                    warmup=warmup,
                )
                cpu[label].append(detection_eval.children_cpu() - c0)
    for label, xs in cpu.items():
        print(
            f"{label}: median {statistics.median(xs):.1f} s CPU per round of 12 benchmarks "
            f"({' / '.join(f'{x:.1f}' for x in xs)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
