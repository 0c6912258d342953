"""Plain CSV series without pandas (issue 17: the CLI within 2x of the detector): the
Table read by pyarrow gives the history the DataFrame gives, and anything unusual goes
to pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.config import Config
from perfkit.history import report as historyreport
from perfkit.history import series as history
from perfkit.history import seriesfile
from perfkit.model import Direction

ROOT = Path(__file__).resolve().parents[2]


def _same_analysis(a: history.HistoryResult, b: history.HistoryResult) -> None:
    da, db = historyreport.to_dict(a), historyreport.to_dict(b)
    da.pop("generated_at"), db.pop("generated_at")
    assert json.dumps(da, sort_keys=True) == json.dumps(db, sort_keys=True)
    assert a.series == b.series  # every field: commits, orders, values, change points
    assert a.measured.tolist() == b.measured.tolist()
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.frame.attrs == b.frame.attrs


def _steps(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.exp(0.02 * rng.standard_normal((n, 4)))
    x[n // 2 :, 0] *= 1.5
    x[n - 3 :, 2] *= 3.0
    wide = pd.DataFrame(x, columns=["zeta.b", "alpha.a", "mid", "<b>x"])
    wide["ints"] = rng.integers(100, 110, n)
    return wide


LAYOUTS = {
    "commit first": lambda w: w.assign(commit=[f"c{i}" for i in range(len(w))])[
        ["commit", *w.columns]
    ],
    "commit last": lambda w: w.assign(commit=[f"{i:040x}" for i in range(len(w))]),
    "no commit": lambda w: w,
    "holes": lambda w: w.mask(np.arange(w.size).reshape(w.shape) % 7 == 3),
    "empty column": lambda w: w.assign(empty=np.nan),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_plain_csv_table_gives_the_dataframes_history(tmp_path, layout):
    path = tmp_path / "s.csv"
    LAYOUTS[layout](_steps(60, 1)).to_csv(path, index=False)
    table = seriesfile.read_csv_table(path)
    assert isinstance(table, history.Table)  # the pandas-free path was taken
    assert len(table) == len(seriesfile.read_csv(path))
    fast, slow = history.analyse(table), history.analyse(seriesfile.read_csv(path))
    assert any(s.change_points for s in fast.series)  # a history with verdicts to compare
    _same_analysis(fast, slow)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-1000, 1000), st.none()),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=25,
    ),
    st.booleans(),
)
def test_any_plain_numbers_read_alike(tmp_path_factory, rows, threads):
    path = tmp_path_factory.mktemp("csv") / "s.csv"
    text = ["commit,a,b,c"] + [
        ",".join([f"k{i}", *("" if v is None else repr(v) for v in row)])
        for i, row in enumerate(rows)
    ]
    path.write_text("\n".join(text) + "\n")
    try:
        want = seriesfile.read_csv(path)
    except Exception as exc:  # e.g. no numeric values: the same error either way
        with pytest.raises(type(exc)):
            seriesfile.read_csv_table(path, use_threads=threads)
        return
    table = seriesfile.read_csv_table(path, use_threads=threads)
    _same_analysis(history.analyse(table), history.analyse(want))


@pytest.mark.parametrize(
    "text",
    [
        "commit,date,a\nx,2026-01-01,1\ny,2026-01-02,2\n",  # a date column
        "commit,date,a\nx,20260101,1\ny,20260102,2\n",  # a date column of numbers
        "commit,a,a\nx,1,2\ny,2,3\n",  # duplicate names: pandas renames them
        "commit,a\nx,1\ny,fast\n",  # words among the numbers
        "commit,a\nNA,1\ny,2\n",  # pandas reads the commit as missing
        "commit,a\nx,true\ny,false\n",  # not numbers
        "\ufeffcommit,a\nx,1\ny,2\n",  # a byte-order mark
        "commit, a\nx,1\ny,2\n",  # a name with blanks around it
        "commit,a\nx,1\nx,2\n",  # duplicate commits: read_csv's error
        "commit,a\n",  # no rows
        "commit\nx\ny\n",  # no metrics
    ],
)
def test_anything_unusual_is_left_to_pandas(tmp_path, text):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    assert seriesfile._read_plain_csv(path) is None
    try:
        want = seriesfile.read_csv(path)
    except Exception as exc:
        with pytest.raises(type(exc)):
            seriesfile.read_csv_table(path)
        return
    got = seriesfile.read_csv_table(path)
    assert isinstance(got, pd.DataFrame)
    pd.testing.assert_frame_equal(got, want)


def test_pandas_missing_texts_are_the_ones_left_to_pandas():
    from pandas._libs.parsers import STR_NA_VALUES

    assert frozenset(STR_NA_VALUES) == seriesfile.PANDAS_NA


def test_direction_overrides_on_a_table_match_the_dataframe(tmp_path):
    path = tmp_path / "s.csv"
    LAYOUTS["commit first"](_steps(60, 2)).to_csv(path, index=False)
    config = Config(
        direction=(("alpha.*", Direction.HIGHER_IS_BETTER), ("zeta.*", Direction.HIGHER_IS_BETTER))
    )
    fast = history.analyse(seriesfile.read_csv_table(path), config)
    slow = history.analyse(seriesfile.read_csv(path), config)
    _same_analysis(fast, slow)
    directions = {s.name: s.direction for s in fast.series}
    assert directions["zeta.b"] is Direction.HIGHER_IS_BETTER
    assert directions["mid"] is Direction.LOWER_IS_BETTER


def test_history_cli_on_plain_csv_imports_no_pandas_and_exports_the_table(tmp_path):
    path = tmp_path / "s.csv"
    LAYOUTS["commit first"](_steps(60, 3)).to_csv(path, index=False)
    code = (
        "import sys; from perfkit.cli import main; "
        f"rc = main(['-q', 'history', '--csv', {str(path)!r}, '--out', {str(tmp_path / 'o')!r}]);"
        "print(rc, 'pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.split()[-2:] == ["0", "False"], out.stdout + out.stderr
    from perfkit.cli import main

    export = tmp_path / "t.csv"
    assert (
        main(
            [
                "-q",
                "history",
                "--csv",
                str(path),
                "--out",
                str(tmp_path / "o2"),
                "--export",
                str(export),
            ]
        )
        == 0
    )
    want = history.analyse(seriesfile.read_csv(path)).frame
    got = pd.read_csv(export, keep_default_na=False)
    assert len(got) == len(want) and set(got["series"]) == set(map(str, want["series"]))
    assert (got["change"] != "").sum() == (want["change"] != "").sum() > 0


def test_measured_counts_from_arrays_are_the_series_orders(tmp_path):
    from perfkit.history import events

    path = tmp_path / "s.csv"
    wide = LAYOUTS["holes"](_steps(40, 4))
    wide["short"] = np.where(np.arange(40) < 3, 1.0, np.nan)  # too short to analyse
    wide.iloc[-2:, :] = np.nan  # the newest commits measured nowhere
    wide.to_csv(path, index=False)
    for table in (seriesfile.read_csv_table(path), seriesfile.read_csv(path)):
        result = history.analyse(table)
        assert any(s.too_short for s in result.series)
        want = np.bincount(np.concatenate([np.asarray(s.orders) for s in result.series]))
        assert result.measured is not None
        assert events._measured(result).tolist() == want.tolist()
        assert int(want.max()) > int(want.min())  # the holes: not every series everywhere
        assert want.size == 38


@pytest.mark.parametrize("layout", ["commit first", "no commit", "holes"])
def test_a_wide_tables_blocks_are_its_sorted_series(tmp_path, layout):
    path = tmp_path / "s.csv"
    LAYOUTS[layout](_steps(30, 5)).to_csv(path, index=False)
    table = seriesfile.read_csv_table(path)
    assert table.block == 30
    perm, bounds = history._block_bounds(table)  # None: the rows stay in place
    want_perm, want_bounds = history._series_bounds(table)
    assert perm is None and len(bounds) == len(want_bounds) == 5
    for (start, stop, label), (a, b, want_label) in zip(bounds, want_bounds, strict=True):
        assert label == want_label  # the same series in the same order, on the same rows
        assert list(range(start, stop)) == want_perm[a:b].tolist()
    assert [label for _, _, label in bounds] == sorted(label for _, _, label in bounds)


@pytest.mark.parametrize("numba_config", [False, True])
def test_numba_is_imported_without_scipy_and_yaml_unless_its_config_needs_yaml(
    tmp_path, numba_config
):
    if numba_config:
        (tmp_path / ".numba_config.yaml").write_text("# no settings\n")
    code = (
        "import sys; import perfkit.history.ranksegment; "
        "print('scipy' in sys.modules, 'yaml' in sys.modules); "
        "import scipy, yaml, numba; print(numba.core.config._HAVE_YAML)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.split() == ["False", str(numba_config), str(numba_config)], out.stderr


def test_integer_and_empty_columns_are_parsed_as_floats_like_pandas(tmp_path):
    """Metric columns are parsed as float64 without type inference: a column of integers
    (beyond 2**53 too), an empty column and one with gaps give pandas' numbers."""
    rng = np.random.default_rng(5)
    rows = ["commit,ints,empty,gaps,big"]
    for i in range(40):
        step = 3 if i >= 20 else 0
        gap = "" if i % 7 == 3 else repr(10.0 + step + rng.normal())
        rows.append(f"c{i},{100 + 10 * step + int(rng.integers(0, 3))},,{gap},{2**60 + 999 * i}")
    path = tmp_path / "s.csv"
    path.write_text("\n".join(rows) + "\n")
    parsed = seriesfile.parse_plain_csv(path, use_threads=False)
    assert parsed is not None  # the fast path, not pandas
    assert {str(t) for t in parsed.schema.types} == {"string", "double"}
    fast = history.analyse(seriesfile.read_csv_table(path, parsed=parsed))
    _same_analysis(fast, history.analyse(seriesfile.read_csv(path)))
    changed = {s.name for s in fast.series if s.change_points}
    assert {"ints", "gaps"} <= changed  # the steps are found in both numeric columns


