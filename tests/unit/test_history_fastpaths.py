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
def test_text_codes_match_factorizing_the_text(values, missing):
    plain = pd.Series(values, dtype=object)
    want_codes, want_uniques = pd.factorize(plain.astype(str).to_numpy(object), sort=True)
    want = [str(want_uniques[c]) for c in want_codes]
    for column in (plain, plain.astype("category")):
        text = history._Text.of(column)
        codes, uniques = text.factorize()
        assert [str(uniques[c]) for c in codes] == want
        assert list(uniques) == sorted(uniques)
        assert text.take(np.arange(len(values))[::-1]).values() == values[::-1]
    cat = pd.Series(values + [None] * missing, dtype=object).astype("category")
    codes, uniques = history._Text.of(cat).factorize()
    assert [str(uniques[c]) for c in codes] == values + ["nan"] * missing  # missing: "nan"
    df = pd.DataFrame(
        {"commit": "c", "order": 0, "name": "b", "median": 1.0, "version": cat},
        index=range(len(cat)),
    )
    vc, vu = history._table(df).text["version"].factorize()
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


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=0, max_size=40),
    st.integers(0, 3),
)
def test_int_objects_are_the_values_with_one_object_each(values, spread):
    arr = np.asarray([v // (10**spread) for v in values], dtype=np.int64)
    got = history._int_objects(arr)
    assert got == arr.tolist()
    assert all(type(v) is int for v in got)
    if arr.size and int(arr.max()) - int(arr.min()) <= arr.size:  # the pooled path
        first = {}
        assert all(first.setdefault(v, v) is v for v in got)  # equal values: one object


def test_series_without_quartiles_share_the_medians_tuple_and_others_do_not():
    rng = np.random.default_rng(5)
    x = np.exp(0.02 * rng.standard_normal(40))
    raw = pd.DataFrame({"commit": [f"c{i}" for i in range(40)], "a": x, "b": 2 * x})
    plain = history.analyse(seriesfile.to_history(raw, "s"))
    for s in plain.series:
        assert s.q25 is s.median and s.q75 is s.median
        assert s.median == tuple(x if s.name == "a" else 2 * x)
    df = seriesfile.to_history(raw, "s")
    df["q25"], df["q75"] = df["median"] * 0.9, df["median"] * 1.1
    spread = history.analyse(df)
    for s in spread.series:
        assert s.q25 is not s.median and s.q75 is not s.median
        assert np.allclose(s.q25, np.asarray(s.median) * 0.9, rtol=1e-12)
        assert np.allclose(s.q75, np.asarray(s.median) * 1.1, rtol=1e-12)
        assert s.orders == tuple(range(40))


def test_series_file_reads_contiguous_and_scattered_metric_columns_alike():
    rng = np.random.default_rng(6)
    a, b, c = rng.random(5), rng.random(5), rng.random(5)
    commits = [f"c{i}" for i in range(5)]
    dates = [f"2026-01-0{i + 1}" for i in range(5)]
    layouts = [
        {"commit": commits, "a": a, "b": b, "c": c},  # metrics after the labels: a slice
        {"a": a, "b": b, "c": c, "commit": commits, "date": dates},  # before them
        {"a": a, "commit": commits, "b": b, "date": dates, "c": c},  # scattered: a take
    ]
    for layout in layouts:
        df = seriesfile.to_history(pd.DataFrame(layout), "layout")
        wide = df.pivot(index="commit", columns="name", values="median").loc[commits]
        for name, want in (("a", a), ("b", b), ("c", c)):
            assert wide[name].tolist() == want.tolist()


def test_first_kernel_call_skips_the_scipy_blas_probe_and_leaves_blas_usable():
    """In a fresh interpreter: loading the kernels imports no scipy.linalg, numba's BLAS
    flag is what its probe would have found, and a function using np.dot compiles later."""
    import subprocess
    import sys

    code = """if True:
        import sys
        import numpy as np
        from perfkit.history import changepoint
        changepoint.load_kernels()
        assert "scipy.linalg" not in sys.modules, "the probe imported scipy.linalg"
        assert sys.modules.get("scipy.linalg.cython_blas", 1) is not None
        import numba
        import numba.np.arraymath as arraymath
        assert arraymath._HAVE_BLAS is True

        @numba.njit
        def dot(a, b):
            return np.dot(a, b)

        assert dot(np.arange(3.0), np.arange(3.0)) == 5.0
        assert "scipy.linalg" in sys.modules  # numba compiled np.dot with BLAS
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_cached_kernel_loads_without_numba_target_refresh_and_gives_the_same_results():
    """In a fresh interpreter with a warm cache, the first kernel call loads the cached
    code without numba's target refresh (none of its lowering modules imported) and
    without parsing the LLVM bitcode cached for linking, and the change points equal
    those of a process where the refresh ran first (numba's own load, bitcode parsed)."""
    import json
    import subprocess
    import sys

    warm = "from perfkit.history import changepoint; changepoint.load_kernels()"
    subprocess.run([sys.executable, "-c", warm], check=True, capture_output=True)
    code = """if True:
        import json, sys
        import numpy as np
        from perfkit.history import changepoint, ranksegment
        if sys.argv[1] == "refresh":
            ranksegment.segment_many.targetctx.refresh()
        rng = np.random.default_rng(3)
        series = [rng.normal(10, 1, 300) + 5 * (np.arange(300) >= 150 + k) for k in range(20)]
        found = changepoint.detect_many([changepoint.SeriesInput(s) for s in series])
        (loaded,) = ranksegment.segment_many.overloads.values()
        print(json.dumps({
            "refreshed": "numba.cpython.cmathimpl" in sys.modules,
            "bitcode": loaded.library._shared_module is not None,
            "cps": [[(c.index, c.p_value, c.ratio, c.ci_low, c.ci_high) for c in f] for f in found],
        }))
    """
    out = {}
    for mode in ("plain", "refresh"):
        proc = subprocess.run(
            [sys.executable, "-c", code, mode], capture_output=True, text=True, check=True
        )
        out[mode] = json.loads(proc.stdout)
    assert out["plain"]["refreshed"] is False
    assert out["refresh"]["refreshed"] is True
    # the linking bitcode cached beside the object code: parsed by numba's own load only
    assert out["plain"]["bitcode"] is False
    assert out["refresh"]["bitcode"] is True
    assert out["plain"]["cps"] == out["refresh"]["cps"]
    assert all(len(f) == 1 for f in out["plain"]["cps"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False), max_size=30), st.integers(-40, 40))
def test_series_values_behave_as_the_tuple_of_their_floats(xs, i):
    """A series' ``Values`` (no float object per point) equal, hash, index, slice and
    iterate as the tuple of the same floats did; the array is shared, never writable."""
    array = np.asarray(xs, dtype=float)
    values, want = history.Values(array), tuple(xs)
    assert values == want and want == values and list(values) == list(want)
    assert hash(values) == hash(want) and len(values) == len(want)
    assert values == history.Values(list(xs)) and repr(values) == repr(want)
    assert values[1:-1] == want[1:-1] and values[::2] == want[::2]
    if -len(want) <= i < len(want):
        assert values[i] == want[i] and type(values[i]) is float
    assert values != want + (0.0,)
    if want:
        assert values != want[:-1] + (-want[-1] if want[-1] else 1.0,)
    assert np.asarray(values) is not array and not np.asarray(values).flags.writeable
    assert array.flags.writeable and (not want or np.shares_memory(np.asarray(values), array))


def test_the_history_command_module_imports_no_numba_so_the_csv_parse_starts_first():
    """`perfkit history --csv` starts its parse thread before importing the analysis:
    the command's module (its options, defaults and formats) must not import numba."""
    import subprocess
    import sys

    code = (
        "import sys; import perfkit.cli.history as h; "
        "print(sorted(m for m in ('numba', 'perfkit.history.series', 'pyarrow') "
        "if m in sys.modules)); print(h.command.params[0].name)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[0] == "[]", proc.stdout
