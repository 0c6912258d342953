"""What per-side environments cost: cold build, per-commit build, warm re-run, fast path.

For a repository (this one by default, or a fixture project with --fixture LAYOUT), time
whole ``perfkit run --base BASE --head HEAD`` commands:

* cold: no environment yet (``perfkit envs clean`` first): environment + both builds + rounds;
* new head: the merge base's environment kept, a head commit not built before;
* warm: the same command again (nothing to build);
* same-python: the explicit fast path (no environments), the way perfkit measured before.

    PYTHONPATH=. python tools/sides_cost.py --repeats 3                # this repository
    PYTHONPATH=. python tools/sides_cost.py --fixture src --repeats 3  # a src-layout fixture

Prints min / median / max seconds per case. The protocol is cut to one round of one
benchmark (``--bench``, ``--rounds``) so the figure is the side cost, not the measuring.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def perfkit(repo: Path, *args: str) -> float:
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "perfkit", *args], cwd=repo, capture_output=True, text=True
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"perfkit {' '.join(args)} exited {proc.returncode}: {proc.stderr[-800:]}")
    return time.monotonic() - t0


def fixture(layout: str, where: Path) -> tuple[Path, str, str, str]:
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from projects import make_project

    repo = make_project(where / layout, layout)
    return repo, "base", "slow", "same"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--fixture", choices=["flat", "src", "subdir", "cext"], help="measure a fixture project"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bench", default=r"^sync\.BlockProcessingRate\.time_validate_chain$")
    parser.add_argument("--rounds", default="1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfkit-sides-cost-") as tmp:
        if args.fixture:
            repo, base, head, other_head = fixture(args.fixture, Path(tmp))
            bench = "time_work"
        else:
            repo, base, head, other_head, bench = ROOT, "HEAD~1", "HEAD", "HEAD~2", args.bench
        run = [
            "run",
            "--bench",
            bench,
            "--rounds",
            args.rounds,
            "--extra-rounds",
            "0",
            "--out",
            f"{tmp}/out",
        ]
        cases: dict[str, list[float]] = {"cold": [], "new head": [], "warm": [], "same-python": []}
        for _ in range(args.repeats):
            perfkit(repo, "envs", "clean")
            cases["cold"].append(perfkit(repo, *run, "--base", base, "--head", other_head))
            cases["new head"].append(perfkit(repo, *run, "--base", base, "--head", head))
            cases["warm"].append(perfkit(repo, *run, "--base", base, "--head", head))
            cases["same-python"].append(
                perfkit(repo, *run, "--same-python", "--base", base, "--head", head)
            )
        print(
            f"{'case':<12} {'min':>7} {'median':>7} {'max':>7}  (seconds, {args.repeats} repeats, {repo})"
        )
        for name, values in cases.items():
            print(
                f"{name:<12} {min(values):7.1f} {statistics.median(values):7.1f} {max(values):7.1f}"
            )


if __name__ == "__main__":
    main()
