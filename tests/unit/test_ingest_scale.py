"""Issue 16 at scale: the asv reader's file-wide sample check and quick Measurement
construction give exactly what the per-benchmark path gives, errors included."""

from __future__ import annotations

import gc
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit import gcpause
from perfkit.errors import ResultsFormatError
from perfkit.ingest import asv
from perfkit.model import BenchmarkKind, Measurement

COLUMNS = ["result", "params", "version", "started_at", "duration", "samples"]
GOOD = st.floats(min_value=1e-6, max_value=10.0)
ODD = st.sampled_from([0.0, -1.0, math.nan, math.inf, "fast", True, 3, None, [1.0]])


@st.composite
def result_files(draw):
    """asv format-2 results of a few benchmarks, mostly well-formed; when odd, one kind of
    odd sample (0, negative, NaN, a string...) here and there."""
    odd = draw(st.none() | ODD.map(lambda x: [x]))
    sample = GOOD if odd is None else st.one_of(GOOD, GOOD, GOOD, st.just(odd[0]))
    results, meta = {}, {}
    for i in range(draw(st.integers(1, 6))):
        prefix = draw(st.sampled_from(["time_", "track_", "mem_"]))
        name = f"s.B.{prefix}{i}"
        params = [["1", "2"]] if draw(st.booleans()) else []
        n = 2 if params else 1
        shape = draw(st.sampled_from(["samples", "samples", "failed", "skipped", "empty", "none"]))
        samples = [draw(st.lists(sample, min_size=1, max_size=8)) for _ in range(n)]
        value = [1.0] * n
        if shape == "failed":
            value = None
        elif shape == "skipped":
            value = [math.nan] * n
        elif shape == "empty":
            samples = [[] for _ in range(n)]
        elif shape == "none":
            samples = None
        results[name] = [
            value if params or value is None else value[0],
            params,
            "v1",
            1_700_000_000_000,
            1.0,
            samples,
        ]
        meta[name] = {"params": params, "param_names": ["n"] if params else [], "rounds": 2}
    data = {
        "commit_hash": "c" * 40,
        "env_name": "env",
        "params": {"machine": "m"},
        "python": "3.11",
        "result_columns": COLUMNS,
        "results": results,
        "version": 2,
    }
    return data, meta


def outcome(path: Path, data, meta) -> list[Measurement] | str:
    try:
        return asv.read_result_file(path, meta, [], data=json.loads(json.dumps(data)))
    except ResultsFormatError as exc:
        return f"error: {exc}"


@settings(max_examples=150, deadline=None)
@given(result_files())
def test_the_file_wide_check_changes_nothing(drawn):
    data, meta = drawn
    path = Path("/results/m/cccccccc-env.json")
    quick = outcome(path, data, meta)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asv, "_all_samples_fine", lambda results, columns: False)
        one_by_one = outcome(path, data, meta)
    assert quick == one_by_one


def test_one_bad_sample_among_thousands_names_its_benchmark(tmp_path: Path):
    results = {
        f"s.B.time_{i}": [1.0, [], "v1", 0, 1.0, [[0.5 + i * 1e-4] * 10]] for i in range(3000)
    }
    results["s.B.time_1234"][5][0][7] = 0.0
    data = {
        "commit_hash": "c" * 40,
        "env_name": "env",
        "params": {"machine": "m"},
        "result_columns": COLUMNS,
        "results": results,
        "version": 2,
    }
    path = tmp_path / "m" / "cccccccc-env.json"
    with pytest.raises(ResultsFormatError) as info:
        asv.read_result_file(path, {}, [], data=data)
    assert str(info.value) == (
        f"{path}: s.B.time_1234: zero sample (a timing or size of 0 cannot be compared)"
    )


def test_quick_measurements_equal_constructed_ones(tmp_path: Path):
    data = {
        "commit_hash": "c" * 40,
        "env_name": "env",
        "params": {"machine": "m"},
        "result_columns": COLUMNS,
        "results": {
            "s.B.time_a": [[1.0, None], [["1", "2"]], "v1", 1000, 1.0, [[1.0, 1.1], None]],
            "s.B.track_b": [5.0, [], None, None, 1.0, None],
        },
        "version": 2,
    }
    path = tmp_path / "m" / "cccccccc-env.json"
    got = asv.read_result_file(path, {"s.B.time_a": {"param_names": ["n"]}}, [], data=data)
    common = dict(commit="c" * 40, machine="m", environment="env", source=str(path))
    assert got == [
        Measurement(
            name="s.B.time_a(n=1)",
            benchmark="s.B.time_a",
            kind=BenchmarkKind.TIME,
            unit="seconds",
            params=(("n", "1"),),
            runs=((1.0, 1.1),),
            value=1.0,
            version="v1",
            started_at=1.0,
            **common,
        ),
        Measurement(
            name="s.B.time_a(n=2)",
            benchmark="s.B.time_a",
            kind=BenchmarkKind.TIME,
            unit="seconds",
            params=(("n", "2"),),
            version="v1",
            started_at=1.0,
            error="benchmark failed (asv recorded no result)",
            **common,
        ),
        Measurement(
            name="s.B.track_b",
            benchmark="s.B.track_b",
            kind=BenchmarkKind.TRACK,
            unit="unit",
            runs=((5.0,),),
            value=5.0,
            **common,
        ),
    ]
    assert all(type(m) is Measurement for m in got)


def test_gc_pause_restores_the_collector_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gcpause.paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()


def test_only_a_large_file_is_exempted_from_later_gc_scans(tmp_path: Path, monkeypatch):
    import perfkit.ingest as ingest

    data = {
        "commit_hash": "c" * 40,
        "env_name": "env",
        "params": {"machine": "m"},
        "result_columns": COLUMNS,
        "results": {f"s.B.time_{i}": [1.0, [], "v1", 0, 1.0, [[1.0, 1.1]]] for i in range(5)},
        "version": 2,
    }
    path = tmp_path / "m" / "cccccccc-env.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data))
    gc.unfreeze()
    try:
        assert len(ingest.read_file(path).measurements) == 5 and gc.get_freeze_count() == 0
        monkeypatch.setattr(ingest, "SETTLE_ABOVE", 4)
        got = ingest.read_file(path)
        assert gc.get_freeze_count() > 0 and gc.isenabled()
        assert got.measurements[0].runs == ((1.0, 1.1),)
    finally:
        gc.unfreeze()
