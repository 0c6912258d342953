"""Parquet part files: writing one atomically, reading the live rows of several, merging.

Every part is written to a temporary name in ``parts/``, flushed to disk and renamed;
its name is new (a random id), so no reader's file is ever overwritten. Rows inside a
part are sorted by (name, machine, environment, order): Parquet's per-row-group min/max
statistics then let DuckDB skip every row group that cannot hold a benchmark's series.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from perfkit.history.store.manifest import Part

PARTS = "parts"
ROW_GROUP = 16_384  # a series' query reads one per part (4,096 measured slower: more groups)
SORT = ("name", "machine", "environment", "order")
MEMORY_LIMIT = "1GB"


def connect(store_dir: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB connection with bounded memory (spills to the store's tmp)."""
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False})
    # Parquet footers parsed once per connection, not once per query (DuckDB 2 / DuckDB 1)
    for setting in ("parquet_metadata_cache", "enable_object_cache"):
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET {setting} = true")
    con.execute(f"SET temp_directory = {quote(str(store_dir / '.duckdb-tmp'))}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def live_sql(store_dir: Path, parts: Sequence[Part]) -> str:
    """One SELECT of the live rows of ``parts`` (dead sources filtered out)."""
    clean = [p for p in parts if not p.dead]
    selects = []
    if clean:
        files = ", ".join(quote(str(store_dir / p.file)) for p in clean)
        selects.append(f"SELECT * FROM read_parquet([{files}])")
    for p in parts:
        if p.dead:
            dead = ", ".join(quote(s) for s in p.dead)
            selects.append(
                f"SELECT * FROM read_parquet({quote(str(store_dir / p.file))}) "
                f"WHERE source NOT IN ({dead})"
            )
    return " UNION ALL ".join(selects)


def _new_path(store_dir: Path) -> tuple[str, Path]:
    name = f"{PARTS}/part-{uuid.uuid4().hex}.parquet"
    path = store_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return name, path.with_name(f".{path.name}.tmp")


def _publish(tmp: Path, store_dir: Path, name: str) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, store_dir / name)


def write_table(store_dir: Path, table: pa.Table) -> Part:
    """A new part holding ``table`` (sorted as DuckDB sorts: strings bytewise, nulls last),
    published atomically. Written by pyarrow: an update's few thousand rows need no DuckDB
    connection (~40 ms to open)."""
    name, tmp = _new_path(store_dir)
    ordered = table.sort_by([(c, "ascending") for c in SORT])  # nulls last: the default
    try:
        pq.write_table(ordered, tmp, row_group_size=ROW_GROUP, compression="zstd")
        _publish(tmp, store_dir, name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Part(name, ordered.num_rows)


def merge(store_dir: Path, parts: Sequence[Part], clustered: bool = False) -> Part:
    """One new sorted part with the live rows of ``parts`` (DuckDB sorts out of core)."""
    return replace(_copy(store_dir, live_sql(store_dir, parts)), clustered=clustered)


def _copy(store_dir: Path, select: str) -> Part:
    """A new part with the rows of ``select``, sorted by DuckDB, published atomically."""
    name, tmp = _new_path(store_dir)
    order = ", ".join(f'"{c}"' for c in SORT)
    con = connect(store_dir)
    try:
        con.execute(
            f"COPY (SELECT * FROM ({select}) ORDER BY {order}) TO {quote(str(tmp))} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP})"
        )
        rows = pq.ParquetFile(tmp).metadata.num_rows
        _publish(tmp, store_dir, name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    return Part(name, rows)


def remove_unlisted(store_dir: Path, keep: set[str], under: str = PARTS) -> int:
    """Delete the files in ``under`` (part files, or the manifest's record segments) not
    in ``keep`` (leftovers of killed updates, generations no reader pins any more)."""
    removed = 0
    folder = store_dir / under
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        if f"{under}/{path.name}" not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
