"""``perfkit continuous`` over real asv virtualenvs: a slowdown and a failing benchmark.

asv continuous exits 2 because a benchmark fails at HEAD and then hides its comparison;
perfkit must still read both result files, report the failure as a failure and find the
25 % slowdown of the other benchmark, and fail the gate.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from perfkit.cli import main

from .test_history_asv import _git, build_repo

pytestmark = pytest.mark.slow

BROKEN = textwrap.dedent(
    """\
    from .kernel import REPEAT


    def time_sometimes_broken():
        if REPEAT > 4:
            raise RuntimeError("broken at head")
        sum(range(20_000))
    """
)


@pytest.fixture(scope="module")
def continuous_repo(tmp_path_factory) -> tuple[Path, str, str]:
    for module in ("perfkit.verdict.analysis", "perfkit.cli.common", "perfkit.ingest.asv"):
        pytest.importorskip(module)
    root = tmp_path_factory.mktemp("continuous") / "repo"
    build_repo(root, n_commits=1, slow_at=99)
    conf = json.loads((root / "asv.conf.json").read_text())
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    conf.update(
        {
            "pythons": [python],
            "matrix": {"req": {"numpy": [""]}},
            "build_command": [],
            "install_command": [],
            "uninstall_command": [],
        }
    )
    (root / "asv.conf.json").write_text(json.dumps(conf, indent=2))
    (root / "benchmarks" / "bench_broken.py").write_text(BROKEN)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    base = _git(root, "rev-parse", "HEAD")
    kernel = root / "benchmarks" / "kernel.py"
    kernel.write_text(kernel.read_text().replace("REPEAT = 4", "REPEAT = 5"))
    _git(root, "commit", "-qam", "slower, and breaks a benchmark")
    return root, base, _git(root, "rev-parse", "HEAD")


def test_continuous_reports_failure_and_regression(continuous_repo, tmp_path, capsys):
    root, base, head = continuous_repo
    out = tmp_path / "report"
    code = main(["continuous", base, head, "--repo", str(root), "--out", str(out), "--rounds", "2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "bench_broken.time_sometimes_broken" in err and "FAILED" in err
    report = json.loads((out / "report.json").read_text())
    text = json.dumps(report)
    assert "bench_work.Suite.time_work" in text and "regression" in text
    assert "failed" in text
