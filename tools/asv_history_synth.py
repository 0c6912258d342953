"""A synthetic asv results directory the size of a large real history, for timing reads.

Usage:
    PYTHONPATH=. python tools/asv_history_synth.py [--commits 1100] [--machines 4]
        [--benchmarks 40] [--seed 1] [--dir /tmp/asv-synth]

Writes ``DIR/results/<machine>/<commit8>-<env>.json`` in asv result format 2 (one file per
commit and machine; ``--commits`` x ``--machines`` files, 4,400 by default, like the
4,340-file django-asv history of issue 17), ``machine.json`` per machine,
``results/benchmarks.json`` and ``DIR/order.txt`` (full hashes, oldest first, for
``perfkit history --order-from``). Benchmarks are ``time_`` (10 samples each, as with
``asv run --record-samples``), ``peakmem_`` and ``track_``; every fourth is parameterised
(2 x 3 values), so a file holds about 60 results. Values are log-normal noise around a level
per benchmark. The output is for measuring, not for committing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

COLUMNS = [
    "result",
    "params",
    "version",
    "started_at",
    "duration",
    "stats_ci_99_a",
    "stats_ci_99_b",
    "stats_q_25",
    "stats_q_75",
    "stats_number",
    "stats_repeat",
    "samples",
    "profile",
]


def benchmarks(count: int) -> dict:
    out = {}
    for i in range(count):
        kind = ("time", "time", "peakmemory", "track")[i % 4]
        prefix = {"time": "time_", "peakmemory": "peakmem_", "track": "track_"}[kind]
        name = f"suite{i % 8}.Bench{i // 8}.{prefix}case{i}"
        params = [["'a'", "'b'"], ["1", "10", "100"]] if i % 4 == 1 else []
        out[name] = {
            "name": name,
            "type": kind,
            "unit": {"time": "seconds", "peakmemory": "bytes", "track": "unit"}[kind],
            "params": params,
            "param_names": ["mode", "size"] if params else [],
            "version": hashlib.sha256(name.encode()).hexdigest(),
            "rounds": 2,
            "repeat": 0,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1100)
    parser.add_argument("--machines", type=int, default=4)
    parser.add_argument("--benchmarks", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/asv-synth"))
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    results = args.dir / "results"
    results.mkdir(parents=True, exist_ok=True)
    meta = benchmarks(args.benchmarks)
    (results / "benchmarks.json").write_text(json.dumps({**meta, "version": 2}))
    commits = [hashlib.sha1(f"c{args.seed}-{i}".encode()).hexdigest() for i in range(args.commits)]
    (args.dir / "order.txt").write_text("\n".join(commits) + "\n")
    levels = {name: float(np.exp(rng.uniform(-9, 0))) for name in meta}
    for m in range(args.machines):
        machine = f"runner-{m}"
        folder = results / machine
        folder.mkdir(exist_ok=True)
        info = {
            "machine": machine,
            "arch": "x86_64",
            "cpu": "Synthetic CPU",
            "num_cpu": "2",
            "os": "Linux 6.1",
            "ram": "8000000",
            "version": 1,
        }
        (folder / "machine.json").write_text(json.dumps(info))
        env = f"virtualenv-py3.{10 + m % 2}"
        for i, commit in enumerate(commits):
            rows = {}
            for name, b in meta.items():
                combos = 6 if b["params"] else 1
                values = levels[name] * np.exp(0.03 * rng.standard_normal((combos, 10)))
                result = np.median(values, axis=1).tolist()
                samples = values.tolist() if b["type"] == "time" else None
                rows[name] = [
                    result,
                    b["params"],
                    b["version"],
                    1_700_000_000_000 + i * 60_000,
                    1.5,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    samples,
                ]
            data = {
                "commit_hash": commit,
                "env_name": env,
                "date": 1_700_000_000_000 + i * 3_600_000,
                "params": {**info, "python": f"3.{10 + m % 2}"},
                "python": f"3.{10 + m % 2}",
                "requirements": {},
                "env_vars": {},
                "result_columns": COLUMNS,
                "results": rows,
                "durations": {},
                "version": 2,
            }
            (folder / f"{commit[:8]}-{env}.json").write_text(json.dumps(data))
    print(
        f"{args.machines * args.commits} result files in {results}; order: {args.dir / 'order.txt'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
