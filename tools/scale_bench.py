"""Analysis speed at scale, with min / median / max over repeats:

* loading an asv results directory of 22,000 benchmarks (10 samples each, some
  parameterised) and comparing it with another (the issue's bar: seconds);
* comparing 10,000 benchmarks x 40 samples (8 processes x 5) against a baseline
  (bar: under 5 s on 2 cores).

    python tools/scale_bench.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfkit.ingest.asv import load_results  # noqa: E402
from perfkit.model import BenchmarkKind, Measurement  # noqa: E402
from perfkit.verdict.score import gate  # noqa: E402
from perfkit.verdict.stats import compare  # noqa: E402


def write_asv_results(root: Path, commit: str, n: int, rng: np.random.Generator) -> None:
    """An asv results dir: n benchmarks, every tenth with a 2-value parameter."""
    machine = root / "m"
    machine.mkdir(parents=True, exist_ok=True)
    (machine / "machine.json").write_text(json.dumps({"machine": "m", "version": 1}))
    cols = ["result", "params", "version", "started_at", "duration", "samples"]
    results, meta = {}, {}
    for i in range(n):
        name = f"suite.B{i // 100}.time_b{i}"
        params = [["1", "2"]] if i % 10 == 0 else []
        k = 2 if params else 1
        samples = [list(rng.lognormal(-5, 0.05, 10)) for _ in range(k)]
        result = [float(np.median(s)) for s in samples]
        results[name] = [
            result if params else result[0],
            params,
            "v1",
            1_700_000_000_000,
            1.0,
            samples if params else samples,
        ]
        meta[name] = {
            "name": name,
            "type": "time",
            "unit": "seconds",
            "params": params,
            "param_names": ["n"] if params else [],
            "rounds": 2,
            "version": "v1",
        }
    (machine / f"{commit[:8]}-env.json").write_text(
        json.dumps(
            {
                "commit_hash": commit,
                "env_name": "env",
                "date": 0,
                "params": {"machine": "m"},
                "python": "3.11",
                "requirements": {},
                "env_vars": {},
                "result_columns": cols,
                "results": results,
                "durations": {},
                "version": 2,
            }
        )
    )
    (root / "benchmarks.json").write_text(json.dumps(meta))


def spread(label: str, times: list[float]) -> None:
    print(
        f"{label:58} min {min(times):6.2f} s  median {statistics.median(times):6.2f} s  max {max(times):6.2f} s"
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=5)
    repeats = ap.parse_args().repeats
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        write_asv_results(a, "a" * 40, 22_000, rng)
        write_asv_results(b, "b" * 40, 22_000, rng)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            base, head = load_results(a), load_results(b)
            gate(compare(base, head))
            times.append(time.perf_counter() - start)
        spread(f"asv results, {len(base):,} benchmarks x 2 sides: load + compare", times)

    def side(seed: int, session: str | None) -> list[Measurement]:
        r = np.random.default_rng(seed)
        values = r.lognormal(-5, 0.03, (10_000, 8, 5))
        return [
            Measurement(
                name=f"b{i}",
                benchmark=f"b{i}",
                kind=BenchmarkKind.TIME,
                unit="seconds",
                runs=tuple(tuple(run) for run in values[i]),
                runs_known=True,
                session=session,
            )
            for i in range(10_000)
        ]

    for session, how in ((None, "vs a stored baseline"), ("s", "one interleaved session (paired)")):
        base, head = side(1, session), side(2, session)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            gate(compare(base, head))
            times.append(time.perf_counter() - start)
        spread(f"compare 10,000 benchmarks x 40 samples (8 processes x 5), {how}", times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
