"""report.json: the guide's fields, strict JSON, exact round trip, one-line refusals."""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.errors import ResultsFormatError
from perfkit.model import (
    Artifact,
    ArtifactKind,
    BenchmarkKind,
    Comparison,
    Direction,
    Evidence,
    GateDecision,
    MemoryProfile,
    Report,
    Severity,
    Verdict,
)
from perfkit.report import dumps, report_from_dict, report_from_json, report_to_dict

from .sample import HOSTILE_NAME, MAIN_REGRESSION, fixed_report


def _reject_constant(name: str):
    raise AssertionError(f"non-standard JSON constant {name}")


def test_guide_fields_and_evidence_are_present_as_raw_numbers():
    data = json.loads(dumps(fixed_report()), parse_constant=_reject_constant)
    assert (data["schema"], data["version"]) == ("perfkit-report", 1)
    for key in (
        "benchmarks",
        "regressions",
        "improvements",
        "flamegraph_path",
        "cpu_profile_path",
        "memory_profile_path",
        "performance_score",
        "generated_at",
        "environment_info",
        "gate",
        "warnings",
        "base_label",
        "head_label",
    ):
        assert key in data, key
    assert data["performance_score"] == 61.5 and data["gate"]["min_score"] == 75.0
    assert data["gate"]["passed"] is False and len(data["gate"]["reasons"]) == 4
    assert set(data["environment_info"]) == {"base", "head"}
    bench = next(b for b in data["benchmarks"] if b["name"] == MAIN_REGRESSION)
    ev = bench["evidence"]
    for key in (
        "ratio",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "threshold",
        "confidence",
        "n_base_samples",
        "n_head_samples",
        "n_base_runs",
        "n_head_runs",
        "min_detectable",
    ):
        assert isinstance(ev[key], int | float) and not isinstance(ev[key], bool), key
    assert (
        bench["verdict"] == "regression"
        and bench["severity"] == "Critical"
        and bench["unit"] == "seconds"
    )
    assert bench["params"] == [["tx_per_block", "100"]] and bench["direction"] == "lower_is_better"
    assert bench["message"].startswith("31 % slower")


def test_regressions_are_ranked_with_interval_and_profiles():
    data = report_to_dict(fixed_report())
    regs = data["regressions"]
    assert [r["severity"] for r in regs] == ["Critical", "Major", "Minor"]
    first = regs[0]
    assert first["benchmark_name"] == MAIN_REGRESSION
    assert first["change_percent"] == pytest.approx(31.0)
    assert (first["ci_low_percent"], first["ci_high_percent"]) == pytest.approx((25.76, 36.24))
    assert first["flamegraph_path"].endswith(
        "flamegraph-diff.html"
    )  # the differential one is preferred
    assert first["cpu_profile_path"].endswith("cpu-head.speedscope.json")
    assert first["memory_profile_path"].endswith("memory-head.html")
    assert (
        first["top_frames"][0].startswith("validate_chain")
        and first["memory"]["head_peak_bytes"] == 5_000_000
    )
    hostile = next(r for r in regs if r["benchmark_name"] == HOSTILE_NAME)
    assert (
        hostile["flamegraph_path"] == "javascript:alert(1)/x y.html"
    )  # raw in JSON; renderers encode it
    assert hostile["cpu_profile_path"] is None
    assert data["improvements"][0]["change_percent"] == pytest.approx(-20.0)


def test_top_level_profile_paths_come_from_the_most_severe_profiled_regression():
    report = fixed_report()
    data = report_to_dict(report)
    assert data["flamegraph_path"] == "profiles/sync.Block-1a2b3c4d/flamegraph-diff.html"
    unprofiled = dataclasses.replace(
        report, comparisons=tuple(dataclasses.replace(c, artifacts=()) for c in report.comparisons)
    )
    data = report_to_dict(unprofiled)
    assert (data["flamegraph_path"], data["cpu_profile_path"], data["memory_profile_path"]) == (
        None,
        None,
        None,
    )


def test_non_finite_numbers_stay_strict_json_and_come_back():
    report = fixed_report()
    text = dumps(report)
    json.loads(text, parse_constant=_reject_constant)
    back = report_from_dict(json.loads(text))
    weird = next(c for c in back.comparisons if c.name == "sync.Weird.time_x").evidence
    assert math.isnan(weird.ratio) and math.isnan(weird.p_value) and weird.ci_high == math.inf
    assert weird.min_detectable == math.inf and weird.ci_low == 0.0


def test_round_trip_of_the_fixed_report_is_exact(tmp_path: Path):
    report = fixed_report(5)
    path = tmp_path / "report.json"
    path.write_text(dumps(report))
    back = report_from_json(path)
    assert dumps(back) == dumps(report)
    finite = [c for c in report.comparisons if c.name != "sync.Weird.time_x"]
    assert [c for c in back.comparisons if c.name != "sync.Weird.time_x"] == finite
    assert (back.gate, back.warnings, back.environment_info, back.artifacts) == (
        report.gate,
        report.warnings,
        report.environment_info,
        report.artifacts,
    )
    assert (back.generated_at, back.base_label, back.head_label) == (
        report.generated_at,
        report.base_label,
        report.head_label,
    )


def test_a_gzipped_report_reads_the_same(tmp_path: Path):
    path = tmp_path / "report.json.gz"
    path.write_bytes(gzip.compress(dumps(fixed_report()).encode()))
    assert dumps(report_from_json(path)) == dumps(fixed_report())


