from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from perfkit.cli import main
from perfkit.errors import HistoryError, ResultsFormatError
from perfkit.history import report as historyreport
from perfkit.history import series as history
from perfkit.history import seriesfile
from perfkit.model import BenchmarkKind, Direction, Measurement, Verdict


def _m(commit: str, value: float, name: str = "suite.time_x", **kw) -> Measurement:
    rng = np.random.default_rng(abs(hash((commit, name))) % 2**32)
    samples = tuple(value * (1 + 0.002 * rng.standard_normal(10)))
    defaults = dict(
        name=name,
        benchmark=name.split("(")[0],
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=(samples,),
        commit=commit,
        machine="m1",
        environment="venv",
        started_at=1.0,
    )
    defaults.update(kw)
    return Measurement(**defaults)


def _order(n: int) -> dict[str, tuple[int, str]]:
    return {f"{i:040x}": (i, f"2024-01-{(n - i) % 28 + 1:02d}") for i in range(n)}


def _series_measurements(n: int, step_at: int, factor: float, **kw) -> list[Measurement]:
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        level = 1.0 * (factor if i >= step_at else 1.0) * (1 + 0.01 * rng.standard_normal())
        out.append(_m(f"{i:040x}", level, **kw))
    return out


def test_frame_orders_by_history_not_by_date_and_skips_unknown_commits():
    order = _order(5)
    ms = [_m(f"{i:040x}", 1.0 + i) for i in (3, 0, 4, 1, 2)] + [_m("f" * 40, 9.0)]
    df = history.frame(ms, order)
    assert list(df["order"]) == [0, 1, 2, 3, 4]
    assert df.attrs["skipped_commits"] == ["f" * 40]
    assert list(df.columns) == list(history.COLUMNS)
    assert df["n"].iloc[0] == 10 and df["q25"].iloc[0] <= df["median"].iloc[0] <= df["q75"].iloc[0]


def test_frame_resolves_short_hashes_and_keeps_latest_rerun():
    order = _order(3)
    ms = [
        _m(f"{1:040x}"[:8], 1.0, started_at=1.0),
        _m(f"{1:040x}", 2.0, started_at=5.0),
        _m(f"{1:040x}", 3.0, started_at=2.0),
    ]
    df = history.frame(ms, order)
    assert len(df) == 1 and df["commit"].iloc[0] == f"{1:040x}"
    assert df["median"].iloc[0] == pytest.approx(2.0, rel=0.01)


def test_failed_measurement_is_a_gap_with_its_error():
    ms = _series_measurements(40, 20, 1.3)
    ms[25] = _m(f"{25:040x}", 1.0, runs=(), error="boom")
    result = history.analyse(history.frame(ms, _order(40)))
    (series,) = result.series
    assert len(series.commits) == 39
    assert result.frame.loc[result.frame["commit"] == f"{25:040x}", "error"].item() == "boom"
    assert [cp.index for cp in series.change_points] == [20]


def test_analyse_finds_step_and_marks_verdict_columns():
    ms = _series_measurements(60, 35, 1.25)
    result = history.analyse(history.frame(ms, _order(60)))
    (series,) = result.series
    (cp,) = series.change_points
    assert cp.commit == f"{35:040x}" and cp.verdict is Verdict.REGRESSION
    assert cp.ratio == pytest.approx(1.25, rel=0.02)
    marked = result.frame[result.frame["change"] != ""]
    assert list(marked["commit"]) == [f"{35:040x}"]
    assert marked["change"].item() == "regression"
    assert set(history.VERDICT_COLUMNS) <= set(result.frame.columns)


def test_higher_is_better_series_drop_is_regression():
    ms = _series_measurements(
        60, 30, 0.7, kind=BenchmarkKind.TRACK, direction=Direction.HIGHER_IS_BETTER
    )
    (series,) = history.analyse(history.frame(ms, _order(60))).series
    assert [cp.verdict for cp in series.change_points] == [Verdict.REGRESSION]


def test_version_change_splits_series_and_is_never_a_change_point():
    ms = _series_measurements(30, 99, 1.0, version="v1") + [
        _m(f"{i:040x}", 2.0 * (1 + 0.01 * np.sin(i)), version="v2") for i in range(30, 60)
    ]
    result = history.analyse(history.frame(ms, _order(60)))
    assert len(result.series) == 2
    assert all("version" in s.series for s in result.series)
    assert all(not s.change_points for s in result.series)


def test_too_short_series_is_reported():
    ms = _series_measurements(60, 30, 1.3) + [
        _m(f"{i:040x}", 1.0, name="suite.time_new") for i in range(55, 60)
    ]
    result = history.analyse(history.frame(ms, _order(60)))
    assert [s.name for s in result.too_short] == ["suite.time_new"]
    assert len(result.changed) == 1


def test_analyse_rejects_table_without_columns():
    with pytest.raises(HistoryError):
        history.analyse(pd.DataFrame({"commit": ["a"]}))


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": "/usr/bin:/bin",
    }
    if date:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = date
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def test_commit_order_follows_topology_not_dates(tmp_path):
    _git(tmp_path, "init", "-q")
    dates = ["2024-03-01T00:00:00", "2023-01-01T00:00:00", "2025-06-01T00:00:00"]
    shas = []
    for i, date in enumerate(dates):
        (tmp_path / "f").write_text(str(i))
        _git(tmp_path, "add", "f")
        _git(tmp_path, "commit", "-qm", f"c{i}", date=date)
        shas.append(_git(tmp_path, "rev-parse", "HEAD"))
    order = history.commit_order(tmp_path)
    assert [order[s][0] for s in shas] == [0, 1, 2]
    assert order[shas[1]][1].startswith("2023-01-01")


