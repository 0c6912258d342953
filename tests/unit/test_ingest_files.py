"""Issue 16: files perfkit did not measure — zeros, hostile names, odd inputs, machines."""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

import pytest

from perfkit import baseline as baselines
from perfkit.cli import main
from perfkit.config import Config
from perfkit.errors import BaselineError, ResultsFormatError
from perfkit.ingest import load, read_file
from perfkit.model import BenchmarkKind, Evidence, Measurement, Verdict
from perfkit.report import render_terminal
from perfkit.report.json_report import dumps, report_from_dict
from perfkit.report.markdown import render_comment
from perfkit.verdict.analysis import analyse
from perfkit.verdict.score import gate

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
ASV = DATA / "asv-results"
ASV_FILE = next((ASV / "vm").glob("*-existing-*.json"))
HOSTILE = ["evil\nname", "evil\rname", "evil\x00name", "evil\x1b[31mred\x1b[0m"]


def asv_copy(
    tmp_path: Path, mutate=lambda d: None, *, machine: dict | None = None, name: str = "vm"
) -> Path:
    data = json.loads(ASV_FILE.read_text())
    mutate(data)
    (tmp_path / name).mkdir(parents=True, exist_ok=True)
    path = tmp_path / name / ASV_FILE.name
    path.write_text(json.dumps(data))
    shutil.copy(ASV / "benchmarks.json", tmp_path / "benchmarks.json")
    m = json.loads((ASV / "vm" / "machine.json").read_text())
    m.update(machine or {})
    (tmp_path / name / "machine.json").write_text(json.dumps(m))
    return path


def pyperf_file(path: Path, values, *, name="x", run_extra=None, meta=None) -> Path:
    run = {"values": values, **(run_extra or {})}
    path.write_text(
        json.dumps(
            {
                "version": "1.0",
                "metadata": meta or {},
                "benchmarks": [
                    {"metadata": {"name": name, "unit": "second"}, "runs": [run, run]},
                    {
                        "metadata": {"name": "other", "unit": "second"},
                        "runs": [{"values": [1.0, 1.1]}],
                    },
                ],
            }
        )
    )
    return path


def pb_file(path: Path, benches, **top) -> Path:
    data = {
        "machine_info": {
            "node": "box",
            "python_version": "3.11.7",
            "cpu": {"brand_raw": "AMD EPYC", "count": 2},
        },
        "commit_info": {"id": "abc"},
        "version": "5.1.0",
        "benchmarks": benches,
    }
    data.update(top)
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not None}))
    return path


