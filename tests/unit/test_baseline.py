"""Baselines: round trip, one line per benchmark, atomic save, bad files refused in one line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit import baseline as baselines
from perfkit.errors import BaselineError, ResultsFormatError
from perfkit.model import BenchmarkKind, Direction, Measurement

names = st.text(min_size=1, max_size=40).filter(lambda s: s.isprintable())
samples = st.lists(
    st.floats(min_value=1e-9, max_value=1e3, allow_nan=False), min_size=1, max_size=6
)


def measurement(name: str, runs: list[list[float]], **kw) -> Measurement:
    return Measurement(
        name=name,
        benchmark=name.split("(")[0],
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=tuple(tuple(r) for r in runs),
        runs_known=True,
        **kw,
    )


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(names, st.lists(samples, min_size=1, max_size=4), min_size=1, max_size=8))
def test_round_trip_is_exact(data):
    ms = [measurement(n, r, version="v1") for n, r in data.items()]
    b = baselines.build("main", "vm", ms, commit="abc", environment_info={"cpu": "x"})
    back = baselines.loads(baselines.dumps(b), "mem")
    assert {m.name: m.runs for m in back.measurements} == {m.name: m.runs for m in ms}
    assert back.commit == "abc" and back.environment_info == {"cpu": "x"}


def test_one_benchmark_per_line_and_valid_json(tmp_path: Path):
    ms = [measurement(f"s.b{i}", [[0.1, 0.2], [0.3]]) for i in range(5)]
    ms.append(measurement("s.fail", [], error="boom"))
    ms.append(
        Measurement(
            name="s.tput",
            benchmark="s.tput",
            kind=BenchmarkKind.TRACK,
            unit="messages/s",
            direction=Direction.HIGHER_IS_BETTER,
            runs=((5.0,),),
        )
    )
    path = baselines.save(baselines.build("main", "vm", ms, commit="c0ffee"), tmp_path)
    text = path.read_text()
    json.loads(text)
    assert sum('"benchmark":' in line for line in text.splitlines()) == len(ms)
    back = {m.name: m for m in baselines.read(path).measurements}
    assert back["s.fail"].error == "boom"
    assert back["s.tput"].direction is Direction.HIGHER_IS_BETTER


def test_interrupted_save_keeps_old_file(tmp_path: Path, monkeypatch):
    old = baselines.save(baselines.build("main", "vm", [measurement("a", [[1.0]])]), tmp_path)
    before = old.read_text()

    def boom(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        baselines.save(baselines.build("main", "vm", [measurement("b", [[2.0]])]), tmp_path)
    assert old.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == [old.name]  # no temp file left behind


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty file"),
        ('{"schema": "perfkit-baseline", "version": 1, "name": "m"', "truncated or invalid JSON"),
        ('{"schema": "perfkit-baseline", "version": 99}', "unsupported baseline version"),
        ('{"schema": "other"}', "not a perfkit baseline"),
        (
            '{"schema": "perfkit-baseline", "version": 1, "name": "m", "machine": "vm", "created_at": "t",'
            ' "benchmarks": {"a": {"benchmark": "a", "kind": "time", "unit": "s", "runs": [[-1.0]]}}}',
            "invalid sample",
        ),
        (
            '{"schema": "perfkit-baseline", "version": 1, "name": "m", "machine": "vm", "created_at": "t",'
            ' "benchmarks": {"a": {"benchmark": "a", "kind": "time", "unit": "s", "runs": [[NaN]]}}}',
            "invalid sample",
        ),
        (
            '{"schema": "perfkit-baseline", "version": 1, "name": "m", "created_at": "t", "benchmarks": {}}',
            "missing field",
        ),
    ],
)
def test_bad_baseline_files_are_one_line_errors(tmp_path: Path, content: str, expected: str):
    path = tmp_path / "main--vm.json"
    path.write_text(content)
    with pytest.raises((ResultsFormatError, BaselineError)) as info:
        baselines.read(path)
    message = str(info.value)
    assert expected in message and str(path) in message and "\n" not in message


@pytest.mark.parametrize("name", ["", "../etc", "a/b", "with space", "-dash", "x" * 101])
def test_hostile_baseline_names_rejected(name: str):
    with pytest.raises(BaselineError):
        baselines.check_name(name)


def test_machine_names_become_safe_file_names():
    assert baselines.safe_machine("../../evil host") == "evil_host"
    assert baselines.safe_machine("///") == "unknown-machine"


def test_find_falls_back_to_the_only_machine_with_a_warning(tmp_path: Path):
    baselines.save(baselines.build("main", "other-box", [measurement("a", [[1.0]])]), tmp_path)
    b, notes = baselines.find("main", "vm", tmp_path)
    assert b.machine == "other-box" and "other-box" in notes[0]
    baselines.save(baselines.build("main", "third", [measurement("a", [[1.0]])]), tmp_path)
    with pytest.raises(BaselineError, match="exists for"):
        baselines.find("main", "vm", tmp_path)
    with pytest.raises(BaselineError, match="perfkit baseline save nope"):
        baselines.find("nope", "vm", tmp_path)


def test_empty_baseline_is_not_saved(tmp_path: Path):
    with pytest.raises(BaselineError, match="no benchmarks"):
        baselines.save(baselines.build("main", "vm", []), tmp_path)
    assert not list(tmp_path.iterdir())
