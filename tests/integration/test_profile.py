"""Profiling for real: py-spy and memray on a throw-away repository with two numba kernels."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from perfkit.cli import main

from .conftest import ROOT, git

pytestmark = pytest.mark.slow

KERNELS = '''
import numba
import numpy as np

WORK_A = {work_a}
ALLOC = {alloc}


@numba.njit(cache=True)
def _spin(n):
    acc = 0.0
    for i in range(n):
        acc += (i % 13) * 0.25
    return acc


def run_kernel_a(n):
    """Call site of kernel A (py-spy sees this line, not the jitted code)."""
    return _spin(n * WORK_A)


def run_kernel_b(n):
    """Call site of kernel B."""
    return _spin(n)


def allocate(n):
    return np.ones(n * ALLOC).sum()
'''

BENCH = """
from fixturepkg.kernels import allocate, run_kernel_a, run_kernel_b

N = 1_500_000


class Kernels:
    def setup(self):
        run_kernel_a(10)
        run_kernel_b(10)

    def time_both(self):
        run_kernel_a(N)
        run_kernel_b(N)

    def time_alloc(self):
        allocate(200_000)
"""


def commit_variant(repo: Path, work_a: int, alloc: int, message: str) -> str:
    (repo / "fixturepkg" / "kernels.py").write_text(KERNELS.format(work_a=work_a, alloc=alloc))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def fixture_repo(tmp_path: Path) -> tuple[Path, list[str]]:
    repo = tmp_path / "repo"
    (repo / "fixturepkg").mkdir(parents=True)
    (repo / "benchmarks").mkdir()
    (repo / "fixturepkg" / "__init__.py").write_text("")
    (repo / "benchmarks" / "__init__.py").write_text(
        (ROOT / "benchmarks" / "__init__.py").read_text()
    )
    (repo / "benchmarks" / "bench.py").write_text(textwrap.dedent(BENCH))
    (repo / ".gitignore").write_text(".asv/\nreports/\n__pycache__/\n")
    (repo / "asv.conf.json").write_text(
        json.dumps(
            {
                "version": 1,
                "project": "fixture",
                "repo": ".",
                "branches": ["main"],
                "environment_type": "existing",
                "benchmark_dir": "benchmarks",
                "results_dir": ".asv/results",
                "env_dir": ".asv/env",
                "html_dir": ".asv/html",
            }
        )
    )
    git(repo, "init", "-q", "-b", "main")
    commits = [
        commit_variant(repo, 1, 1, "base"),
        commit_variant(repo, 2, 1, "kernel A does twice the work"),
        commit_variant(repo, 2, 10, "allocate ten times more"),
    ]
    return repo, commits


def test_compare_profile_names_the_slowed_kernel(fixture_repo, monkeypatch, capsys):
    repo, (c1, c2, _c3) = fixture_repo
    git(repo, "checkout", "-q", c2)
    monkeypatch.chdir(repo)
    for rounds in ("4", "8"):  # a loaded machine may leave it inconclusive: measure more
        run = [
            "run",
            "--same-python",
            "--base",
            c1,
            "--bench",
            "time_both",
            "--rounds",
            rounds,
            "--extra-rounds",
            rounds,
            "--out",
            "reports/run",
        ]
        assert main(run) == 0
        if json.loads((repo / "reports" / "run" / "report.json").read_text())["regressions"]:
            break
    out = repo / "reports" / "cmp"
    code = main(
        [
            "compare",
            "reports/run/base.json",
            "reports/run/head.json",
            "--profile",
            "--seconds",
            "1.5",
            "--no-memory",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    (reg,) = [r for r in report["regressions"] if "time_both" in r["benchmark_name"]]
    assert reg["top_frames"][0].startswith("run_kernel_a ("), reg["top_frames"]
    assert "run_kernel_b" not in reg["top_frames"][0]
    diff = out / reg["flamegraph_path"]
    assert diff.exists() and "run_kernel_a" in diff.read_text()
    assert (
        "top grown frame: run\\_kernel\\_a" in (out / "comment.md").read_text()
    )  # Markdown-escaped


def test_memray_sees_ten_times_the_heap(fixture_repo, monkeypatch, capsys):
    repo, (_c1, c2, c3) = fixture_repo
    git(repo, "checkout", "-q", c3)
    monkeypatch.chdir(repo)
    assert (
        main(
            [
                "profile",
                "bench.Kernels.time_alloc",
                "--base",
                c2,
                "--seconds",
                "0.5",
                "--out",
                "reports/prof",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    base_peak, head_peak = (
        int(x) for x in text.split("heap peak (memray): ")[1].split(" bytes")[0].split(" -> ")
    )
    assert head_peak >= 5 * base_peak > 0
    html = next((repo / "reports" / "prof" / "profiles").glob("*/memory-head.html"))
    external = re.findall(r"<(?:script|link)[^>]+(?:src|href)=[\"']https?:", html.read_text())
    assert not external, external  # memray flamegraph --no-web: works offline


def test_unknown_benchmark_lists_close_matches(fixture_repo, monkeypatch, capsys):
    repo, _ = fixture_repo
    monkeypatch.chdir(repo)
    assert main(["profile", "bench.Kernels.time_bth", "--no-memory"]) == 2
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("perfkit: error:")]
    assert len(errors) == 1 and "did you mean bench.Kernels.time_both" in errors[0]


def test_missing_base_commit_is_one_line(fixture_repo, monkeypatch, capsys):
    repo, _ = fixture_repo
    monkeypatch.chdir(repo)
    assert main(["profile", "bench.Kernels.time_both", "--base", "deadbeef" * 5]) == 2
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if ln.startswith("perfkit: error:")]
    assert len(errors) == 1 and "not a commit" in errors[0] and "Traceback" not in err
