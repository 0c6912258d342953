"""One commit's measurements from the store, as ``perfkit compare`` reads a side.

:func:`load_commit` picks the result file exactly as
:func:`perfkit.ingest.asv.load_results` does (one machine, a commit prefix, one
environment; the same errors), and rebuilds that file's Measurements from its rows
(:func:`perfkit.history.store.rows.measurements`), so a comparison gives the verdicts it
gives from the JSON file. When the store's record of that one file is current (same size
and modification time, no error, ``benchmarks.json`` unchanged) its rows are read as they
are; otherwise the store is refreshed first (:func:`perfkit.history.store.update`: a
listing and a stat of every result file, ``git log``, ~0.5 s for 10,000 files).
"""

from __future__ import annotations

from pathlib import Path

from perfkit.errors import GitError, ResultsFormatError
from perfkit.history.store import manifest as mf
from perfkit.history.store import parts as pt
from perfkit.history.store import rows
from perfkit.history.store.query import Reader
from perfkit.history.store.refresh import benchmarks_digest, default_store, update
from perfkit.ingest import asv as asv_ingest
from perfkit.model import Measurement


def load_commit(
    results_dir: Path | str,
    commit: str,
    *,
    machine: str | None = None,
    repo: Path | str = ".",
) -> list[Measurement] | None:
    """``load_results(results_dir, commit=commit, machine=machine)`` read from the store
    beside ``results_dir``, refreshed first; None when there is no store (or ``repo``,
    which orders the store's commits, is not a git repository): read the file then."""
    results_dir = Path(results_dir)
    store_dir = default_store(results_dir)
    if not (store_dir / "manifest.json").is_file():
        return None
    info = asv_ingest.pick_result_file(results_dir, machine=machine, commit=commit)
    key = f"{info.machine}/{info.path.name}"
    pinned = mf.read(store_dir, other_format_ok=True)
    if pinned is None or not _current(pinned, key, info.path, results_dir):
        try:
            update(results_dir, store_dir, repo=repo)
        except GitError:
            return None
        pinned = None
    with Reader(store_dir, manifest=pinned) as reader:
        source = reader.manifest.sources.get(key)
        if source is None:  # listed a moment ago, gone now
            raise ResultsFormatError(f"{info.path}: no such result file")
        if source.error is not None:
            raise ResultsFormatError(source.error)
        part = next((p for p in reader.manifest.parts if p.file == source.part), None)
        if part is None or not source.rows:
            return []
        cols = ", ".join(f'"{c}"' for c in rows.MEASUREMENT_COLUMNS)
        found = reader.con.execute(
            f"SELECT {cols} FROM ({pt.live_sql(store_dir, [part])}) WHERE source = ? ORDER BY seq",
            [key],
        ).fetchall()
    by_column = dict(
        zip(rows.MEASUREMENT_COLUMNS, map(list, zip(*found, strict=True)), strict=True)
    )
    measurements = rows.measurements(by_column, str(info.path))
    if len(commit) > 8 and not str(measurements[0].commit or "").startswith(commit):
        raise ResultsFormatError(
            f"{info.path}: holds commit {measurements[0].commit}, not {commit}"
        )
    return measurements


def _current(pinned: mf.Manifest, key: str, path: Path, results_dir: Path) -> bool:
    """The store holds what ``path`` holds now: its record has the file's size and
    modification time and no error, and ``benchmarks.json`` (units, types) is as when the
    store was last refreshed. (Where the commit sits in history does not change a
    Measurement.)"""
    source = pinned.sources.get(key)
    if source is None or source.error is not None or not pinned.benchmarks_hash:
        return False
    st = path.stat()
    if (source.size, source.mtime_ns) != (st.st_size, st.st_mtime_ns):
        return False
    return benchmarks_digest(results_dir) == pinned.benchmarks_hash
