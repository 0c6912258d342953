"""The three asv suites, run for real: quick mode in this Python, and asv's own virtualenv."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.ingest.asv import load_results
from perfkit.model import BenchmarkKind, Direction

from .conftest import asv, git

CATEGORIES = {
    "actor": [
        "MessageProcessingThroughput",
        "ActorCreation",
        "ConcurrentMessageHandling",
        "MemoryUsagePatterns",
        "MailboxOverflow",
        "CrossActorCommunication",
    ],
    "sync": [
        "BlockProcessingRate",
        "ParallelBlockProcessing",
        "CheckpointValidation",
        "NetworkFailureResilience",
        "PeerCoordination",
        "MemoryUsageDuringSync",
        "TransactionThroughput",
    ],
    "system": [
        "CpuIntensiveOperations",
        "MemoryAllocationPatterns",
        "ConcurrentStressTesting",
        "MemoryFragmentation",
        "StackVsHeapPerformance",
        "CachePerformanceAnalysis",
        "AsyncTaskOverhead",
    ],
}

pytestmark = pytest.mark.slow


def test_quick_run_discovers_every_category_and_records_samples(project: Path):
    commit = git(project, "rev-parse", "HEAD")
    asv(
        "run",
        "--python=same",
        "--quick",
        "--set-commit-hash",
        commit,
        "--record-samples",
        "--launch-method",
        "spawn",
        cwd=project,
        check=False,
    )
    measurements = load_results(project / ".asv" / "results", commit=commit)
    assert sum(len(v) for v in CATEGORIES.values()) == 20
    for suite, classes in CATEGORIES.items():
        for cls in classes:
            found = [m for m in measurements if m.benchmark.startswith(f"{suite}.{cls}.")]
            assert found, f"no benchmark discovered for {suite}.{cls}"
    failed = [f"{m.name}: {m.error}" for m in measurements if m.error]
    assert not failed, failed
    timed = [m for m in measurements if m.kind is BenchmarkKind.TIME]
    assert timed and all(m.samples for m in timed), "asv recorded no samples"
    rates = [m for m in measurements if m.kind is BenchmarkKind.TRACK and m.unit.endswith("/s")]
    assert rates and all(m.direction is Direction.HIGHER_IS_BETTER for m in rates)


def test_real_virtualenv_run_builds_and_measures(project: Path):
    """asv's own environment (virtualenv, wheel built without re-resolving dependencies)."""
    proc = asv(
        "run",
        "--quick",
        "--bench",
        r"^sync\.BlockProcessingRate\.time_",
        "HEAD^!",
        cwd=project,
        check=False,
    )
    commit = git(project, "rev-parse", "HEAD")
    measurements = load_results(project / ".asv" / "results", commit=commit)
    assert measurements, proc.stdout[-2000:]
    assert all(m.error is None for m in measurements), proc.stdout[-2000:]
    assert all(m.environment and m.environment.startswith("virtualenv") for m in measurements)
