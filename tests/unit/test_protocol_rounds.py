"""What the protocol asks of each round: every side keeps its own discovery between its
rounds (never the other side's), and the forkserver preload follows the protocol."""

from __future__ import annotations

from pathlib import Path

from perfkit.measure import asvrun
from perfkit.measure import protocol as proto
from perfkit.measure.protocol import Protocol, Side


def test_each_side_reuses_only_its_own_discovery(tmp_path, monkeypatch):
    calls = []

    def fake_round(tree, commit, results_dir, **kw):
        calls.append((commit, results_dir, kw))
        result = results_dir / "r.json"
        return asvrun.RoundResult(result, 0.0, 0)

    monkeypatch.setattr(asvrun, "run_round", fake_round)
    monkeypatch.setattr(proto, "read_result_file", lambda path: [])
    sides = [Side("base", "a" * 40, tmp_path), Side("head", "b" * 40, tmp_path)]
    acc = {s.label: proto._Accumulator("s") for s in sides}
    for preload in (True, False):
        calls.clear()
        protocol = Protocol(preload=preload)
        proto.run_rounds(sides, range(3), tmp_path / "work", protocol, acc)
        assert len(calls) == 6
        kept: dict[str, set[Path]] = {}
        for commit, results_dir, kw in calls:
            assert kw["preload"] is preload
            kept.setdefault(commit, set()).add(kw["discovered"])
            assert results_dir.parent == kw["discovered"].parent  # the side's own folder
        assert all(len(paths) == 1 for paths in kept.values())  # one per side, every round
        assert kept["a" * 40].isdisjoint(kept["b" * 40])


def test_another_commit_under_the_same_label_never_reuses_a_discovery(tmp_path):
    names = {
        proto._discovery_name(Side("base", c, tmp_path / t, python=py))
        for c in ("a" * 40, "b" * 40)
        for t in ("x", "y")
        for py in (None, "/env/bin/python")
    }
    assert len(names) == 8
    assert proto._discovery_name(Side("base", "a" * 40, tmp_path)) == proto._discovery_name(
        Side("head", "a" * 40, tmp_path)
    )  # the same thing measured: the same list