def test_a_file_parsed_elsewhere_reads_as_the_file(tmp_path):
    path = tmp_path / "s.csv"
    LAYOUTS["holes"](_steps(40, 6)).to_csv(path, index=False)
    parsed = seriesfile.parse_plain_csv(path, use_threads=False)
    assert parsed is not None
    _same_analysis(
        history.analyse(seriesfile.read_csv_table(path, parsed=parsed)),
        history.analyse(seriesfile.read_csv(path)),
    )
    flags = tmp_path / "f.csv"
    flags.write_text("commit,a,b\nx,true,1\ny,false,2\n")  # a plain header, a bool column
    parsed = seriesfile.parse_plain_csv(flags)
    assert parsed is None  # metric columns are parsed as float64: a bool column fails
    got = seriesfile.read_csv_table(flags, parsed=parsed)
    assert isinstance(got, pd.DataFrame)
    pd.testing.assert_frame_equal(got, seriesfile.read_csv(flags))


def test_the_collector_is_back_after_a_run_unless_the_process_exits_next(tmp_path, monkeypatch):
    import gc

    import perfkit.cli as cli

    path = tmp_path / "s.csv"
    LAYOUTS["commit first"](_steps(40, 7)).to_csv(path, index=False)
    args = ["-q", "history", "--csv", str(path), "--out", str(tmp_path / "o")]
    assert gc.isenabled()
    assert cli.main(args) == 0
    assert gc.isenabled()  # in-process (tests, library use): restored
    monkeypatch.setattr(cli, "QUICK_EXIT", True)  # the console script: os._exit follows
    try:
        assert cli.main(args) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
