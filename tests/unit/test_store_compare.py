"""perfkit compare reads asv commits from the history store when there is one: the same
Measurements as the JSON file, hence the same verdicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.errors import ResultsFormatError
from perfkit.history import store
from perfkit.history.store import manifest
from perfkit.ingest.asv import list_result_files, load_results
from tests.unit.test_store import make_repo, new_results, result_file

REAL = Path(__file__).resolve().parents[1] / "data" / "ingest" / "asv-results"


@pytest.fixture(scope="module")
def shas(tmp_path_factory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("repo")
    return repo, make_repo(repo, 12)


def test_a_commit_read_from_the_store_is_the_commit_read_from_its_file(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits):
        result_file(results, sha, i, failed=i == 3, version="2" if i > 8 else "1")
    assert store.load_commit(results, commits[0], repo=repo) is None  # no store yet
    store.update(results, repo=repo)
    for i, sha in enumerate(commits):
        for spec in (sha, sha[:8], sha[:5]):
            got = store.load_commit(results, spec, repo=repo)
            assert got == load_results(results, commit=spec)
            assert len(got) == 4 and any(m.skipped for m in got) == (i % 5 == 0)
        assert any(m.error for m in got) == (i == 3)


def test_a_real_asv_file_and_the_errors_are_those_of_the_file(tmp_path, shas):
    repo, commits = shas
    results = tmp_path / "results"
    shutil.copytree(REAL, results)
    store.update(results, repo=repo)
    commit = list_result_files(results)[0].commit
    got = store.load_commit(results, commit, repo=repo)
    assert got == load_results(results, commit=commit) and len(got) > 4
    assert any(m.params for m in got) and any(m.samples for m in got)
    for spec in ("0000", "ab"):  # missing, too short
        with pytest.raises(ResultsFormatError) as from_file:
            load_results(results, commit=spec)
        with pytest.raises(ResultsFormatError) as from_store:
            store.load_commit(results, spec, repo=repo)
        assert str(from_store.value) == str(from_file.value)


def test_the_store_is_refreshed_before_a_commit_is_read(tmp_path, shas):
    repo, commits = shas
    results = new_results(tmp_path)
    result_file(results, commits[0], 0)
    store.update(results, repo=repo)
    result_file(results, commits[1], 1, scale=3.0)  # after the last update
    bad = result_file(results, commits[2], 2)
    bad.write_text("{not json")
    got = store.load_commit(results, commits[1], repo=repo)
    assert got == load_results(results, commit=commits[1])
    with pytest.raises(ResultsFormatError) as from_file:
        load_results(results, commit=commits[2])
    with pytest.raises(ResultsFormatError) as from_store:
        store.load_commit(results, commits[2], repo=repo)
    assert str(from_store.value) == str(from_file.value)
    assert len(manifest.read(store.default_store(results)).sources) == 3


def _verdicts(path: Path) -> list:
    report = json.loads(path.read_text())
    return sorted(
        (b["name"], b["verdict"], b.get("ratio"), b.get("p_value")) for b in report["benchmarks"]
    )


def _no_files(*args, **kwargs):
    raise AssertionError("read the JSON file although a store exists")


def test_compare_through_the_store_gives_the_verdicts_of_the_files(tmp_path, shas, monkeypatch):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits):
        result_file(results, sha, i, step_at=6)
    monkeypatch.chdir(repo)  # the store orders commits by the repository here
    argv = ["compare", commits[2], commits[9], "--results", str(results), "--out"]
    assert main([*argv, str(tmp_path / "files"), "--json", str(tmp_path / "files.json")]) == 0
    assert main(["history", "update", "--results", str(results), "--repo", str(repo)]) == 0
    monkeypatch.setattr("perfkit.cli.common.load_results", _no_files)  # the store or nothing
    assert main([*argv, str(tmp_path / "store"), "--json", str(tmp_path / "store.json")]) == 0
    by_files, by_store = _verdicts(tmp_path / "files.json"), _verdicts(tmp_path / "store.json")
    assert by_store == by_files
    assert ("s.T.time_a", "regression") in {(n, v) for n, v, _, _ in by_store}


def test_perfkit_history_through_the_store_writes_what_it_writes_from_the_files(
    tmp_path, shas, monkeypatch
):
    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits):
        result_file(results, sha, i, step_at=6)
        if i % 4 == 0:
            result_file(results, sha, i, machine="m2", env="conda", scale=2.0)
    (results / "m1" / "00000000-venv.json").write_text("{}")  # unreadable, listed
    argv = ["history", "--results", str(results), "--repo", str(repo), "--format", "json"]
    assert main([*argv, "--out", str(tmp_path / "a"), "--json", str(tmp_path / "a.json")]) == 0
    assert main(["history", "update", "--results", str(results), "--repo", str(repo)]) == 0
    monkeypatch.setattr("perfkit.ingest.asv.list_result_files", _no_files)  # the store only
    assert main([*argv, "--out", str(tmp_path / "b"), "--json", str(tmp_path / "b.json")]) == 0
    a, b = (json.loads((tmp_path / f"{x}.json").read_text()) for x in "ab")
    assert a.pop("generated_at") <= b.pop("generated_at")
    assert a == b and a["unreadable_files"] and a["series"]


def test_a_current_record_is_read_without_refreshing_the_store(tmp_path, shas, monkeypatch):
    """The file's record is current (stat, no error, benchmarks.json unchanged): its rows
    are read as they are; once the file changes, the store is refreshed first."""
    from perfkit.history.store import commits as store_commits

    repo, commits = shas
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:3]):
        result_file(results, sha, i)
    store.update(results, repo=repo)
    refreshed = []
    update = store_commits.update
    monkeypatch.setattr(
        store_commits, "update", lambda *a, **k: refreshed.append(1) or update(*a, **k)
    )
    assert store.load_commit(results, commits[1], repo=repo) == load_results(
        results, commit=commits[1]
    )
    assert refreshed == []
    result_file(results, commits[1], 1, scale=2.0)
    got = store.load_commit(results, commits[1], repo=repo)
    assert refreshed == [1] and got == load_results(results, commit=commits[1])
    meta = json.loads((results / "benchmarks.json").read_text())
    meta["s.T.time_a"]["unit"] = "ms"
    (results / "benchmarks.json").write_text(json.dumps(meta))
    got = store.load_commit(results, commits[0], repo=repo)
    assert refreshed == [1, 1] and got == load_results(results, commit=commits[0])