# --- property: any Report the model can hold survives report.json unchanged -------------

text = st.text(max_size=30)
number = st.floats(allow_nan=False)  # NaN != NaN; NaN has its own test above
evidences = st.builds(
    Evidence,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 999),
    st.integers(0, 999),
    number,
    number,
    number,
    st.booleans(),
    text,
)
artifacts = st.builds(Artifact, st.sampled_from(ArtifactKind), text, text, text)
comparisons = st.builds(
    Comparison,
    name=text,
    benchmark=text,
    kind=st.sampled_from(BenchmarkKind),
    unit=text,
    direction=st.sampled_from(Direction),
    verdict=st.sampled_from(Verdict),
    severity=st.none() | st.sampled_from(Severity),
    evidence=st.none() | evidences,
    message=text,
    params=st.lists(st.tuples(text, text), max_size=3).map(tuple),
    artifacts=st.lists(artifacts, max_size=3).map(tuple),
    top_frames=st.lists(text, max_size=3).map(tuple),
    memory=st.none()
    | st.builds(
        MemoryProfile,
        st.integers(0, 2**40),
        st.integers(0, 2**40),
        st.integers(0, 10**9),
        st.integers(0, 10**9),
    ),
)
reports = st.builds(
    Report,
    generated_at=text,
    base_label=text,
    head_label=text,
    comparisons=st.lists(comparisons, max_size=4).map(tuple),
    gate=st.builds(
        GateDecision, st.booleans(), number, number, st.lists(text, max_size=3).map(tuple)
    ),
    environment_info=st.dictionaries(
        st.sampled_from(["base", "head"]), st.dictionaries(text, text, max_size=3)
    ),
    warnings=st.lists(text, max_size=3).map(tuple),
    artifacts=st.lists(artifacts, max_size=2).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports)
def test_any_report_round_trips_exactly(report: Report):
    text = dumps(report)
    json.loads(text, parse_constant=_reject_constant)
    back = report_from_dict(json.loads(text))
    assert back == report
    assert (back.environment_info, back.generated_at, back.base_label, back.head_label) == (
        report.environment_info,
        report.generated_at,
        report.base_label,
        report.head_label,
    )


# --- refusals: one line naming the file and what is wrong -------------------------------

GOOD = json.loads(dumps(fixed_report()))


def _with(path: tuple, value) -> dict:
    data = json.loads(json.dumps(GOOD))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


BAD = {
    "not json": '{"schema": "perf',
    "empty": "",
    "a list": "[1, 2]",
    "other schema": json.dumps({"schema": "asv", "version": 1}),
    "version 2": json.dumps(_with(("version",), 2)),
    "version as text": json.dumps(_with(("version",), "1")),
    "version true": json.dumps(_with(("version",), True)),
    "no version": json.dumps(_with(("version",), KeyError)),
    "no benchmarks": json.dumps(_with(("benchmarks",), KeyError)),
    "no gate": json.dumps(_with(("gate",), KeyError)),
    "ratio as text": json.dumps(_with(("benchmarks", 1, "evidence", "ratio"), "fast")),
    "unknown verdict": json.dumps(_with(("benchmarks", 0, "verdict"), "worse")),
    "runs as float": json.dumps(_with(("benchmarks", 0, "evidence", "n_base_runs"), 2.5)),
    "score null": json.dumps(_with(("gate", "score"), None)),
    "name missing": json.dumps(_with(("benchmarks", 2, "name"), KeyError)),
    "environment not text": json.dumps(_with(("environment_info", "base", "cpu_model_name"), 3)),
    "params not pairs": json.dumps(_with(("benchmarks", 0, "params"), [["a", "b", "c"]])),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_broken_report_files_are_refused_in_one_line(tmp_path: Path, case: str):
    path = tmp_path / "report.json"
    path.write_text(BAD[case])
    with pytest.raises(ResultsFormatError) as info:
        report_from_json(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message and len(message) < 300, message


def test_the_refusal_names_the_field():
    with pytest.raises(
        ResultsFormatError, match=r"benchmarks\[1\]\.evidence\.ratio: expected a number, got 'fast'"
    ):
        report_from_dict(_with(("benchmarks", 1, "evidence", "ratio"), "fast"), "r.json")
    with pytest.raises(
        ResultsFormatError, match=r"unsupported report version 2 \(this perfkit reads 1\)"
    ):
        report_from_dict(_with(("version",), 2), "r.json")


def test_optional_fields_missing_take_their_defaults():
    data = _with(("benchmarks", 0, "memory"), KeyError)
    del data["warnings"], data["artifacts"]
    back = report_from_dict(data)
    assert back.comparisons[0].memory is None and back.warnings == () and back.artifacts == ()


def test_what_the_protocol_spent_is_in_the_report_and_comes_back():
    from perfkit.model import Spend

    spend = Spend(2, 4, 12, 136, 192, (("a", 4), ("b", 12)), ("c",), ("b",))
    report = dataclasses.replace(fixed_report(), spend=spend)
    data = json.loads(dumps(report))
    assert data["spend"]["processes"] == 136 and data["spend"]["budget"] == 192
    assert data["spend"]["rounds"] == [["a", 4], ["b", 12]]
    assert report_from_dict(data).spend == spend
    assert "spend" not in report_to_dict(fixed_report())  # not measured by perfkit: no key