def refused(path: Path) -> str:
    with pytest.raises(ResultsFormatError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


# ---------------------------------------------------------------- zeros


def test_zero_timings_are_refused_in_every_reader(tmp_path: Path):
    row = "b.T.time_sleep"
    assert "zero sample" in refused(
        asv_copy(tmp_path / "a", lambda d: d["results"][row][11][0].__setitem__(0, 0.0))
    )
    assert "zero result" in refused(
        asv_copy(tmp_path / "b", lambda d: d["results"][row][0].__setitem__(0, 0))
    )
    message = refused(pyperf_file(tmp_path / "p.json", [0.0, 1.0], name="slow.one"))
    assert "zero sample" in message and "slow.one" in message
    message = refused(
        pb_file(tmp_path / "pb.json", [{"fullname": "t::z", "stats": {"data": [0.1, 0]}}])
    )
    assert "zero sample" in message and "t::z" in message


def test_a_zero_in_a_stored_baseline_is_refused(tmp_path: Path):
    m = Measurement(
        name="x",
        benchmark="x",
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=((1.0, 0.0),),
        runs_known=True,
    )
    path = baselines.save(baselines.build("main", "vm", [m]), tmp_path)
    with pytest.raises((BaselineError, ResultsFormatError), match="invalid sample 0.0"):
        baselines.read(path)


def test_zero_timings_exit_2_with_one_line(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = pyperf_file(tmp_path / "good.json", [1.0, 1.1])
    bad = pyperf_file(tmp_path / "bad.json", [0.0, 0.0])
    for argv in (["compare", str(good), str(bad)], ["compare", str(bad), str(good)]):
        assert main([*argv, "--out", "out"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "bad.json" in err and "zero sample" in err and "x" in err


def _comparison_with(**ev) -> object:
    from perfkit.model import Comparison, Direction

    base = dict(
        ratio=1.0,
        ci_low=0.9,
        ci_high=1.1,
        p_value=0.5,
        p_adjusted=0.5,
        threshold=0.05,
        confidence=0.95,
        n_base_samples=10,
        n_head_samples=10,
        n_base_runs=2,
        n_head_runs=2,
        base_location=1.0,
        head_location=1.0,
        min_detectable=0.1,
    )
    base.update(ev)
    return Comparison(
        name="x",
        benchmark="x",
        kind=BenchmarkKind.TIME,
        unit="seconds",
        direction=Direction.LOWER_IS_BETTER,
        verdict=Verdict.INCONCLUSIVE,
        evidence=Evidence(**base),
        message="",
    )


@pytest.mark.parametrize("field", ["ratio", "ci_high", "p_adjusted", "min_detectable"])
@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_a_gate_reading_non_finite_evidence_fails_closed(field, value):
    decision = gate([_comparison_with(**{field: value})])
    assert not decision.passed and any("non-finite" in r for r in decision.reasons)
    assert math.isfinite(decision.score)


def test_a_report_file_with_nan_fails_the_gate(tmp_path: Path, capsys):
    report = an([_m("x", 1.0)], [_m("x", 1.0)])
    data = json.loads(dumps(report))
    data["benchmarks"][0]["evidence"]["ratio"] = float("nan")
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))  # json writes NaN, a reader may get it from anywhere
    assert main(["gate", str(path)]) == 1
    assert "non-finite" in capsys.readouterr().out


def an(base, head):
    return analyse(base, head, Config(), base_label="base", head_label="head")


def _m(name, level, runs=4):
    return Measurement(
        name=name,
        benchmark=name,
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=tuple((level, level * 1.01, level * 0.99) for _ in range(runs)),
        runs_known=True,
    )


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_name_is_kept_and_shown_escaped_everywhere(tmp_path: Path, hostile: str):
    path = asv_copy(
        tmp_path, lambda d: d["results"].__setitem__(hostile, d["results"]["b.time_fail"])
    )
    names = {m.name for m in load(path)}
    assert hostile in names and len(names) == 14  # the other 13 are all there
    pb = pb_file(
        tmp_path / "pb.json",
        [
            {"fullname": hostile, "stats": {"data": [0.1, 0.2]}},
            {"fullname": "ok", "stats": {"data": [0.1, 0.2]}},
        ],
    )
    assert {m.name for m in load(pb)} == {hostile, "ok"}
    pp = pyperf_file(tmp_path / "pp.json", [1.0, 1.1], name=hostile)
    assert {m.name for m in load(pp)} == {hostile, "other"}
    report = an([_m(hostile, 1.0), _m("ok", 1.0)], [_m(hostile, 2.0), _m("ok", 1.0)])
    assert (
        report.comparisons[0].verdict is Verdict.REGRESSION
        or report.comparisons[1].verdict is Verdict.REGRESSION
    )
    for text in (
        render_terminal(report),
        render_terminal(report, color=False),
        render_comment(report),
    ):
        assert "\x1b[31m" not in text and "\x00" not in text and "\r" not in text
        assert "evil" in text and not any(line.startswith("name") for line in text.splitlines())
    assert (
        report_from_dict(json.loads(dumps(report))).comparisons == report.comparisons
    )  # JSON keeps it exactly


def test_a_hostile_name_in_an_error_stays_on_one_line(tmp_path: Path):
    message = refused(pyperf_file(tmp_path / "p.json", [-1.0], name="evil\nname\x1b[2J"))
    assert "evil\\nname\\x1b[2J" in message


# ---------------------------------------------------------------- the input list


def test_a_utf8_bom_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + pyperf_file(tmp_path / "p.json", [1.0, 1.1]).read_bytes())
    assert {m.name for m in load(path)} == {"x", "other"}


def test_an_empty_asv_benchmark_is_that_benchmarks_missing(tmp_path: Path):
    path = asv_copy(tmp_path, lambda d: d["results"]["b.T.time_sleep"][11].__setitem__(0, []))
    ms = {m.name: m for m in load(path)}
    assert len(ms) == 13 and not ms["b.T.time_sleep(n=1, s='a')"].samples
    assert ms["b.T.time_sleep(n=2, s='a')"].samples  # the others stand
    report = an(list(load(ASV_FILE)), list(ms.values()))
    (c,) = [c for c in report.comparisons if c.name == "b.T.time_sleep(n=1, s='a')"]
    assert c.verdict is Verdict.MISSING and not report.gate.passed


def test_empty_pytest_benchmark_data_is_that_benchmarks_missing(tmp_path: Path):
    path = pb_file(
        tmp_path / "pb.json",
        [
            {"fullname": "t::empty", "stats": {"data": []}},
            {"fullname": "t::ok", "stats": {"data": [0.1, 0.2]}},
        ],
    )
    ms = {m.name: m for m in load(path)}
    assert not ms["t::empty"].samples and ms["t::ok"].samples == (0.1, 0.2)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (dict(version="9.0.0"), "unknown file version '9.0.0'"),
        (dict(version=None), "unknown file version None"),
        (dict(machine_info=None), "no machine_info"),
    ],
)
def test_odd_pytest_benchmark_files_are_read_with_a_warning(tmp_path: Path, change, words):
    got = read_file(
        pb_file(tmp_path / "pb.json", [{"fullname": "t", "stats": {"data": [0.1]}}], **change)
    )
    assert got.format == "pytest-benchmark" and any(
        words in w and "pytest-benchmark" in w for w in got.warnings
    )


