"""A killed update (SIGKILL, a real process) leaves the previous store readable and whole.

The update runs in a subprocess writing one part per result file (slow enough to be
killed mid-way); it is killed once it has published new part files but before it could
finish, at several moments. After each kill the store must read exactly as before the
update; a later update must complete and equal a rebuild and the JSON files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from perfkit.history import series as history
from perfkit.history import store
from perfkit.history.store import manifest
from tests.unit.test_store import make_repo, new_results, result_file, same, stored

SCRIPT = """
import sys
from perfkit.history import store
store.update(sys.argv[1], sys.argv[2], repo=sys.argv[3], batch_rows=4, jobs=1, max_small=1000)
"""


def _start(results: Path, st_dir: Path, repo: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(results), str(st_dir), str(repo)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _new_parts(st_dir: Path, known: set[str]) -> list[str]:
    folder = st_dir / "parts"
    return [p.name for p in folder.iterdir() if f"parts/{p.name}" not in known]


def test_killed_update_leaves_the_previous_store_readable(tmp_path):
    repo = tmp_path / "repo"
    commits = make_repo(repo, 70)
    results = new_results(tmp_path)
    for i, sha in enumerate(commits[:20]):
        result_file(results, sha, i)
    st_dir = tmp_path / "st"
    store.update(results, st_dir, repo=repo)
    before_manifest = manifest.read(st_dir)
    before = stored(st_dir)
    known = {p.file for p in before_manifest.parts}
    for i, sha in enumerate(commits[20:], start=20):
        result_file(results, sha, i)
    result_file(results, commits[3], 3, scale=2.0)  # a changed file: its old rows die

    kills = 0
    for wait_after_first_part in (0.0, 0.4, 1.2):
        present = known | {f"parts/{n}" for n in _new_parts(st_dir, known)}  # earlier kills' too
        proc = _start(results, st_dir, repo)
        deadline = time.monotonic() + 120
        while not _new_parts(st_dir, present) and proc.poll() is None:
            assert time.monotonic() < deadline, "the update never wrote a part"
            time.sleep(0.005)
        time.sleep(wait_after_first_part)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        now = manifest.read(st_dir)
        if proc.returncode == -signal.SIGKILL and now.generation == before_manifest.generation:
            assert _new_parts(st_dir, known), "killed after writing parts, they are left over"
            same(stored(st_dir), before)  # the old generation, whole and readable
        else:  # the update finished before the kill landed
            same(stored(st_dir), history.load(results, repo=repo))
            break
    assert kills >= 1

    store.update(results, st_dir, repo=repo)
    same(stored(st_dir), history.load(results, repo=repo))
    store.rebuild(results, tmp_path / "fresh", repo=repo)
    same(stored(st_dir), stored(tmp_path / "fresh"))
    listed = {p.file for p in manifest.read(st_dir).parts} | known
    assert _new_parts(st_dir, listed) == []  # parts of killed updates were collected
