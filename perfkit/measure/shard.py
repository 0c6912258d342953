"""A suite split over N runners and judged as one: the plan, the shard record, the merge.

Each runner measures base and head interleaved for its slice (pairs never cross
machines); ``merge`` then puts every benchmark back in one report, so the false
discovery rate, the score and the gate are over the whole suite, not per shard.

The plan orders benchmarks by a hash of their name and cuts that order into N runs of
equal weight (seconds each took in a stored baseline or an earlier run): balanced to
within one benchmark, and adding a benchmark moves only those next to a cut. Every shard
writes the whole plan, so the merge knows what a missing or failed shard should have
measured and fails those benchmarks (the gate fails closed, naming the shard).
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit import baseline as baselines
from perfkit.atomic import write_text_atomic
from perfkit.errors import ConfigError, ResultsFormatError
from perfkit.ingest.names import parse_full_name
from perfkit.model import BenchmarkKind, Measurement

SCHEMA, VERSION = "perfkit-shard", 1
RECORD = "shard.json"
PROCESS_COST = 0.5  # seconds asv spends per benchmark process besides the samples


@dataclass(frozen=True)
class Spec:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse(text: str) -> Spec:
    try:
        k, n = (int(p) for p in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {text!r}: expected K/N, e.g. 2/3") from None
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {text!r}: K must be within 1..N")
    return Spec(k, n)


def weights(measurements: Sequence[Measurement]) -> dict[str, float]:
    """Seconds per process of each asv benchmark (all its parameter combinations)."""
    out: dict[str, float] = {}
    for m in measurements:
        if m.ok and m.kind is BenchmarkKind.TIME and m.runs:
            per_process = statistics.median(sum(r) for r in m.runs)
            out[m.benchmark] = out.get(m.benchmark, 0.0) + PROCESS_COST + per_process
    return out


def _key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def plan(
    benchmarks: Sequence[str], count: int, known: Mapping[str, float] | None = None
) -> dict[str, int]:
    """Benchmark -> shard (1-based): hash order cut into ``count`` runs of equal weight."""
    known = known or {}
    default = statistics.median(known.values()) if known else 1.0
    order = sorted(set(benchmarks), key=_key)
    sizes = [known.get(b, default) for b in order]
    total, done, out = sum(sizes) or 1.0, 0.0, {}
    for name, size in zip(order, sizes, strict=True):
        middle = done + size / 2
        out[name] = min(count, 1 + int(middle / total * count))
        done += size
    return out


def write_record(
    out: Path,
    spec: Spec,
    assignment: Mapping[str, int],
    *,
    machine: str,
    base_commit: str | None,
    head_commit: str,
) -> None:
    """Written before measuring, so a shard that crashes is known to have failed."""
    out.mkdir(parents=True, exist_ok=True)
    record = {
        "schema": SCHEMA,
        "version": VERSION,
        "shard": spec.index,
        "count": spec.count,
        "machine": machine,
        "base_commit": base_commit,
        "head_commit": head_commit,
        "plan": dict(sorted(assignment.items())),
    }
    write_text_atomic(out / RECORD, json.dumps(record, indent=1))


@dataclass(frozen=True)
class Output:
    folder: Path
    spec: Spec
    plan: dict[str, int]
    machine: str
    commits: tuple[str | None, str]
    base: tuple[Measurement, ...] | None  # None: the shard wrote no results (it failed)
    head: tuple[Measurement, ...] | None
    environment: dict[str, dict[str, str]]


def read(folder: Path) -> Output:
    path = folder / RECORD
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
        spec = Spec(int(rec["shard"]), int(rec["count"]))
        assignment = {str(k): int(v) for k, v in rec["plan"].items()}
        commits = (rec.get("base_commit"), str(rec["head_commit"]))
        machine = str(rec["machine"])
    except FileNotFoundError:
        raise ResultsFormatError(
            f"{folder}: no {RECORD} (not the output of `perfkit run --shard`)"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ResultsFormatError(
            f"{path}: not a perfkit shard record ({type(exc).__name__})"
        ) from None
    if rec.get("schema") != SCHEMA:
        raise ResultsFormatError(
            f"{path}: not a perfkit shard record (schema {rec.get('schema')!r})"
        )
    sides, env = {}, {}
    for label in ("base", "head"):
        f = folder / f"{label}.json"
        b = baselines.read(f) if f.is_file() else None
        sides[label] = tuple(b.measurements) if b else None
        env[label] = dict(b.environment_info) if b else {}
    return Output(folder, spec, assignment, machine, commits, sides["base"], sides["head"], env)


def _kind(name: str) -> BenchmarkKind:
    leaf = parse_full_name(name)[0].rsplit(".", 1)[-1]
    return next((k for k in BenchmarkKind if leaf.startswith(f"{k.value}_")), BenchmarkKind.OTHER)


@dataclass(frozen=True)
class Merged:
    base: list[Measurement]
    head: list[Measurement]
    warnings: list[str]
    environment: dict[str, dict[str, str]]
    commits: tuple[str | None, str]


def merge(outputs: Sequence[Output]) -> Merged:
    """One suite from its shards; ResultsFormatError when they do not belong together."""
    if not outputs:
        raise ResultsFormatError("no shard outputs given")
    first = outputs[0]
    seen: dict[int, Path] = {}
    for o in outputs:
        if (o.spec.count, o.plan, o.commits) != (first.spec.count, first.plan, first.commits):
            raise ResultsFormatError(
                f"{o.folder} and {first.folder} are shards of different runs "
                "(shard count, plan or commits differ)"
            )
        if o.spec.index in seen:
            raise ResultsFormatError(
                f"shard {o.spec} given twice: {seen[o.spec.index]} and {o.folder}"
            )
        seen[o.spec.index] = o.folder
    owner: dict[str, Spec] = {}
    base: list[Measurement] = []
    head: list[Measurement] = []
    warnings: list[str] = []
    env: dict[str, dict[str, str]] = {"base": {}, "head": {}}
    for o in sorted(outputs, key=lambda o: o.spec.index):
        if o.base is None or o.head is None:
            continue  # failed: its benchmarks are failed below
        for m in o.head:
            if m.benchmark in owner and owner[m.benchmark] != o.spec:
                raise ResultsFormatError(
                    f"{m.name} was measured by shard {owner[m.benchmark]} and by shard {o.spec}"
                )
            owner[m.benchmark] = o.spec
        base += o.base
        head += o.head
        for label in ("base", "head"):
            env[label] |= {
                k: v for k, v in o.environment[label].items() if not k.startswith("side.")
            }
            env[label][f"shard.{o.spec.index}.machine"] = o.machine
    for index in range(1, first.spec.count + 1):
        done = index in seen and next(o for o in outputs if o.spec.index == index).head is not None
        if done:
            continue
        why = "missing" if index not in seen else f"failed (no results in {seen[index]})"
        lost = sorted(b for b, k in first.plan.items() if k == index)
        if not lost:
            continue  # nothing was planned for it
        warnings.append(
            f"shard {index}/{first.spec.count} is {why}: its {len(lost)} benchmark(s) count as failed"
        )
        for name in lost:
            shell = Measurement(
                name=name,
                benchmark=name,
                kind=_kind(name),
                unit="",
                error=f"shard {index}/{first.spec.count} {why.split(' (')[0]}",
            )
            base.append(shell)
            head.append(shell)
    return Merged(base, head, warnings, env, first.commits)