def test_pytest_benchmark_stats_that_disagree_are_warned_about(tmp_path: Path):
    got = read_file(
        pb_file(
            tmp_path / "pb.json",
            [
                {"fullname": "t::r", "stats": {"data": [0.1, 0.2], "rounds": 5}},
                {"fullname": "t::s", "stats": {"data": [0.1, 0.2], "rounds": 2, "mean": "fast"}},
            ],
        )
    )
    assert any("t::r" in w and "rounds 5" in w for w in got.warnings)
    assert any("t::s" in w and "mean" in w for w in got.warnings)


@pytest.mark.parametrize("stats", [None, "fast"])
def test_missing_or_string_pytest_benchmark_stats_are_refused(tmp_path: Path, stats):
    bench = {"fullname": "t::x"} if stats is None else {"fullname": "t::x", "stats": stats}
    message = refused(pb_file(tmp_path / "pb.json", [bench]))
    assert "pytest-benchmark stats" in message and "t::x" in message


def test_a_pytest_benchmark_file_without_machine_info_is_not_called_pyperf(tmp_path: Path):
    path = pb_file(
        tmp_path / "pb.json",
        [{"fullname": "t", "stats": {"data": [0.1]}}],
        machine_info=None,
        version="5.3.1",
    )
    got = read_file(path)
    assert got.format == "pytest-benchmark" and len(got.measurements) == 1
    bad = pb_file(
        tmp_path / "pb2.json", [{"fullname": "t", "stats": {"data": [-1]}}], machine_info=None
    )
    assert "pyperf" not in refused(bad)


def test_malformed_pyperf_warmups_and_string_loops_are_warned_about(tmp_path: Path):
    got = read_file(pyperf_file(tmp_path / "p.json", [1.0, 1.1], run_extra={"warmups": [[1, "x"]]}))
    assert any("malformed warmups" in w and "pyperf" in w for w in got.warnings)
    got = read_file(
        pyperf_file(tmp_path / "q.json", [1.0, 1.1], run_extra={"metadata": {"loops": "8"}})
    )
    assert any("loops" in w for w in got.warnings)
    assert not read_file(
        pyperf_file(tmp_path / "r.json", [1.0, 1.1], run_extra={"warmups": [[1, 0.5]]})
    ).warnings


@pytest.mark.parametrize("field", ["commit_hash", "params", "env_name"])
def test_asv_files_missing_fields_are_warned_about(tmp_path: Path, field):
    got = read_file(asv_copy(tmp_path, lambda d: d.pop(field)))
    assert any(field in w and "asv" in w for w in got.warnings)


def test_an_asv_file_without_a_machine_is_warned_about(tmp_path: Path):
    got = read_file(asv_copy(tmp_path, lambda d: d["params"].pop("machine")))
    assert any("params.machine" in w for w in got.warnings)


