"""Reading asv, pyperf and pytest-benchmark results; every broken file refused in one line."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.errors import ResultsFormatError
from perfkit.ingest import load
from perfkit.ingest.asv import load_results
from perfkit.model import BenchmarkKind, Direction

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
ASV = DATA / "asv-results"
ASV_FILE = next((ASV / "vm").glob("*-existing-*.json"))


def test_real_asv_results_are_expanded_per_parameter_combination():
    ms = {m.name: m for m in load_results(ASV, commit="243cc75c")}
    sleep = ms["b.T.time_sleep(n=2, s='a')"]
    assert sleep.kind is BenchmarkKind.TIME and sleep.unit == "seconds" and len(sleep.samples) == 5
    assert sleep.params == (("n", "2"), ("s", "'a'")) and sleep.version and sleep.started_at > 1.7e9
    assert ms["b.T.track_thr(n=1, s='b')"].direction is Direction.HIGHER_IS_BETTER  # unit msg/s
    assert ms["b.T.peakmem_list(n=1, s='a')"].kind is BenchmarkKind.PEAKMEM
    assert ms["b.time_fail"].error and not ms["b.time_fail"].samples  # failed, not dropped
    assert len(ms) == 13


def test_stale_entries_are_dropped_with_since():
    newest = max(m.started_at for m in load_results(ASV))
    assert {m.name for m in load_results(ASV, since=newest)} <= {"b.time_fail"}


def test_pyperf_keeps_runs_apart():
    (a, b) = load(DATA / "pyperf-suite.json")
    assert a.runs_known and len(a.runs) == 2 and len(a.runs[0]) == 5 and a.unit == "seconds"


def test_pytest_benchmark(tmp_path: Path):
    path = tmp_path / "pb.json"
    path.write_text(
        json.dumps(
            {
                "machine_info": {},
                "commit_info": {"id": "abc"},
                "version": "5.1.0",
                "benchmarks": [{"fullname": "t.py::test_x[<b>]", "stats": {"data": [0.1, 0.2]}}],
            }
        )
    )
    (x,) = load(path)
    assert x.name == "t.py::test_x[<b>]" and x.samples == (0.1, 0.2) and x.commit == "abc"


def asv_variant(tmp_path: Path, mutate) -> Path:
    data = json.loads(ASV_FILE.read_text())
    mutate(data)
    (tmp_path / "vm").mkdir()
    path = tmp_path / "vm" / ASV_FILE.name
    path.write_text(json.dumps(data))
    shutil.copy(ASV / "benchmarks.json", tmp_path / "benchmarks.json")
    return path


def row(data, name):
    return data["results"][name]


BAD_ASV = {
    "wrong version": (lambda d: d.update(version=1), "unsupported asv result version"),
    "no results": (lambda d: d.update(results={}), "no benchmark results"),
    "negative timing": (
        lambda d: row(d, "b.T.time_sleep")[11][0].__setitem__(0, -0.5),
        "negative sample",
    ),
    "NaN sample": (
        lambda d: row(d, "b.T.time_sleep")[11][0].__setitem__(1, float("nan")),
        "not finite",
    ),
    "string sample": (
        lambda d: row(d, "b.T.time_sleep")[11][0].__setitem__(1, "fast"),
        "not a number",
    ),
    "row too long": (lambda d: row(d, "b.time_fail").extend([1] * 20), "row does not match"),
    "grid mismatch": (lambda d: row(d, "b.T.time_sleep").__setitem__(0, [1.0]), "parameter grid"),
    "params differ": (
        lambda d: row(d, "b.T.time_sleep")[1].__setitem__(0, ["9", "8"]),
        "differ from benchmarks.json",
    ),
    # issue 16: a control character in a name is no longer a refusal (see test_ingest_issue16.py)
    "zero timing": (lambda d: row(d, "b.T.time_sleep")[11][0].__setitem__(0, 0.0), "zero sample"),
    "zero result": (lambda d: row(d, "b.T.time_sleep")[0].__setitem__(0, 0), "zero result"),
    "negative result": (lambda d: row(d, "b.T.track_thr")[0].__setitem__(0, -1), "negative result"),
}


@pytest.mark.parametrize("case", list(BAD_ASV))
def test_broken_asv_files_are_one_line_errors(tmp_path: Path, case: str):
    mutate, words = BAD_ASV[case]
    path = asv_variant(tmp_path, mutate)
    with pytest.raises(ResultsFormatError) as info:
        load(path)
    message = str(info.value)
    assert words in message and str(path) in message and "\n" not in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (ASV_FILE.read_bytes()[:500], "truncated or invalid JSON"),
        (b"[1, 2]", "not a recognised results file"),
        (b'{"a": 1, "a": 2}', "duplicated key"),
        (gzip.compress(b'{"version": "1.0"}')[:12], "corrupt or truncated gzip"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"version": "1.0", "benchmarks": []}', "holds no benchmarks"),
        (b'{"version": "2.0", "benchmarks": [{"runs": []}]}', "unsupported pyperf format"),
        (
            b'{"version": "1.0", "benchmarks": [{"metadata": {"name": "x", "unit": "second"}, "runs": [{"values": [-1]}]}]}',
            "negative sample",
        ),
        (
            b'{"version": "1.0", "benchmarks": [{"metadata": {"name": "x", "unit": "parsec"}, "runs": [{"values": [1]}]}]}',
            "unknown unit",
        ),
        (
            b'{"machine_info": {}, "benchmarks": [{"fullname": "t", "stats": {}}]}',
            "benchmark-save-data",
        ),
        (
            b'{"machine_info": {}, "benchmarks": [{"fullname": "t", "stats": {"data": [1]}}, {"fullname": "t", "stats": {"data": [1]}}]}',
            "appears twice",
        ),
    ],
)
def test_broken_files_of_every_format_are_one_line_errors(
    tmp_path: Path, content: bytes, words: str
):
    path = tmp_path / "results.json"
    path.write_bytes(content)
    with pytest.raises(ResultsFormatError) as info:
        load(path)
    assert words in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_cli_refuses_bad_input_with_exit_2_and_writes_nothing(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 2, "result_columns": ["result"], "results": {"x": [-1.0]}}')
    assert main(["compare", str(bad), str(ASV_FILE), "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("perfkit: error:") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_directories_and_missing_commits_are_clear(tmp_path: Path):
    with pytest.raises(ResultsFormatError, match="no such results directory"):
        load_results(tmp_path / "nope")
    with pytest.raises(ResultsFormatError, match="no results for commit deadbeef"):
        load_results(ASV, commit="deadbeef")
    with pytest.raises(ResultsFormatError, match="at least 4"):
        load_results(ASV, commit="ab")


@pytest.mark.parametrize(("count", "runs"), [(10, 2), (8, 1), (5, 1)])
def test_asv_rounds_become_processes_only_when_the_split_is_certain(
    tmp_path: Path, count: int, runs: int
):
    """benchmarks.json: rounds 2, repeat 0 (asv: up to 5 samples a round). Ten samples
    are two full rounds; eight could be 5 + 3 or 4 + 4, so they stay pooled."""
    samples = [0.01 + 0.001 * i for i in range(count)]
    path = asv_variant(tmp_path, lambda d: row(d, "b.T.time_sleep")[11].__setitem__(0, samples))
    (m,) = [m for m in load(path) if m.name == "b.T.time_sleep(n=1, s='a')"]
    assert len(m.runs) == runs and m.runs_known == (runs > 1) and m.samples == tuple(samples)


def test_rounds_perfkit_ran_are_recorded_so_one_process_is_never_split(tmp_path: Path):
    from perfkit.measure.asvrun import record_attributes

    samples = [0.01 + 0.001 * i for i in range(10)]
    path = asv_variant(tmp_path, lambda d: row(d, "b.T.time_sleep")[11].__setitem__(0, samples))
    record_attributes(tmp_path, 10)  # one asv invocation with -a rounds=1 -a repeat=10
    meta = json.loads((tmp_path / "benchmarks.json").read_text())["b.T.time_sleep"]
    assert (meta["rounds"], meta["repeat"]) == (1, 10)
    (m,) = [m for m in load(path) if m.name == "b.T.time_sleep(n=1, s='a')"]
    assert len(m.runs) == 1 and not m.runs_known
    record_attributes(tmp_path, "(1,5,10.0)")
    assert json.loads((tmp_path / "benchmarks.json").read_text())["b.T.time_sleep"]["repeat"] == [
        1,
        5,
        10.0,
    ]
