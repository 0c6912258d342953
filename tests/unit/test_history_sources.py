"""Where history comes from: asv result format 1 (real files), unreadable files, and the
commit order without a git repository (asv's index.json, an order file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.errors import HistoryError
from perfkit.history import commitorder
from perfkit.history import series as history
from perfkit.ingest import asv, asv_v1, load

DATA = Path(__file__).resolve().parents[1] / "data"
REAL_V1 = DATA / "ingest" / "asv-v1" / "e9bd5158-py2.7-Cython-astropy0.4.1-numpy1.8.json"
PHOTUTILS = DATA / "history" / "photutils-v1"
SHIFT = "87b2430a3db91861935596f99fa8f5ac94ee6f05"  # every benchmark ~+10 % (real)


# --- asv result format 1 ---------------------------------------------------------------------


def test_real_format_1_file_reads_every_benchmark():
    data = json.loads(REAL_V1.read_text())
    assert data["version"] == 1 and "result_columns" not in data
    ms = asv.read_result_file(REAL_V1, {})
    assert len(ms) == len(data["results"]) == 108
    by_name = {m.name: m for m in ms}
    m = by_name["geometry.time_circular_big_exact"]
    assert m.value == data["results"]["geometry.time_circular_big_exact"]
    assert m.commit == data["commit_hash"] and m.machine == "tom-mac-mini"
    assert m.environment == "py2.7-Cython-astropy0.4.1-numpy1.8"  # from the file name rule
    assert load(REAL_V1) and asv.sniff(data)  # the generic reader (compare, check) too


def _asv_v2_of(data: dict) -> dict:
    """asv's own migration of a format-1 dict (the reference for ours)."""
    from asv.results import Results

    return Results.update_to_2(json.loads(json.dumps(data)))


def test_format_1_conversion_matches_asvs_own_on_the_real_file(tmp_path):
    data = json.loads(REAL_V1.read_text())
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps({**_asv_v2_of(data), "version": 2}))
    mine = asv.read_result_file(REAL_V1, {})
    ref = asv.read_result_file(theirs, {})
    strip = [(m.name, m.value, m.runs, m.commit, m.environment) for m in mine]
    assert strip == [(m.name, m.value, m.runs, m.commit, m.environment) for m in ref]


ASV04_STYLE = {  # the asv 0.3/0.4 shape of format 1: dict entries with params, stats, samples
    "commit_hash": "0123456789abcdef0123456789abcdef01234567",
    "date": 1546300800000,
    "env_name": "conda-py3.7-numpy",
    "params": {"machine": "ci", "cpu": "x", "python": "3.7", "arch": "x86_64"},
    "python": "3.7",
    "requirements": {"numpy": ""},
    "results": {
        "mod.time_plain": {
            "result": [0.5],
            "params": [],
            "stats": [{"ci_99": [0.4, 0.6], "q_25": 0.45, "q_75": 0.55, "number": 1, "repeat": 4}],
            "samples": [[0.45, 0.5, 0.5, 0.55]],
        },
        "mod.Cls.time_param": {
            "result": [1.0, None],
            "params": [["1", "2"]],
            "stats": [None, None],
            "samples": [None, None],
        },
        "mod.time_failed": None,
        "mod.track_bare": 3.0,
    },
    "started_at": {"mod.time_plain": 1546300900000, "mod.Cls.time_param": 1546300900000},
    "ended_at": {"mod.time_plain": 1546300901000},
    "benchmark_version": {"mod.time_plain": "abc", "mod.Cls.time_param": "def"},
    "profiles": {},
    "version": 1,
}


def test_asv04_shape_matches_asvs_own_migration(tmp_path):
    mine_path = tmp_path / "v1.json"
    mine_path.write_text(json.dumps(ASV04_STYLE))
    theirs_path = tmp_path / "v2.json"
    theirs_path.write_text(json.dumps({**_asv_v2_of(ASV04_STYLE), "version": 2}))
    mine, ref = asv.read_result_file(mine_path, {}), asv.read_result_file(theirs_path, {})

    def key(m):
        return (m.name, m.value, m.runs, m.error, m.skipped, m.version, m.started_at)

    assert [key(m) for m in mine] == [key(m) for m in ref]
    by_name = {m.name: m for m in mine}
    assert by_name["mod.time_plain"].runs == ((0.45, 0.5, 0.5, 0.55),)
    assert by_name["mod.time_failed"].error and by_name["mod.time_plain"].started_at == 1546300900.0
    assert len([m for m in mine if m.benchmark == "mod.Cls.time_param"]) == 2


def test_format_1_env_name_rebuilt_like_asv():
    data = {k: v for k, v in ASV04_STYLE.items() if k != "env_name"}
    data["requirements"] = {"numpy": "1.8", "Cython": None}
    assert asv_v1.env_name(data) == "py3.7-Cython-numpy1.8"


