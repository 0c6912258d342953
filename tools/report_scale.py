"""How long writing a report takes for a large run: N comparisons (1 % regressions, 1 %
improvements, each with per-process samples for the plots), timed per format.

    PYTHONPATH=. python tools/report_scale.py [N ...] [--repeat 3]

Prints min / median / max seconds over the repeats and the size of each file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfkit.model import Report, Severity, Verdict  # noqa: E402
from perfkit.report import get, write_report  # noqa: E402
from tests.unit.report.sample import comparison, evidence, fixed_report, measurement  # noqa: E402


def large_report(n: int) -> tuple[Report, dict]:
    comps, samples = [], {}
    for i in range(n):
        name = f"suite{i % 7}.Class{i % 97}.time_case_{i:06d}(size={i % 13})"
        if i % 100 == 0:
            comps.append(
                comparison(name, Verdict.REGRESSION, evidence(1.12), severity=Severity.MAJOR)
            )
            samples[name] = (measurement(name, 1.0, runs=8), measurement(name, 1.12, runs=8))
        elif i % 100 == 1:
            comps.append(comparison(name, Verdict.IMPROVEMENT, evidence(0.9)))
            samples[name] = (measurement(name, 1.0, runs=8), measurement(name, 0.9, runs=8))
        else:
            comps.append(
                comparison(name, Verdict.UNCHANGED, evidence(1.0 + (i % 9 - 4) / 1000, p=0.7))
            )
    base = fixed_report()
    return Report(
        base.generated_at, "base", "head", tuple(comps), base.gate, base.environment_info
    ), samples


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for n in args.sizes:
        report, samples = large_report(n)
        times: dict[str, list[float]] = {"json": [], "markdown": [], "html": [], "write_report": []}
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                for fmt in ("json", "markdown", "html"):
                    start = time.perf_counter()
                    get(fmt).render(report, samples)
                    times[fmt].append(time.perf_counter() - start)
                start = time.perf_counter()
                paths = write_report(report, Path(tmp), samples)
                times["write_report"].append(time.perf_counter() - start)
            sizes = ", ".join(
                f"{name} {p.stat().st_size / 1e6:.2f} MB" for name, p in paths.items()
            )
        print(f"{n} comparisons ({len(samples)} with samples): {sizes}")
        for fmt, values in times.items():
            print(f"  {fmt:<13} min/median/max {spread(values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
