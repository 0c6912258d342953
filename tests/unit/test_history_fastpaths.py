"""The speed paths of the history table (issue 17) give what the plain ones gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.history import series as history
from perfkit.history import seriesfile

finite = st.floats(1e-9, 1e9, allow_nan=False)


def _five(s: list[float]) -> list[float]:
    """The row-by-row quartiles the table used before (plain Python)."""
    last = len(s) - 1

    def q(p: float) -> float:
        h = last * p
        lo = int(h)
        hi = min(lo + 1, last)
        return s[lo] + (s[hi] - s[lo]) * (h - lo)

    return [s[0], q(0.25), q(0.5), q(0.75), s[last]]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(finite, min_size=0, max_size=12).map(tuple), min_size=1, max_size=30))
def test_quantiles_are_the_row_by_row_ones(samples):
    got = history._quantiles(samples)
    for i, s in enumerate(samples):
        if not s:
            assert all(np.isnan(q[i]) for q in got)
            continue
        assert [q[i] for q in got] == _five(sorted(s))  # the same arithmetic: equal
        want = np.percentile(np.asarray(s), [0, 25, 50, 75, 100])
        assert np.allclose([q[i] for q in got], want, rtol=1e-12, atol=0)


labels = st.sampled_from(["b", "a", "", "c d", "nan", "a1"])


@settings(max_examples=100, deadline=None)
@given(st.lists(labels, min_size=1, max_size=40), st.booleans())
def test_categorical_codes_match_factorizing_the_text(values, missing):
    plain = pd.Series(values, dtype=object)
    want_codes, want_uniques = pd.factorize(history._text(plain), sort=True)
    want = [str(want_uniques[c]) for c in want_codes]
    for column in (plain, plain.astype("category")):
        codes, uniques = history._codes(column)
        assert [str(uniques[c]) for c in codes] == want
        assert list(uniques) == sorted(uniques)
    cat = pd.Series(values + [None] * missing, dtype=object).astype("category")
    codes, uniques = history._codes(cat)
    assert [str(uniques[c]) for c in codes] == history._text(cat).tolist()  # missing: "nan"
    vc, vu = history._version_codes(cat)
    assert [str(vu[c]) for c in vc] == values + [""] * missing


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1, 3), st.integers(-1, 2), st.integers(0, 1), st.integers(-5, 50)),
        min_size=1,
        max_size=60,
    )
)
def test_composite_sort_is_the_lexsort(rows):
    a = np.asarray(rows, dtype=np.int64)
    keys = [a[:, 0], a[:, 1], a[:, 2]]
    want = np.lexsort((a[:, 3], a[:, 2], a[:, 1], a[:, 0]))
    assert history._sort_rows(a[:, 3], keys).tolist() == want.tolist()


def test_series_file_mixes_numeric_and_text_columns():
    raw = pd.DataFrame(
        {"commit": ["a", "b", "c"], "x": [1.0, 2.0, np.nan], "y": ["3", None, "5"], "z": [7, 8, 9]}
    )
    df = seriesfile.to_history(raw, "mixed")
    wide = df.pivot(index="commit", columns="name", values="median")
    assert wide.loc[["a", "b", "c"], "x"].tolist()[:2] == [1.0, 2.0]
    assert np.isnan(wide.loc["c", "x"]) and np.isnan(wide.loc["b", "y"])
    assert wide.loc[["a", "c"], "y"].tolist() == [3.0, 5.0]
    assert wide.loc[["a", "b", "c"], "z"].tolist() == [7.0, 8.0, 9.0]


def test_default_output_renders_no_plots_unless_html_is_asked_for(tmp_path, capsys):
    from perfkit.cli import main

    x = np.exp(0.02 * np.random.default_rng(3).standard_normal(60))
    x[30:] *= 1.5
    pd.DataFrame({"commit": [f"c{i}" for i in range(60)], "latency": x}).to_csv(
        tmp_path / "s.csv", index=False
    )
    base = ["history", "--csv", str(tmp_path / "s.csv"), "--out"]
    assert main([*base, str(tmp_path / "default")]) == 0
    out = capsys.readouterr().out
    assert "regression" in out and "c30" in out  # the ranked summary
    assert (tmp_path / "default" / "history.json").exists()
    assert not (tmp_path / "default" / "index.html").exists()
    assert not (tmp_path / "default" / "plots").exists()
    assert main([*base, str(tmp_path / "all"), "--format", "all"]) == 0
    assert len(list((tmp_path / "all" / "plots").glob("*.png"))) == 1
    assert (tmp_path / "all" / "index.html").exists()
