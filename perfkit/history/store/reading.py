"""Reading result files into store rows, in one process or several.

Each file becomes one Arrow table (:func:`perfkit.history.store.rows.table`) with its commit
placed in history, or the one-line reason it could not be read. Many files are read by
a pool of processes (fork), each given the benchmark metadata and commit placement once.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from perfkit.errors import ResultsFormatError
from perfkit.history.store import manifest as mf
from perfkit.history.store import rows
from perfkit.history.store.placing import Placement

PARALLEL_FROM = 64  # files to read before reading them in several processes
Todo = tuple[str, Path, mf.Source]  # (key, path, source record: hash and stat)
Read = tuple[str, mf.Source, pa.Table | None, str | None]  # (key, record, rows, error)

_worker: dict[str, Any] = {}


def _init(benchmarks: dict[str, Any], placement: Placement, reader: rows.FileReader) -> None:
    _worker.update(benchmarks=benchmarks, placement=placement, reader=reader)


def _read_one(item: Todo) -> Read:
    key, path, source = item
    try:
        commit, cols, env_info = _worker["reader"](path, _worker["benchmarks"])
    except ResultsFormatError as exc:
        return key, source, None, str(exc)
    commit = commit or source.commit
    full, order, date = _worker["placement"].place(commit)
    table = rows.table(
        cols, commit=full or commit, order=order, date=date, source=key, source_hash=source.hash
    )
    one = {c: str(cols[c][0]) if table.num_rows else "" for c in ("machine", "environment")}
    source = replace(
        source,
        commit=full or commit,
        order=order,
        date=date,
        rows=table.num_rows,
        env_info=env_info,
        **one,
    )
    return key, source, table, None


def read_all(
    todo: list[Todo],
    benchmarks: dict[str, Any],
    placement: Placement,
    reader: rows.FileReader,
    jobs: int | None = None,
) -> Iterator[Read]:
    """What every file in ``todo`` holds, in order; in ``jobs`` processes (default: one
    per CPU when there are many files)."""
    if jobs is None:
        jobs = (os.cpu_count() or 1) if len(todo) >= PARALLEL_FROM else 1
    if jobs <= 1:
        _init(benchmarks, placement, reader)
        yield from map(_read_one, todo)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    init = (benchmarks, placement, reader)
    with ProcessPoolExecutor(jobs, ctx, initializer=_init, initargs=init) as pool:
        yield from pool.map(_read_one, todo, chunksize=8)
