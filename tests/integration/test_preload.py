"""The forkserver preload with real asv rounds: a benchmark process forked from asv's server
finds numba set up when the suite imported it (and not without the preload), the samples
are recorded as before, each with perfkit's calibration readings, the result keeps its
environment name; spawned processes get the readings and no numba set-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfkit.ingest.asv import read_result_file
from perfkit.measure import asvrun, preload
from perfkit.measure.protocol import _Accumulator
from perfkit.model import BenchmarkKind

from .conftest import git

pytestmark = pytest.mark.slow

SUITE = '''
import numba
import numpy as np


@numba.njit
def _kernel(a):
    s = 0.0
    for x in a:
        s += x
    return s


def track_numba_ready_at_fork():
    """In the forked process, before any jitted call: numba's typing registries loaded?"""
    from numba.core.registry import cpu_target

    return float(len(cpu_target.typing_context._registries))


class Kernel:
    def setup(self):
        self.a = np.arange(1000.0)
        _kernel(self.a)

    def time_kernel(self):
        _kernel(self.a)

    def time_python(self):
        sum(range(1000))
'''


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("preload") / "repo"
    (path / "benchmarks").mkdir(parents=True)
    (path / "benchmarks" / "__init__.py").write_text("")
    (path / "benchmarks" / "bench.py").write_text(SUITE)
    (path / "asv.conf.json").write_text(
        json.dumps(
            {
                "version": 1,
                "project": "preload",
                "repo": ".",
                "branches": ["HEAD"],
                "environment_type": "existing",
                "benchmark_dir": "benchmarks",
                "results_dir": ".asv/results",
                "env_dir": ".asv/env",
            }
        )
    )
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "suite")
    return path, git(path, "rev-parse", "HEAD")


def measured(path: Path, commit: str, out: Path, **kw) -> tuple[dict, str]:
    got = asvrun.run_round(path, commit, out, repeat=3, **kw)
    assert got.returncode == 0
    env = json.loads(got.result_file.read_text())["env_name"]
    by_name = {m.name.split(".")[-1]: m for m in read_result_file(got.result_file)}
    return by_name, env


def test_forked_processes_find_numba_set_up_only_with_the_preload(repo, tmp_path):
    path, commit = repo
    on, env_on = measured(path, commit, tmp_path / "on", launch="forkserver", preload=True)
    off, env_off = measured(path, commit, tmp_path / "off", launch="forkserver", preload=False)
    assert on["track_numba_ready_at_fork"].samples[0] > 0
    assert off["track_numba_ready_at_fork"].samples[0] == 0
    for got in (on, off):
        for name in ("time_kernel", "time_python"):
            assert got[name].error is None and len(got[name].samples) == 3
    # the environment is named after the interpreter measured, not after the wrapper
    assert "preload" not in env_on
    assert env_on.endswith("_on_python-same") and env_off.endswith("_off_python-same")
    assert env_on.replace("_on_", "_off_") == env_off


def test_spawn_gets_no_numba_set_up(repo, tmp_path):
    path, commit = repo
    got, env = measured(path, commit, tmp_path / "spawn", launch="spawn", preload=True)
    assert got["track_numba_ready_at_fork"].samples[0] == 0  # a fresh interpreter each
    assert "preload" not in env
    assert got["time_kernel"].error is None and len(got["time_kernel"].samples) == 3


def test_later_rounds_of_a_side_reuse_its_first_discovery(repo, tmp_path):
    path, commit = repo
    found = tmp_path / "asv-discovered.json"
    logs = [tmp_path / f"asv-{k}.log" for k in range(3)]
    first = asvrun.run_round(
        path, commit, tmp_path / "r0", repeat=2, launch="forkserver", discovered=found, log=logs[0]
    )
    assert found.is_file() and "Discovering benchmarks" in logs[0].read_text()
    kept = json.loads(found.read_text())
    assert kept["bench.Kernel.time_kernel"]["repeat"] == 0  # asv's own, before perfkit's -a
    later = asvrun.run_round(
        path,
        commit,
        tmp_path / "r1",
        repeat=2,
        launch="forkserver",
        discovered=found,
        bench=asvrun.selection_regex(["bench.Kernel.time_kernel"]),
        log=logs[1],
    )
    assert "Discovering benchmarks" not in logs[1].read_text()
    assert json.loads(found.read_text()) == kept  # kept as the first round wrote it
    names = {m.name for m in read_result_file(later.result_file) if m.samples}
    assert names == {"bench.Kernel.time_kernel"}
    assert {m.name for m in read_result_file(first.result_file)} >= names
    # the round's own benchmarks.json as after a discovery (perfkit's attributes written)
    written = json.loads((tmp_path / "r1" / "benchmarks.json").read_text())
    assert written.keys() == kept.keys() and written["bench.Kernel.time_kernel"]["repeat"] == 2
    # a file asv would not take: asv discovers, as always
    found.write_text("{}")
    asvrun.run_round(
        path, commit, tmp_path / "r2", repeat=2, launch="forkserver", discovered=found, log=logs[2]
    )
    assert "Discovering benchmarks" in logs[2].read_text()


def test_every_timing_sample_of_a_round_gets_its_calibration_readings(repo, tmp_path):
    """The bootstrap times perfkit's calibration loop around each sample; the protocol's
    accumulator hands every process its readings, sample for sample."""
    path, commit = repo
    out = tmp_path / "cal"
    got = asvrun.run_round(path, commit, out, repeat=3, launch="forkserver", preload=True)
    assert got.returncode == 0
    readings = preload.calibration(out)
    timed = [m for m in read_result_file(got.result_file) if m.kind is BenchmarkKind.TIME]
    assert {m.name.split(".")[-1] for m in timed} == {"time_kernel", "time_python"}
    for m in timed:
        cal = readings[(m.benchmark, m.samples)]
        assert len(cal) == len(m.samples) == 3 and all(0 < x < 0.5 for x in cal)
    acc = _Accumulator("s")
    acc.add(read_result_file(got.result_file), None, readings)
    acc.add(read_result_file(got.result_file), None, {})  # a round without readings
    for m in acc.measurements():
        if m.kind is BenchmarkKind.TIME:
            assert len(m.runs) == 2 and m.calibration == (readings[(m.benchmark, m.runs[0])], ())
        else:
            assert m.calibration == ()  # a track benchmark has no samples to time around
    # spawned processes (one per benchmark) get their readings too; without the
    # bootstrap (preload off) there are none, samples as before
    spawned = asvrun.run_round(path, commit, tmp_path / "spawn", repeat=3, launch="spawn")
    readings = preload.calibration(tmp_path / "spawn")
    for m in read_result_file(spawned.result_file):
        if m.kind is BenchmarkKind.TIME:
            assert len(readings[(m.benchmark, m.samples)]) == 3
    asvrun.run_round(path, commit, tmp_path / "off", repeat=3, launch="spawn", preload=False)
    assert preload.calibration(tmp_path / "off") == {}