# --- plain series files ----------------------------------------------------------------------


def _wide(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    latency = 1.0 + 0.01 * rng.standard_normal(n)
    latency[50:] += 0.2
    return pd.DataFrame(
        {"commit": [f"c{i}" for i in range(n)], "latency": latency, "<b>mem": 5.0 + rng.random(n)}
    )


def test_csv_and_json_give_the_same_history(tmp_path):
    wide = _wide()
    wide.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "a.json").write_text(json.dumps(wide.to_dict(orient="list")))
    (tmp_path / "r.json").write_text(json.dumps(wide.to_dict(orient="records")))
    frames = [
        seriesfile.read_csv(tmp_path / "s.csv"),
        seriesfile.read_json(tmp_path / "a.json"),
        seriesfile.read_json(tmp_path / "r.json"),
    ]
    for df in frames:
        result = history.analyse(df)
        cps = {s.name: [(cp.index, cp.commit) for cp in s.change_points] for s in result.series}
        assert cps == {"latency": [(50, "c50")], "<b>mem": []}


def test_csv_without_commit_column_uses_row_numbers(tmp_path):
    _wide().drop(columns="commit").to_csv(tmp_path / "s.csv", index=False)
    df = seriesfile.read_csv(tmp_path / "s.csv")
    assert df["commit"].iloc[0] == "0" and df["order"].max() == 79


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.json", "{not json"),
        ("ragged.json", '{"a": [1, 2], "b": [1]}'),
        ("scalar.json", "3"),
        ("empty.csv", ""),
        ("words.csv", "commit,a\nx,1\ny,oops\n"),
        ("dup.csv", "commit,a\nx,1\nx,2\n"),
        ("nometric.csv", "commit\nx\n"),
    ],
)
def test_bad_series_files_are_one_line_errors(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    reader = seriesfile.read_json if name.endswith(".json") else seriesfile.read_csv
    with pytest.raises(ResultsFormatError) as err:
        reader(path)
    assert "\n" not in str(err.value) and name in str(err.value)


# --- outputs and CLI -------------------------------------------------------------------------


def test_write_outputs_escape_names_and_plot_only_changed(tmp_path):
    wide = _wide()
    wide["<script>alert(1)</script>"] = wide["latency"]
    result = history.analyse(seriesfile.to_history(wide, "x"))
    files = historyreport.write(result, tmp_path)
    data = json.loads(files.json.read_text())
    assert data["version"] == historyreport.SCHEMA_VERSION
    changed = {s["series"] for s in data["series"] if s["change_points"]}
    assert changed == {"latency", "<script>alert(1)</script>"}
    assert len(files.plots) == 2 and all(p.read_bytes()[:4] == b"\x89PNG" for p in files.plots)
    html = files.html.read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html and "https://" not in html


def test_cli_history_csv_json_and_export(tmp_path, capsys):
    _wide().to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "out"
    code = main(
        [
            "history",
            "--csv",
            str(tmp_path / "s.csv"),
            "--json",
            "-",
            "--out",
            str(out),
            "--export",
            str(tmp_path / "h.csv"),
            "--format",
            "all",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    by_name = {s["series"]: s["change_points"] for s in printed["series"]}
    assert [(c["index"], c["commit"]) for c in by_name["latency"]] == [(50, "c50")]
    exported = pd.read_csv(tmp_path / "h.csv")
    assert "change" in exported.columns and (out / "index.html").exists()


def test_cli_history_bad_input_exit_2(tmp_path, capsys):
    assert main(["history", "--results", str(tmp_path / "none")]) == 2
    assert main(["history", "--csv", "a.csv", "--export", str(tmp_path / "x.txt")]) == 2
    (tmp_path / "s.csv").write_text("commit,a\nx,oops\n")
    assert main(["history", "--csv", str(tmp_path / "s.csv")]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("cell", ["", "NA", "null"])
def test_cli_history_csv_row_without_a_commit_is_bad_input(tmp_path, capsys, cell):
    """A commit cell pandas reads as missing was an internal error (exit 3) before."""
    path = tmp_path / "s.csv"
    path.write_text(f"commit,a,b\nc1,1.0,2.0\n{cell},1.1,2.1\nc3,1.0,2.0\n")
    assert main(["history", "--csv", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "line 3 has no commit" in err and "Traceback" not in err


def test_config_overrides_direction():
    from perfkit.config import Config

    ms = _series_measurements(60, 30, 0.7)  # lower values: an improvement for a time
    config = Config(direction=(("suite.*", Direction.HIGHER_IS_BETTER),))
    (plain,) = history.analyse(history.frame(ms, _order(60))).series
    (flipped,) = history.analyse(history.frame(ms, _order(60)), config).series
    assert [cp.verdict for cp in plain.change_points] == [Verdict.IMPROVEMENT]
    assert [cp.verdict for cp in flipped.change_points] == [Verdict.REGRESSION]
