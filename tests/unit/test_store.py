"""perfkit.history.store: the Parquet history store equals reading the JSON files, refreshes by
content hash, appends without rewriting, and skips malformed files."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.cli import main
from perfkit.history import commitorder, store
from perfkit.history import series as history
from perfkit.history.store import manifest, refresh

COLUMNS = ["result", "params", "version", "started_at", "duration", "samples"]
BENCHMARKS = {
    "s.T.time_a": {
        "name": "s.T.time_a",
        "type": "time",
        "unit": "seconds",
        "params": [],
        "param_names": [],
        "rounds": 2,
        "repeat": 3,
        "version": "1",
    },
    "s.T.time_p": {
        "name": "s.T.time_p",
        "type": "time",
        "unit": "seconds",
        "params": [["1", "2"]],
        "param_names": ["n"],
        "version": "1",
    },
    "s.T.track_t": {
        "name": "s.T.track_t",
        "type": "track",
        "unit": "msg/s",
        "params": [],
        "param_names": [],
        "version": "1",
    },
}


def _git(repo: Path, *args: str, inp: str | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": os.environ["PATH"],
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        input=inp,
    ).stdout.strip()


def make_repo(root: Path, n: int) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    stream = "".join(
        f"commit refs/heads/main\nmark :{i}\ncommitter t <t@e> {1_700_000_000 + i} +0000\n"
        f"data 2\nc\n" + (f"from :{i - 1}\n" if i > 1 else "") + "\n"
        for i in range(1, n + 1)
    )
    _git(root, "fast-import", "--quiet", inp=stream)
    return _git(root, "rev-list", "--reverse", "main").split()


def level(i: int, bench: int = 0, step_at: int | None = None) -> float:
    base = 0.01 * (bench + 1) * (1 + 0.01 * math.sin(i * 7.3 + bench))
    return base * (1.5 if step_at is not None and i >= step_at else 1.0)


def result_file(
    results: Path,
    sha: str,
    i: int,
    *,
    machine: str = "m1",
    env: str = "venv",
    step_at: int | None = None,
    scale: float = 1.0,
    failed: bool = False,
    version: str = "1",
) -> Path:
    rng = np.random.default_rng(i)
    a = [level(i, 0, step_at) * scale * (1 + 0.002 * x) for x in rng.standard_normal(6)]
    p = [[level(i, k) * (1 + 0.002 * x) for x in rng.standard_normal(4)] for k in (1, 2)]
    rows = {
        "s.T.time_a": [[float(np.median(a))], [], version, 1_700_000_000_000 + i, 1.0, [a]],
        "s.T.time_p": [
            None if failed else [float(np.median(x)) for x in p],
            [["1", "2"]],
            "1",
            1_700_000_000_000 + i,
            1.0,
            None if failed else p,
        ],
        "s.T.track_t": [
            [float("nan")] if i % 5 == 0 else [100.0 + i],
            [],
            "1",
            1_700_000_000_000 + i,
            1.0,
        ],
    }
    data = {
        "commit_hash": sha,
        "env_name": env,
        "date": 1_700_000_000_000 + i,
        "params": {"machine": machine},
        "python": "3.11",
        "requirements": {},
        "env_vars": {},
        "result_columns": COLUMNS,
        "results": rows,
        "durations": {},
        "version": 2,
    }
    (results / machine).mkdir(parents=True, exist_ok=True)
    (results / machine / "machine.json").write_text(json.dumps({"machine": machine}))
    path = results / machine / f"{sha[:8]}-{env}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def shas(tmp_path_factory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("repo")
    return repo, make_repo(repo, 40)


def new_results(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    results.mkdir()
    (results / "benchmarks.json").write_text(json.dumps(BENCHMARKS))
    return results


def stored(store_dir: Path, machine: str | None = None) -> pd.DataFrame:
    with store.Reader(store_dir) as reader:
        return reader.frame(machine)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert a.attrs.get("skipped_commits") == b.attrs.get("skipped_commits")


def test_store_frame_equals_history_load_from_json(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:30]):
        result_file(results, sha, i, failed=i == 7, version="2" if i >= 20 else "1")
        if i % 3 == 0:
            result_file(results, sha, i, machine="m2", env="conda", scale=2.0)
    result_file(results, "f" * 40, 99)  # a commit rebased away: not in the history
    expected = history.load(results, repo=repo)
    summary = store.update(results, tmp_path / "st", repo=repo)
    assert summary.read == summary.files == 41
    assert summary.live_rows == 41 * 4
    got = stored(tmp_path / "st")
    same(got, expected)
    assert got.attrs["skipped_commits"] == ["f" * 40]
    same(stored(tmp_path / "st", machine="m2"), history.load(results, repo=repo, machine="m2"))


def test_new_file_appends_a_part_and_leaves_the_old_parts_untouched(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:10]):
        result_file(results, sha, i)
    store.update(results, tmp_path / "st", repo=repo)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "st" / "parts").iterdir()}
    result_file(results, commits[10], 10)
    summary = store.update(results, tmp_path / "st", repo=repo)
    assert (summary.read, summary.rows_added, summary.parts) == (1, 4, 2)
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "st" / "parts").iterdir()}
    assert {p: after[p] for p in before} == before  # appended, nothing rewritten
    same(stored(tmp_path / "st"), history.load(results, repo=repo))


def test_refresh_by_content_hash(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    paths = [result_file(results, sha, i) for i, sha in enumerate(commits[:12])]
    st_dir = tmp_path / "st"
    assert store.update(results, st_dir, repo=repo).read == 12
    assert store.update(results, st_dir, repo=repo).read == 0
    os.utime(paths[3], ns=(1, 1))  # new stat, same bytes: hashed, not read
    again = store.update(results, st_dir, repo=repo)
    assert (again.read, again.rows_added) == (0, 0)
    result_file(results, commits[3], 3, scale=3.0)  # same file, new content: its rows replaced
    changed = store.update(results, st_dir, repo=repo)
    assert (changed.read, changed.rows_added, changed.live_rows) == (1, 4, 48)
    df = stored(st_dir)
    row = df[(df["commit"] == commits[3]) & (df["name"] == "s.T.time_a")]
    assert len(row) == 1 and row["median"].iloc[0] == pytest.approx(3 * level(3), rel=0.01)
    paths[5].unlink()  # a removed file's rows go
    gone = store.update(results, st_dir, repo=repo)
    assert gone.removed == 1 and commits[5] not in set(stored(st_dir)["commit"])
    same(stored(st_dir), history.load(results, repo=repo))


def test_benchmark_metadata_change_rereads_the_files_holding_it(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:6]):
        result_file(results, sha, i)
    store.update(results, tmp_path / "st", repo=repo)
    meta = dict(BENCHMARKS, **{"s.T.track_t": dict(BENCHMARKS["s.T.track_t"], unit="ops/s")})
    (results / "benchmarks.json").write_text(json.dumps(meta))
    summary = store.update(results, tmp_path / "st", repo=repo)
    assert summary.read == 6
    df = stored(tmp_path / "st")
    assert set(df.loc[df["name"] == "s.T.track_t", "unit"]) == {"ops/s"}
    same(df, history.load(results, repo=repo))


def test_commit_appearing_in_history_is_placed_on_the_next_update(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:8]):
        result_file(results, sha, i)
    full = history.commit_order(repo)
    partial = {c: v for c, v in full.items() if c != commits[7]}
    st_dir = tmp_path / "st"
    store.update(results, st_dir, placed=partial)
    assert stored(st_dir).attrs["skipped_commits"] == [commits[7]]
    assert store.update(results, st_dir, placed=full).read == 1
    same(stored(st_dir), history.load(results, repo=repo))


def test_malformed_file_is_skipped_with_a_warning_not_an_abort(tmp_path, shas, capsys):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:5]):
        result_file(results, sha, i)
    bad = results / "m1" / f"{commits[5][:8]}-venv.json"
    bad.write_text('{"version": 2, "result_columns": ["result"], "results": {"x": [')
    code = main(["store", "update", "--results", str(results), "--repo", str(repo)])
    assert code == 0
    err = capsys.readouterr().err
    assert "warning" in err and bad.name in err
    assert stored(store.default_store(results)).shape[0] == 5 * 4
    df = history.load(results, repo=repo)  # perfkit history reads the store: no abort
    [(source, reason)] = df.attrs["unreadable"]
    from_json = history.load(results, order=commitorder.from_repo(repo))  # not the store
    assert source == str(bad) and df.attrs["unreadable"] == from_json.attrs["unreadable"]
    again = store.update(results, repo=repo)
    assert (again.read, again.skipped) == (0, ())  # remembered until the file changes
    result_file(results, commits[5], 5)
    fixed = store.update(results, repo=repo)
    assert (fixed.read, fixed.skipped, fixed.live_rows) == (1, (), 24)


def test_history_load_reads_the_store_when_present(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:10]):
        result_file(results, sha, i)
    result_file(results, commits[3], 3, machine="m2", env="conda")
    (results / "m1" / f"{commits[11][:8]}-venv.json").write_text("[]")  # unreadable
    assert not store.exists(results)
    store.update(results, repo=repo)
    result_file(results, commits[10], 10)  # refreshed on read
    from_store = history.load(results, repo=repo)
    from_json = history.load(results, order=commitorder.from_repo(repo))  # not the store
    same(from_store, from_json)
    for key in ("unreadable", "environment_info", "order_source"):
        assert from_store.attrs[key] == from_json.attrs[key], key
    assert len(from_store.attrs["environment_info"]) == 11
    assert len(from_store.attrs["unreadable"]) == 1
    m2 = history.load(results, repo=repo, machine="m2")
    assert (
        m2.attrs["environment_info"]
        == history.load(results, order=commitorder.from_repo(repo), machine="m2").attrs[
            "environment_info"
        ]
    )


def test_series_and_recent_changes_match_perfkit_history(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits):
        result_file(results, sha, i, step_at=30)
        result_file(results, sha, i, machine="m2", step_at=12)  # outside the last 20 commits
    store.update(results, tmp_path / "st", repo=repo)
    with store.Reader(tmp_path / "st") as reader:
        one = reader.series("s.T.time_a", machine="m1")
        assert list(one["order"]) == list(range(40))
        assert len(reader.series("s.T.time_p")) == 2 * 2 * 40  # both combinations, machines
        assert list(reader.series("s.T.time_p(n=2)", "m2")["commit"]) == commits
        found = reader.changes(last=20)
    options = history.HistoryOptions()
    expected = history.analyse(history.load(results, repo=repo), None, options)
    window = set(commits[-20:])
    want = sorted(
        (s.series, cp.commit, cp.ratio)
        for s in expected.series
        for cp in s.change_points
        if cp.commit in window
    )
    assert sorted((c.series, c.commit, c.ratio) for c in found) == want
    assert [(c.name, c.commit, c.verdict) for c in found] == [
        ("s.T.time_a", commits[30], "regression")
    ]


def test_many_updates_compact_small_parts_and_still_equal_a_rebuild(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    st_dir = tmp_path / "st"
    for i, sha in enumerate(commits[:12]):
        result_file(results, sha, i)
        if i % 4 == 1:
            result_file(results, commits[i - 1], i - 1, scale=1.1)  # a rerun rewrites a file
        store.update(results, st_dir, repo=repo, batch_rows=64, max_small=2)
    parts = manifest.read(st_dir).parts
    assert len(parts) <= 5 and max(p.rows for p in parts) > 8  # small parts were merged
    on_disk = {p.name for p in (st_dir / "parts").iterdir()}
    assert {Path(p.file).name for p in parts} <= on_disk
    assert not any(name.endswith(".tmp") for name in on_disk)
    store.rebuild(results, tmp_path / "fresh", repo=repo)
    same(stored(st_dir), stored(tmp_path / "fresh"))


OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "rewrite", "remove", "touch", "garbage"]), st.integers(0, 14)
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_incremental_store_equals_store_built_from_scratch(tmp_path_factory, shas, ops):
    repo, commits = shas
    tmp = tmp_path_factory.mktemp("inc")
    results = new_results(tmp)
    st_dir = tmp / "st"
    for step, (op, i) in enumerate(ops):
        path = results / "m1" / f"{commits[i][:8]}-venv.json"
        if op == "add" or (op == "rewrite" and path.exists()):
            result_file(results, commits[i], i, scale=1.0 + step / 10)
        elif op == "remove":
            path.unlink(missing_ok=True)
        elif op == "touch" and path.exists():
            os.utime(path, ns=(step, step))
        elif op == "garbage":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{not json")
        store.update(results, st_dir, repo=repo, batch_rows=16, max_small=2)
    store.rebuild(results, tmp / "fresh", repo=repo)
    a, b = manifest.read(st_dir), manifest.read(tmp / "fresh")
    assert {k: (s.hash, s.rows, s.error) for k, s in a.sources.items()} == {
        k: (s.hash, s.rows, s.error) for k, s in b.sources.items()
    }
    if a.live_rows:
        same(stored(st_dir), stored(tmp / "fresh"))


def test_bench_reader_gives_the_rows_of_perfkits_asv_reader(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
    import store_bench

    repo_shas = ["a" * 40, "b" * 40]
    names = store_bench.benchmark_names(20)
    results = tmp_path / "results"
    store_bench.write_benchmarks(results, names)
    hist = store_bench.History(20, 60)
    path = store_bench.write_result(results, repo_shas[1], 1, names, hist, 10)
    benchmarks = json.loads((results / "benchmarks.json").read_text())
    fast = store_bench.fast_reader(path, benchmarks)
    slow = refresh.rows.read_asv(path, benchmarks)
    kw = dict(commit="c", order=1, date="d", source="s", source_hash="h")
    assert fast[0] == slow[0] == repo_shas[1]
    assert fast[2] == slow[2] == "python=3.11"
    assert refresh.rows.table(fast[1], **kw).equals(refresh.rows.table(slow[1], **kw))


def test_cli_store_commands(tmp_path, shas, capsys):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits):
        result_file(results, sha, i, step_at=30)
    base = ["--results", str(results)]
    assert main(["store", "rebuild", *base, "--repo", str(repo)]) == 0
    assert "40 of 40 result files read" in capsys.readouterr().out
    assert main(["store", "changes", *base, "--last", "20", "--json", "-"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["commit"]) for c in found] == [("s.T.time_a", commits[30])]
    assert main(["store", "series", "s.T.time_a", *base, "--csv"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 41
    assert main(["store", "series", "s.T.nope", *base]) == 2
    assert main(["store", "changes", "--store", str(tmp_path / "none")]) == 2
    assert "no history store" in capsys.readouterr().err


def test_real_asv_result_file_reads_as_history_reads_it(tmp_path):
    """A file asv 0.6 wrote (parameters, peakmem, track, samples) in the store == history."""
    import shutil

    from perfkit.ingest import asv as asv_ingest

    results = tmp_path / "results"
    shutil.copytree(
        Path(__file__).resolve().parents[1] / "data" / "ingest" / "asv-results", results
    )
    files = asv_ingest.list_result_files(results)
    measurements = [m for f in files for m in asv_ingest.read_result_file(f.path)]
    order = {measurements[0].commit: (0, "2026-01-01T00:00:00+00:00")}
    store.update(results, tmp_path / "st", placed=order)
    got = stored(tmp_path / "st")
    assert len(got) == len(measurements) > 4
    same(got, history.frame(measurements, order))


def test_listing_matches_perfkits_asv_lister(tmp_path, shas):
    from perfkit.ingest import asv as asv_ingest

    _, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:5]):
        result_file(results, sha, i, machine="m2" if i % 2 else "m1", env=f"e-{i}")
    (results / "m1" / "notes.txt").write_text("not a result")
    assert refresh._list(results) == asv_ingest.list_result_files(results)


def test_old_commits_fold_into_clustered_parts_and_the_store_still_equals_a_rebuild(tmp_path, shas):
    """Commit-range parts outside the newest commits are folded into parts sorted by
    benchmark; rewriting a file whose rows were folded marks them dead where they now are."""
    import pyarrow.parquet as pq

    repo, commits = shas
    results = new_results(tmp_path)
    st_dir = tmp_path / "st"
    kw = dict(repo=repo, batch_rows=8, max_small=2, hot_commits=5, max_clustered=2)
    for i, sha in enumerate(commits):
        result_file(results, sha, i, step_at=30)
        if i % 7 == 6:
            result_file(results, commits[i - 6], i - 6, step_at=30, scale=1.2)  # rerun, old
        store.update(results, st_dir, **kw)
    m = manifest.read(st_dir)
    clustered = [p for p in m.parts if p.clustered]
    assert clustered and len(clustered) <= 2
    names = pq.read_table(st_dir / clustered[0].file, columns=["name"]).column(0).to_pylist()
    assert names == sorted(names) and len(set(names)) == 4  # by benchmark, many commits
    by_file = {p.file: p for p in m.parts}
    newest = {s.part for s in m.sources.values() if s.order is not None and s.order >= 35}
    assert not any(by_file[f].clustered for f in newest)  # the newest commits stay by range
    fresh = tmp_path / "fresh"
    store.rebuild(results, fresh, repo=repo)
    same(stored(st_dir), stored(fresh))
    with store.Reader(st_dir) as a, store.Reader(fresh) as b:
        pd.testing.assert_frame_equal(a.series("s.T.time_p"), b.series("s.T.time_p"))
        assert a.changes(last=15) == b.changes(last=15) != []


def _records(m: manifest.Manifest) -> dict:
    return {
        k: (s.hash, s.rows, s.error, s.commit, s.order, s.date, s.machine, s.env_info)
        for k, s in m.sources.items()
    }


def test_an_update_appends_a_segment_of_the_records_it_changed(tmp_path, shas, monkeypatch):
    """Per-file records live in Parquet segments: an update writes the records it changed
    (a removed file as a tombstone), not every record; past MAX_SEGMENTS one full segment."""
    import pyarrow.parquet as pq

    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:10]):
        result_file(results, sha, i)
    st_dir = tmp_path / "st"
    store.update(results, st_dir, repo=repo)
    first = manifest.read(st_dir)
    assert len(first.segments) == 1 and len(first.sources) == 10
    result_file(results, commits[10], 10)
    (results / "m1" / f"{commits[0][:8]}-venv.json").unlink()
    store.update(results, st_dir, repo=repo)
    m = manifest.read(st_dir)
    assert m.segments[0] == first.segments[0] and len(m.segments) == 2
    delta = pq.read_table(st_dir / m.segments[1]).to_pydict()
    assert sorted(zip(delta["key"], delta["removed"], strict=True)) == sorted(
        [(f"m1/{commits[10][:8]}-venv.json", False), (f"m1/{commits[0][:8]}-venv.json", True)]
    )
    assert "sources" not in json.loads((st_dir / manifest.NAME).read_text())

    monkeypatch.setattr(manifest, "MAX_SEGMENTS", 3)
    for i in range(11, 15):
        result_file(results, commits[i], i)
        store.update(results, st_dir, repo=repo)
        assert len(manifest.read(st_dir).segments) <= 3
    m = manifest.read(st_dir)
    on_disk = {f"sources/{p.name}" for p in (st_dir / "sources").iterdir()}
    assert set(m.segments) <= on_disk and not any(n.endswith(".tmp") for n in on_disk)
    store.rebuild(results, tmp_path / "fresh", repo=repo)
    fresh = manifest.read(tmp_path / "fresh")
    assert len(fresh.segments) == 1
    assert _records(m) == _records(fresh) and len(m.sources) == 14
    same(stored(st_dir), stored(tmp_path / "fresh"))


def test_a_format_2_store_is_read_and_converted_by_its_next_update(tmp_path, shas):
    """Format 2 kept the records inline in manifest.json (same rows): read as it is; the
    next update writes format 3 without reading any result file again."""
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:6]):
        result_file(results, sha, i)
    st_dir = tmp_path / "st"
    store.update(results, st_dir, repo=repo)
    m = manifest.read(st_dir)
    old = {
        "format": 2,
        "generation": m.generation,
        "parts": [p.__dict__ | {"dead": list(p.dead)} for p in m.parts],
        "sources": {k: s.__dict__ for k, s in m.sources.items()},
        "meta": m.meta,
    }
    (st_dir / manifest.NAME).write_text(json.dumps(old))
    for seg in (st_dir / "sources").iterdir():
        seg.unlink()
    as_2 = manifest.read(st_dir)
    assert as_2.segments == () and _records(as_2) == _records(m)
    same(stored(st_dir), history.load(results, repo=repo))
    summary = store.update(results, st_dir, repo=repo)
    assert summary.read == 0
    data = json.loads((st_dir / manifest.NAME).read_text())
    assert data["format"] == manifest.FORMAT == 3 and len(data["segments"]) == 1
    assert _records(manifest.read(st_dir)) == _records(m)
    same(stored(st_dir), history.load(results, repo=repo))


def test_unchanged_benchmarks_json_is_not_digested_again(tmp_path, shas, monkeypatch):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:4]):
        result_file(results, sha, i)
    st_dir = tmp_path / "st"
    store.update(results, st_dir, repo=repo)
    calls = []
    digest = refresh._meta_digests
    monkeypatch.setattr(refresh, "_meta_digests", lambda b: calls.append(1) or digest(b))
    result_file(results, commits[4], 4)
    assert store.update(results, st_dir, repo=repo).read == 1
    assert calls == []
    meta = dict(BENCHMARKS, **{"s.T.time_a": dict(BENCHMARKS["s.T.time_a"], unit="ms")})
    (results / "benchmarks.json").write_text(json.dumps(meta))
    assert store.update(results, st_dir, repo=repo).read == 5  # every file holds time_a
    assert calls == [1]
    same(stored(st_dir), history.load(results, repo=repo))


def test_recent_changes_follow_version_runs_as_perfkit_history(tmp_path, shas):
    """A benchmark version change splits a series (labelled with its run), on several
    machines, as perfkit history cuts it; the changes are the ones it finds."""
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits):
        version = "2" if 18 <= i < 36 else "1"  # 1, 2, then 1 again: three runs
        result_file(results, sha, i, step_at=26, version=version)
        result_file(results, sha, i, machine="m2", step_at=28)
    store.update(results, tmp_path / "st", repo=repo)
    with store.Reader(tmp_path / "st") as reader:
        found = reader.changes(last=20)
    expected = history.analyse(history.load(results, repo=repo), None, history.HistoryOptions())
    window = set(commits[-20:])
    want = sorted(
        (s.series, cp.commit, cp.ratio)
        for s in expected.series
        for cp in s.change_points
        if cp.commit in window
    )
    assert sorted((c.series, c.commit, c.ratio) for c in found) == want
    assert {(c.series, c.commit) for c in found} >= {
        ("s.T.time_a @ m1 venv [version 2 (2/3)]", commits[26]),
        ("s.T.time_a @ m2 venv", commits[28]),
    }
