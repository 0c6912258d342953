"""The newest commits are judged at once, and shifts shared by many series are grouped."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from perfkit.cli import main
from perfkit.history import changepoint, seriesfile
from perfkit.history import events as historyevents
from perfkit.history import series as history
from perfkit.history.changepoint import SeriesInput, detect, detect_many
from perfkit.model import Verdict

ALPHA = changepoint.DEFAULT_ALPHA
NEWEST = changepoint.provisional_below()  # 2 * min_size: the newest commits


def _stable(n: int, seed: int = 0, cv: float = 0.02) -> np.ndarray:
    return np.exp(cv * np.random.default_rng(seed).standard_normal(n))


@pytest.mark.parametrize("after", [2, 3])
@pytest.mark.parametrize("factor", [3.0, 1 / 3.0])
def test_large_step_in_the_last_points_is_reported_provisionally(after, factor):
    x = _stable(100 + after, seed=after)
    x[100:] *= factor
    (cp,) = detect(x)
    assert cp.index == 100 and cp.p_value <= ALPHA
    assert cp.provisional and cp.points_after == after
    assert cp.verdict is (Verdict.REGRESSION if factor > 1 else Verdict.IMPROVEMENT)
    assert cp.ci_low <= cp.ratio <= cp.ci_high


def test_step_becomes_confirmed_as_commits_arrive():
    x = _stable(130, seed=4)
    x[100:] *= 2.0
    states = [
        (len(cps), cps[0].provisional if cps else None)
        for cps in (detect(x[:n]) for n in (101, 103, 108, 115, 130))
    ]
    assert states[0] == (0, None)  # one point: no rank test can reach alpha
    assert states[1] == (1, True) and states[2] == (1, True)
    assert states[3] == (1, False) and states[4] == (1, False)


def test_a_blip_is_withdrawn_when_the_level_returns():
    x = _stable(112, seed=5)
    x[100:102] *= 3.0  # two slow commits, then back to normal
    (cp,) = detect(x[:102])
    assert cp.index == 100 and cp.provisional
    assert detect(x) == []


def test_short_baseline_needs_one_more_point():
    """With 30 stable points, 2 newest points cannot reach 0.001 (best p 2/C(32,2)); 3 can."""
    x = _stable(33, seed=7)
    x[30:] *= 3.0
    assert detect(x[:32]) == []
    (cp,) = detect(x)
    assert cp.index == 30 and cp.provisional


def test_drift_alone_is_not_a_newest_step():
    n = 100
    x = np.linspace(1.0, 1.15, n) * _stable(n, seed=9, cv=0.01)  # +15 % slow drift, no step
    assert [c for c in detect(x) if c.index >= n - NEWEST] == []


def test_noise_only_false_positive_rate_at_the_newest_commits():
    """10,000 noise series: a change point among the newest 2*min_size commits at most at
    the documented rate 2 * alpha (alpha for the newest-commit test, alpha for the search
    anywhere); 35 allows for binomial spread (P(Binomial(10^4, 0.002) >= 36) < 0.001)."""
    rng = np.random.default_rng(2024)
    n, count = 100, 10_000
    x = 1.0 + 0.02 * rng.standard_normal((count, n))
    found = detect_many([SeriesInput(row) for row in x])
    at_newest = sum(any(c.index >= n - NEWEST for c in cps) for cps in found)
    assert at_newest <= 35, at_newest


# --- shifts shared by many series ------------------------------------------------------------


def _shared_shift_table(n_series: int = 40, shifted: int = 30, at: int = 60, n: int = 100):
    rng = np.random.default_rng(11)
    suites = ("io", "parse", "solve", "render")
    cols = {"commit": [f"{i:040x}" for i in range(n)]}
    for k in range(n_series):
        x = np.exp(0.02 * rng.standard_normal(n)) * (1.0 + k / 10)
        if k < shifted:
            x[at:] *= 1.5
        cols[f"{suites[k % 4]}.time_{k}"] = x
    return seriesfile.to_history(pd.DataFrame(cols), "shared")


def test_thirty_of_forty_series_shifting_at_one_commit_are_one_event():
    result = history.analyse(_shared_shift_table())
    (event,) = result.events
    assert event.commit == f"{60:040x}" and event.size == 30 and event.measured == 40
    assert math.isclose(event.median_ratio, 1.5, rel_tol=0.03)
    assert event.suites == ("io", "parse", "render", "solve") and event.regressions == 30
    assert event.environment_change  # 4 unrelated suites, 75 % of the measured series
    changed = {s.series for s in result.changed}
    assert changed == set(event.series) and len(changed) == 30  # verdicts kept per series
    assert all(len(s.change_points) == 1 for s in result.changed)


def test_few_series_at_one_commit_are_no_event():
    result = history.analyse(_shared_shift_table(shifted=2))
    assert result.events == () and len(result.changed) == 2


def test_machine_info_change_is_named():
    df = _shared_shift_table(n_series=8, shifted=5)
    commits = sorted(df["commit"].unique())
    df["machine"] = "ci"
    df.attrs["environment_info"] = {
        c: {"ci": "cpu=Xeon E5, python=3.11" if i < 60 else "cpu=EPYC 7763, python=3.11"}
        for i, c in enumerate(commits)
    }
    (event,) = history.analyse(df).events
    assert event.environment_change
    assert any("cpu Xeon E5 -> EPYC 7763" in r for r in event.reasons)


def test_one_place_off_joins_the_neighbouring_group():
    clusters = historyevents._clusters({10: 5, 11: 2, 13: 1, 30: 4})
    assert sorted(clusters[10]) == [10, 11] and clusters[13] == [13] and clusters[30] == [30]


def test_cli_ranked_summary_is_short(tmp_path, capsys):
    df = _shared_shift_table(n_series=40, shifted=30)
    wide = df.pivot(index="commit", columns="name", values="median").reset_index()
    rng = np.random.default_rng(3)
    for k in range(25):  # 25 independent steps of different sizes
        x = np.exp(0.02 * rng.standard_normal(len(wide)))
        x[20 + k :] *= 1.2 + 0.05 * k
        wide[f"solo.time_{k}"] = x
    wide.to_csv(tmp_path / "s.csv", index=False)
    code = main(
        [
            "history",
            "--csv",
            str(tmp_path / "s.csv"),
            "--top",
            "5",
            "--format",
            "json",
            "--out",
            str(tmp_path / "o"),
            "--json",
            str(tmp_path / "full.json"),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    body = [line for line in out if line.startswith("  ")]
    assert len(body) == 6 and body[-1].startswith("  ... and 21 more")
    # 30 of the 65 series measured there: under half, so not called an environment change
    assert body[0].startswith("  shared shift") and "30/65 series" in body[0]
    assert "solo.time_24" in body[1]  # the biggest single step ranks first after the event
    import json

    full = json.loads((tmp_path / "full.json").read_text())
    assert len(full["change_points"]) == 55 and len(full["events"]) == 1
    ratios = [abs(math.log(c["ratio"])) for c in full["change_points"]]
    assert ratios == sorted(ratios, reverse=True)


# --- numba cache ------------------------------------------------------------------------------


def test_kernels_run_without_a_writable_cache(tmp_path):
    """Read-only HOME and source tree: no numba cache locator works; the kernels must
    still compile and run (uncached), and the CLI can say so (cache_state "disabled").
    As root nothing is read-only, so every cache location is made impossible instead: a
    regular file stands where the cache directories would be created."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import perfkit.history.ranksegment as rs

    pkg = tmp_path / "src"
    pkg.mkdir()
    shutil.copy(Path(rs.__file__), pkg / "ranksegment.py")
    (pkg / "__pycache__").write_text("not a directory")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    env.update(HOME=str(blocker / "home"), XDG_CACHE_HOME=str(blocker / "cache"))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import ranksegment as rs; "
        "print(rs.cache_state(), rs.normal_sf(0.0))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(pkg)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["disabled", "0.5"]
    assert rs.cache_state() in ("warm", "cold")  # the installed copy caches normally


def test_cli_format_html_renders_the_shared_shift_and_no_json(tmp_path, capsys):
    df = _shared_shift_table()
    wide = df.pivot(index="commit", columns="name", values="median").reset_index()
    wide["<b>x"] = wide.iloc[:, 1]
    wide.to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "o"
    code = main(
        ["history", "--csv", str(tmp_path / "s.csv"), "--format", "html", "--out", str(out)]
    )
    assert code == 0 and not (out / "history.json").exists()
    html = (out / "index.html").read_text()
    assert "Shifts shared by many series" in html and "environment change" in html
    assert "<b>x" not in html and "&lt;b&gt;x" in html
    assert len(list((out / "plots").glob("*.png"))) == 31
