"""Shard plans are balanced and stable; merging refuses what does not belong together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit import baseline as baselines
from perfkit.errors import ConfigError, ResultsFormatError
from perfkit.measure import shard
from perfkit.model import BenchmarkKind, Measurement

NAMES = [f"suite.Class{i}.time_body_{i}" for i in range(40)]


def test_parse():
    assert shard.parse("2/3") == shard.Spec(2, 3)
    for bad in ("0/3", "4/3", "x", "1-3", "1/0"):
        with pytest.raises(ConfigError):
            shard.parse(bad)


@given(
    st.dictionaries(st.sampled_from(NAMES), st.floats(0.1, 30.0), min_size=10), st.integers(1, 6)
)
@settings(max_examples=60, deadline=None)
def test_plan_covers_every_benchmark_once_and_balances_within_one_benchmark(weights, count):
    plan = shard.plan(list(weights), count, weights)
    assert set(plan) == set(weights) and set(plan.values()) <= set(range(1, count + 1))
    loads = [sum(w for b, w in weights.items() if plan[b] == k) for k in range(1, count + 1)]
    assert max(loads) - sum(weights.values()) / count <= max(weights.values()) + 1e-9


def test_plan_is_deterministic_and_stable_when_a_benchmark_is_added():
    before = shard.plan(NAMES, 4)
    assert shard.plan(list(reversed(NAMES)), 4) == before
    after = shard.plan([*NAMES, "suite.New.time_new"], 4)
    moved = [b for b in NAMES if before[b] != after[b]]
    assert len(moved) <= 3, moved  # only neighbours of a cut move


def measurement(name: str, value: float) -> Measurement:
    return Measurement(
        name=name,
        benchmark=name,
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=tuple((value * (1 + 0.01 * i),) * 5 for i in range(4)),
        runs_known=True,
    )


def write_shard(
    folder: Path, k: int, n: int, plan: dict[str, int], slow: set[str] = frozenset()
) -> None:
    shard.write_record(
        folder,
        shard.Spec(k, n),
        plan,
        machine=f"runner-{k}",
        base_commit="b" * 40,
        head_commit="h" * 40,
    )
    mine = [b for b, i in plan.items() if i == k]
    for label, factor in (("base", 1.0), ("head", 3.0)):
        ms = [
            measurement(b, 0.01 * (factor if b in slow and label == "head" else 1.0)) for b in mine
        ]
        b = baselines.build(
            f"run-{label}", f"runner-{k}", ms, commit=("b" if label == "base" else "h") * 40
        )
        baselines.save(b, folder).replace(folder / f"{label}.json")  # as `perfkit run` names them


def test_merge_joins_shards_and_fails_a_missing_one(tmp_path: Path):
    names = NAMES[:9]
    plan = shard.plan(names, 3)
    for k in (1, 2, 3):
        write_shard(tmp_path / f"s{k}", k, 3, plan, slow={names[0]})
    outputs = [shard.read(tmp_path / f"s{k}") for k in (1, 2, 3)]
    merged = shard.merge(outputs)
    assert sorted(m.name for m in merged.head) == sorted(names) and not merged.warnings
    assert merged.environment["head"]["shard.2.machine"] == "runner-2"

    partial = shard.merge(outputs[:2])
    lost = sorted(b for b, k in plan.items() if k == 3)
    assert any("shard 3/3 is missing" in w for w in partial.warnings)
    failed = {m.name: m.error for m in partial.head if m.error}
    assert sorted(failed) == lost and all("shard 3/3" in e for e in failed.values())

    (tmp_path / "s3" / "head.json").unlink()  # the shard started but wrote no results
    broken = shard.merge([*outputs[:2], shard.read(tmp_path / "s3")])
    assert any("shard 3/3 is failed" in w for w in broken.warnings)


def test_merge_refuses_duplicates_and_mixed_runs(tmp_path: Path):
    plan = shard.plan(NAMES[:6], 2)
    for k in (1, 2):
        write_shard(tmp_path / f"s{k}", k, 2, plan)
    one, two = shard.read(tmp_path / "s1"), shard.read(tmp_path / "s2")
    assert len(shard.merge([one, two]).head) == 6
    with pytest.raises(ResultsFormatError, match="given twice"):
        shard.merge([one, one])
    # shard 2's record with shard 1's results: a benchmark measured by two shards
    (tmp_path / "s2" / "head.json").write_bytes((tmp_path / "s1" / "head.json").read_bytes())
    with pytest.raises(ResultsFormatError, match="measured by shard 1/2 and by shard 2/2"):
        shard.merge([one, shard.read(tmp_path / "s2")])
    other = json.loads((tmp_path / "s2" / shard.RECORD).read_text()) | {"count": 3}
    (tmp_path / "s2" / shard.RECORD).write_text(json.dumps(other))
    with pytest.raises(ResultsFormatError, match="different runs"):
        shard.merge([one, shard.read(tmp_path / "s2")])
    with pytest.raises(ResultsFormatError, match="no shard.json"):
        shard.read(tmp_path)
    (tmp_path / "s1" / shard.RECORD).write_text("{truncated")
    with pytest.raises(ResultsFormatError, match="not a perfkit shard record"):
        shard.read(tmp_path / "s1")