def test_a_broken_benchmarks_json_next_to_the_file_is_warned_about(tmp_path: Path):
    folder = tmp_path / "copied"
    folder.mkdir()
    shutil.copy(ASV_FILE, folder / ASV_FILE.name)
    (folder / "benchmarks.json").write_text("{broken")
    got = read_file(folder / ASV_FILE.name)
    assert any("benchmarks.json" in w and "ignored" in w for w in got.warnings)
    shutil.copy(
        ASV / "benchmarks.json", folder / "benchmarks.json"
    )  # a good one next to it is used
    ms = {m.name: m for m in read_file(folder / ASV_FILE.name).measurements}
    assert (
        ms["b.T.track_thr(n=1, s='b')"].unit
        == json.loads((ASV / "benchmarks.json").read_text())["b.T.track_thr"]["unit"]
    )


# ---------------------------------------------------------------- machines


def test_machines_are_read_from_every_format(tmp_path: Path):
    asv_env = read_file(asv_copy(tmp_path)).env
    assert (
        asv_env["hostname"] == "vm"
        and asv_env["cpu_model_name"] == "AMD EPYC"
        and asv_env["cpu_count"] == "2"
    )
    pb_env = read_file(
        pb_file(tmp_path / "pb.json", [{"fullname": "t", "stats": {"data": [0.1]}}])
    ).env
    assert pb_env == {
        "hostname": "box",
        "cpu_model_name": "AMD EPYC",
        "cpu_count": "2",
        "python_version": "3.11.7",
    }
    pp = pyperf_file(
        tmp_path / "p.json",
        [1.0],
        meta={"hostname": "h1", "cpu_model_name": "Xeon", "python_version": "3.12"},
    )
    assert read_file(pp).env == {
        "hostname": "h1",
        "cpu_model_name": "Xeon",
        "python_version": "3.12",
    }


def test_compare_shows_the_machines_and_warns_when_they_differ(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = asv_copy(tmp_path / "b")
    head = asv_copy(
        tmp_path / "h",
        lambda d: d["params"].update(machine="other", cpu="Intel Xeon"),
        machine={"machine": "other", "cpu": "Intel Xeon"},
        name="other",
    )
    assert main(["compare", str(base), str(head), "--out", "out", "--json", "r.json"]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["environment_info"]["base"]["hostname"] == "vm"
    assert report["environment_info"]["head"]["cpu_model_name"] == "Intel Xeon"
    warned = " ".join(report["warnings"])
    assert "hostname" in warned and "cpu_model_name" in warned and "isolated" not in warned
    assert "cpu_model_name" in capsys.readouterr().out


# ---------------------------------------------------------------- baselines, terminal


def test_stale_temporary_baseline_files_are_cleaned_by_save(tmp_path: Path):
    old = tmp_path / ".main--vm.json.abc123.tmp"
    fresh = tmp_path / ".main--vm.json.def456.tmp"
    for p in (old, fresh):
        p.write_text("partial")
    past = time.time() - 2 * 3600
    os.utime(old, (past, past))
    baselines.save(baselines.build("main", "vm", [_m("x", 1.0)]), tmp_path)
    assert not old.exists() and fresh.exists()  # a save running right now keeps its own


def test_the_terminal_lists_the_worst_regressions_and_a_count():
    base = [_m(f"b{i:05d}", 1.0) for i in range(500)]
    head = [_m(f"b{i:05d}", 1.5 + i / 1000) for i in range(500)]
    report = an(base, head)
    text = render_terminal(report)
    assert len(report.comparisons) == 500 and text.count("\n") < 80
    assert (
        "460 more regressions in the report" in text and "b00499" in text
    )  # the worst one is shown


def test_every_refusal_names_the_format_it_was_read_as(tmp_path: Path):
    assert "asv" in refused(
        asv_copy(tmp_path / "a", lambda d: d["results"]["b.T.time_sleep"][0].__setitem__(0, 0))
    )
    assert "pyperf" in refused(pyperf_file(tmp_path / "p.json", [0.0]))
    message = refused(
        pb_file(
            tmp_path / "pb.json", [{"fullname": "t", "stats": {"data": [0]}}], machine_info=None
        )
    )
    assert "pytest-benchmark" in message and "pyperf" not in message
