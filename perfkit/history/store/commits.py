"""One commit's measurements from the store, as ``perfkit compare`` reads a side.

:func:`load_commit` picks the result file exactly as
:func:`perfkit.ingest.asv.load_results` does (one machine, a commit prefix, one
environment; the same errors), refreshes the store (by content hash: an unchanged store
costs a listing and a stat of the result files), and rebuilds that file's Measurements
from its rows (:func:`perfkit.history.store.rows.measurements`), so a comparison gives the
verdicts it gives from the JSON file.
"""

from __future__ import annotations

from pathlib import Path

from perfkit.errors import GitError, ResultsFormatError
from perfkit.history.store import parts as pt
from perfkit.history.store import rows
from perfkit.history.store.query import Reader
from perfkit.history.store.refresh import default_store, update
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
    try:
        update(results_dir, store_dir, repo=repo)
    except GitError:
        return None
    key = f"{info.machine}/{info.path.name}"
    with Reader(store_dir) as reader:
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