# --- a real history without a repository -----------------------------------------------------


def test_real_format_1_history_ordered_by_an_order_file_finds_the_shared_shift():
    order = commitorder.from_file(PHOTUTILS / "order.txt")
    df = history.load(PHOTUTILS / "results", order=order)
    assert df["commit"].nunique() == 40 and df["name"].nunique() == 12
    result = history.analyse(df)
    assert result.order_source.startswith("order file")
    (event,) = result.events
    assert event.commit == SHIFT and event.size == 12 and 1.05 < event.median_ratio < 1.2
    assert event.suites == ("geometry",) and event.regressions == 12
    # one suite only: "unrelated benchmarks moved together" cannot be told (the full
    # history, two suites, flags it: docs/history.md)
    assert not event.environment_change
    for s in result.series:  # each series keeps its own verdict
        assert all(cp.commit == SHIFT or cp.provisional for cp in s.change_points)


def test_cli_real_history_without_git(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a git repository
    code = main(
        [
            "history",
            "--results",
            str(PHOTUTILS / "results"),
            "--order-from",
            str(PHOTUTILS / "order.txt"),
            "--format",
            "json",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and SHIFT[:12] in out.splitlines()[1]
    assert (tmp_path / "o" / "history.json").exists()
    assert not (tmp_path / "o" / "index.html").exists() and not (tmp_path / "o" / "plots").exists()


def test_no_order_available_is_exit_2_before_reading(tmp_path, capsys, monkeypatch):
    results = tmp_path / "results"
    shutil.copytree(PHOTUTILS / "results", results)
    monkeypatch.chdir(tmp_path)

    def must_not_read(*_a, **_k):
        raise AssertionError("results were read before the order was known")

    monkeypatch.setattr(history, "load", must_not_read)
    assert main(["history", "--results", str(results)]) == 2
    err = capsys.readouterr().err
    assert "--repo" in err and "--order-from" in err and len(err.strip().splitlines()) == 1
    assert main(["history", "--results", str(results), "--repo", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_index_json_revision_to_hash_orders_the_history(tmp_path):
    hashes = [line for line in (PHOTUTILS / "order.txt").read_text().split() if line]
    index = {
        "revision_to_hash": {str(100 + i): h for i, h in enumerate(hashes)},
        "revision_to_date": {str(100 + i): 1400000000000 + i for i in range(len(hashes))},
    }
    (tmp_path / "index.json").write_text(json.dumps(index))
    order = commitorder.from_file(tmp_path / "index.json")
    assert order.positions[hashes[0]][0] == 0 and order.positions[hashes[-1]][0] == len(hashes) - 1
    assert order.positions[hashes[0]][1].startswith("2014-05-13")
    from_file = commitorder.from_file(PHOTUTILS / "order.txt")
    assert {h: p for h, (p, _) in order.positions.items()} == {
        h: p for h, (p, _) in from_file.positions.items()
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{}", "revision_to_hash"),
        ("not-a-hash\n", "not a commit hash"),
        ("\n# none\n", "no commit"),
    ],
)
def test_bad_order_files_are_one_line_errors(tmp_path, text, words):
    (tmp_path / "o").write_text(text)
    with pytest.raises(HistoryError, match=words):
        commitorder.from_file(tmp_path / "o")


# --- unreadable files ------------------------------------------------------------------------


def test_unreadable_files_are_skipped_with_one_warning(tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(PHOTUTILS / "results", results)
    (results / "tom-mac-mini" / "deadbeef-py2.7-x.json").write_text("{truncated")
    (results / "tom-mac-mini" / "cafebabe-py2.7-x.json").write_text('{"version": 9}')
    code = main(
        [
            "history",
            "--results",
            str(results),
            "--order-from",
            str(PHOTUTILS / "order.txt"),
            "--format",
            "json",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    (line,) = [ln for ln in err.splitlines() if "cannot be read" in ln]
    assert "skipped 2 result file(s)" in line
    assert "deadbeef-py2.7-x.json" in line and "cafebabe-py2.7-x.json" in line
    data = json.loads((tmp_path / "o" / "history.json").read_text())
    assert len(data["unreadable_files"]) == 2


def test_directory_where_nothing_can_be_read_is_exit_2(tmp_path, capsys):
    results = tmp_path / "results" / "m"
    results.mkdir(parents=True)
    for name in ("aaaaaaaa-env.json", "bbbbbbbb-env.json"):
        (results / name).write_text("[1, 2")
    code = main(
        [
            "history",
            "--results",
            str(tmp_path / "results"),
            "--order-from",
            str(PHOTUTILS / "order.txt"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "none of its 2 result files can be read" in err
    assert "Traceback" not in err
