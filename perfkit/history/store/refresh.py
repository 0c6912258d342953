"""Build and refresh the store from an asv results directory.

``update`` reads only what changed since the last update: a result file whose size and
modification time are as recorded is not opened; one whose stat changed is hashed
(xxh3-128 of its bytes) and read again only when its content changed. New files append
their rows as new part files; a changed or removed file's old rows are marked dead in
the part that holds them (and dropped when that part is rewritten). A file is read again
also when the commit it belongs to moved in the repository's history (rebase) or when
the metadata of one of its benchmarks in ``benchmarks.json`` (unit, type, parameters,
rounds) changed, so the store always equals what reading every file again would give:
``rebuild`` does exactly that, from nothing.

A malformed result file is skipped with its reason (returned, and remembered until the
file changes), never an abort. Updates take an exclusive lock on the store; readers take
none (they read a manifest and the immutable parts it names).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import xxhash

from perfkit.history.store import manifest as mf
from perfkit.history.store import parts as pt
from perfkit.history.store import reading, rows
from perfkit.history.store.placing import Placed, Placement, commit_order
from perfkit.ingest import asv as asv_ingest

# rows per part written by one update: bounds memory, and keeps each part to a range of
# commits (files are read in history order) so "the last N commits" reads few parts
BATCH_ROWS = 262_144
MAX_SMALL = 16  # more parts than this below BATCH_ROWS / 4 rows: they are merged into one
# Commit-range parts older than the newest HOT_COMMITS commits are folded into one part
# sorted by benchmark (clustered) once they hold FOLD_BATCHES * batch_rows rows: a
# series then reads one or two row groups of it instead of one per commit-range part,
# and "what changed lately" still reads only the commit-range parts (the clustered
# parts' row groups are skipped by their `order` statistics). More than MAX_CLUSTERED
# clustered parts are merged into one.
HOT_COMMITS = 256
FOLD_BATCHES = 4
MAX_CLUSTERED = 8
_META_KEYS = ("type", "unit", "param_names", "params", "rounds", "repeat")


@dataclass(frozen=True)
class UpdateSummary:
    store: Path
    files: int  # result files in the results directory
    read: int  # files read this time (new, changed, or moved in history)
    removed: int  # files gone from the results directory since the last update
    rows_added: int
    live_rows: int
    parts: int
    generation: int
    skipped: tuple[tuple[str, str], ...] = ()  # (file, reason) malformed files read this time


@dataclass
class _Pending:
    tables: list[pa.Table] = field(default_factory=list)
    sources: dict[str, mf.Source] = field(default_factory=dict)
    rows: int = 0


def default_store(results_dir: Path | str) -> Path:
    """Where the store of ``results_dir`` lives: beside it, ``<results>.store``."""
    results_dir = Path(results_dir).absolute()
    return results_dir.with_name(results_dir.name + ".store")


def rebuild(results_dir: Path | str, store_dir: Path | str | None = None, **kw) -> UpdateSummary:
    """Build the store from every result file, ignoring what it held."""
    return update(results_dir, store_dir, rebuild=True, **kw)


def update(
    results_dir: Path | str,
    store_dir: Path | str | None = None,
    *,
    repo: Path | str = ".",
    rebuild: bool = False,
    placed: Placed | None = None,
    batch_rows: int = BATCH_ROWS,
    max_small: int = MAX_SMALL,
    hot_commits: int = HOT_COMMITS,
    max_clustered: int = MAX_CLUSTERED,
    jobs: int | None = None,
    reader: rows.FileReader = rows.read_asv,
) -> UpdateSummary:
    """Bring the store up to date with ``results_dir`` (see module doc).

    Commits are placed by ``repo``'s history (:func:`perfkit.history.series.commit_order`)
    unless ``placed`` (full hash -> (order, date)) is given. ``jobs`` processes read
    the JSON files (default: one per CPU when there are many files to read) with
    ``reader`` (default: perfkit's asv reader; the scale benchmark plugs in its own).
    """
    results_dir = Path(results_dir)
    store_dir = Path(store_dir) if store_dir is not None else default_store(results_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    with _locked(store_dir):
        found = mf.read(store_dir, other_format_ok=True)  # an older format is rebuilt
        old = found or mf.Manifest()
        base = mf.Manifest() if rebuild else old
        files = _scan(results_dir)
        placement = Placement(commit_order(repo) if placed is None else placed)
        bench = _Benchmarks(results_dir if files else None)
        meta = base.meta if bench.digest == base.benchmarks_hash != "" else bench.meta()
        stale = _stale_by_meta(store_dir, base, meta)
        keep, todo = _plan(files, base, placement, stale)
        todo.sort(key=lambda item: _position(placement, item[2].commit))
        current = {f.key for f in files}
        removed = [k for k in base.sources if k not in current]
        unchanged = (
            not todo
            and not removed
            and keep == old.sources
            and meta == old.meta
            and bench.digest == old.benchmarks_hash
        )
        if found is not None and unchanged and not rebuild:
            return _summary(store_dir, len(files), 0, 0, 0, old, ())  # nothing to write
        benchmarks = bench.parsed() if todo else {}
        read = reading.read_all(todo, benchmarks, placement, reader, jobs)
        new_parts, sources, skipped, added = _ingest(store_dir, read, keep, batch_rows)
        gone = [k for k, _, _ in todo] + removed
        all_parts = _mark_dead(base.parts, {k: base.sources[k] for k in gone if k in base.sources})
        layout = Layout(
            batch_rows // 4, max_small, FOLD_BATCHES * batch_rows, hot_commits, max_clustered
        )
        all_parts, sources = _compact(store_dir, [*all_parts, *new_parts], sources, layout)
        new = mf.Manifest(
            old.generation + 1, tuple(all_parts), sources, meta, benchmarks_hash=bench.digest
        )
        new = mf.write(store_dir, new, found)
        pt.remove_unlisted(store_dir, {p.file for p in new.parts} | {p.file for p in old.parts})
        pt.remove_unlisted(store_dir, {*new.segments, *old.segments}, mf.SEGMENTS)
    return _summary(store_dir, len(files), len(todo), len(removed), added, new, skipped)


def _summary(
    store_dir: Path,
    files: int,
    read: int,
    removed: int,
    added: int,
    new: mf.Manifest,
    skipped: Sequence[tuple[str, str]],
) -> UpdateSummary:
    return UpdateSummary(
        store=store_dir,
        files=files,
        read=read,
        removed=removed,
        rows_added=added,
        live_rows=new.live_rows,
        parts=len(new.parts),
        generation=new.generation,
        skipped=tuple(skipped),
    )


def _ingest(
    store_dir: Path, read: Iterable[reading.Read], keep: dict[str, mf.Source], batch_rows: int
) -> tuple[list[mf.Part], dict[str, mf.Source], list[tuple[str, str]], int]:
    """Write what was read as new parts of about ``batch_rows`` rows:
    (parts, every source record, (file, reason) of malformed files, rows added)."""
    new_parts: list[mf.Part] = []
    sources = dict(keep)
    skipped: list[tuple[str, str]] = []
    pending = _Pending()
    added = 0
    for key, source, table, error in read:
        if table is None:
            sources[key] = replace(source, error=error)
            skipped.append((key, str(error)))
            continue
        pending.tables.append(table)
        pending.sources[key] = source
        pending.rows += table.num_rows
        added += table.num_rows
        if pending.rows >= batch_rows:
            _flush(store_dir, pending, new_parts, sources)
    _flush(store_dir, pending, new_parts, sources)
    return new_parts, sources, skipped, added


@contextmanager
def _locked(store_dir: Path) -> Iterator[None]:
    with open(store_dir / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class _File(NamedTuple):
    """A result file as listed: plain strings (pathlib costs ~0.3 s for 10,000 files)."""

    key: str  # <machine>/<file name>
    path: str
    machine: str
    commit: str  # the file name's commit prefix
    env: str


def _scan(results_dir: Path) -> list[_File]:
    """The result files, as :func:`perfkit.ingest.asv.list_result_files` lists them
    (``<machine>/<commit8>-<env>.json``, not ``machine.json``)."""
    if not results_dir.is_dir():
        asv_ingest.list_result_files(results_dir)  # raises its one-line error
    out = []
    for mdir in sorted((e for e in os.scandir(results_dir) if e.is_dir()), key=lambda e: e.name):
        names = sorted(e.name for e in os.scandir(mdir.path) if e.name.endswith(".json"))
        folder = mdir.path + os.sep
        for name in names:
            if name != "machine.json":
                commit8, _, env = name[: -len(".json")].partition("-")
                out.append(_File(f"{mdir.name}/{name}", folder + name, mdir.name, commit8, env))
    return out


def _list(results_dir: Path) -> list[asv_ingest.ResultFileInfo]:
    """:func:`_scan` as :func:`perfkit.ingest.asv.list_result_files` gives it."""
    return [
        asv_ingest.ResultFileInfo(Path(f.path), f.machine, f.commit, f.env, None)
        for f in _scan(results_dir)
    ]


def benchmarks_digest(results_dir: Path) -> str:
    """Content hash of ``results_dir``'s ``benchmarks.json`` ("" when there is none), as
    the manifest records it (``Manifest.benchmarks_hash``)."""
    return _Benchmarks(results_dir).digest


class _Benchmarks:
    """``benchmarks.json``: its content hash always (one read of ~100 kB); parsed, and
    its per-benchmark digests computed, only when needed (a file to read, or a changed
    hash)."""

    def __init__(self, results_dir: Path | None) -> None:
        self.results_dir = results_dir
        self.digest = ""
        if results_dir is not None:
            try:
                data = (results_dir / "benchmarks.json").read_bytes()
            except FileNotFoundError:
                data = b""
            self.digest = xxhash.xxh3_128_hexdigest(data) if data else ""
        self._parsed: dict | None = None

    def parsed(self) -> dict:
        if self._parsed is None:
            found = self.results_dir is not None
            self._parsed = asv_ingest.read_benchmarks_json(self.results_dir) if found else {}
        return self._parsed

    def meta(self) -> dict[str, str]:
        return _meta_digests(self.parsed())


def _meta_digests(benchmarks: Mapping[str, dict]) -> dict[str, str]:
    """Per benchmark, a digest of the benchmarks.json fields the rows depend on."""
    out = {}
    for name, meta in benchmarks.items():
        picked = {k: meta.get(k) for k in _META_KEYS}
        out[name] = xxhash.xxh64_hexdigest(json.dumps(picked, sort_keys=True, default=str).encode())
    return out


def _stale_by_meta(store_dir: Path, base: mf.Manifest, meta: Mapping[str, str]) -> set[str]:
    """Sources holding a benchmark whose metadata changed since they were read."""
    changed = sorted(b for b in set(meta) | set(base.meta) if meta.get(b) != base.meta.get(b))
    if not changed or not base.parts:
        return set()
    names = ", ".join(pt.quote(b) for b in changed)
    con = pt.connect(store_dir)
    try:
        found = con.execute(
            f"SELECT DISTINCT source FROM ({pt.live_sql(store_dir, base.parts)}) "
            f"WHERE benchmark IN ({names})"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in found}


def _plan(
    files: list[_File],
    base: mf.Manifest,
    placement: Placement,
    stale: set[str],
) -> tuple[dict[str, mf.Source], list[reading.Todo]]:
    """(sources kept as they are, (key, path, new source record) of files to read)."""
    keep: dict[str, mf.Source] = {}
    todo: list[reading.Todo] = []
    for info in files:
        key = info.key
        st = os.stat(info.path)
        prev = base.sources.get(key)
        if prev is not None and key not in stale and _placed_same(prev, placement):
            if prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns:
                keep[key] = prev
                continue
            digest = _hash(info.path)
            if digest == prev.hash:
                keep[key] = replace(prev, size=st.st_size, mtime_ns=st.st_mtime_ns)
                continue
        else:
            digest = _hash(info.path)
        fresh = mf.Source(
            hash=digest,
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            commit=info.commit,
            order=None,
            date="",
            part=None,
            rows=0,
        )
        todo.append((key, Path(info.path), fresh))
    return keep, todo


def _position(placement: Placement, commit: str) -> int:
    order = placement.place(commit)[1]
    return -1 if order is None else order


def _placed_same(prev: mf.Source, placement: Placement) -> bool:
    if prev.error is not None:
        return True  # a malformed file is read again only when its content changes
    found = placement.placed.get(prev.commit)  # the full hash, as usual: no prefix search
    if found is not None:
        return prev.order == found[0] and prev.date == found[1]
    _, order, date = placement.place(prev.commit)
    return (prev.order, prev.date) == (order, date)


def _hash(path: Path | str) -> str:
    with open(path, "rb") as fh:
        return xxhash.xxh3_128_hexdigest(fh.read())


def _flush(
    store_dir: Path, pending: _Pending, new_parts: list[mf.Part], sources: dict[str, mf.Source]
) -> None:
    if pending.tables:
        part = pt.write_table(store_dir, pa.concat_tables(pending.tables))
        new_parts.append(part)
        for key, source in pending.sources.items():
            sources[key] = replace(source, part=part.file)
    pending.tables.clear()
    pending.sources.clear()
    pending.rows = 0


def _mark_dead(parts: tuple[mf.Part, ...], gone: Mapping[str, mf.Source]) -> list[mf.Part]:
    """``parts`` with the rows of the ``gone`` sources marked dead; empty parts dropped."""
    by_part: dict[str, list[tuple[str, int]]] = {}
    for key, source in gone.items():
        if source.part is not None and source.rows:
            by_part.setdefault(source.part, []).append((key, source.rows))
    out = []
    for p in parts:
        dead = by_part.get(p.file, [])
        p = replace(
            p,
            dead=tuple(sorted({*p.dead, *(k for k, _ in dead)})),
            dead_rows=p.dead_rows + sum(n for _, n in dead),
        )
        if p.live > 0:
            out.append(p)
    return out


@dataclass(frozen=True)
class Layout:
    small: int  # parts with fewer live rows are small
    max_small: int  # more small parts than this: merged into one
    fold_rows: int  # commit-range parts outside the hot commits holding this many: folded
    hot_commits: int  # newest commits kept in commit-range parts
    clustered: int = MAX_CLUSTERED  # more clustered parts than this: merged into one


def _compact(
    store_dir: Path, parts: list[mf.Part], sources: dict[str, mf.Source], layout: Layout
) -> tuple[list[mf.Part], dict[str, mf.Source]]:
    """Rewrite mostly-dead parts; merge the small parts when there are too many; fold old
    commit-range parts into a clustered part (module constants). Returns the parts and
    the source records pointing at the parts that now hold their rows."""
    moved: dict[str, str] = {}

    def merge(group: list[mf.Part], clustered: bool) -> mf.Part:
        new = pt.merge(store_dir, group, clustered)
        moved.update((p.file, new.file) for p in group)
        return new

    out = [merge([p], p.clustered) if p.dead_rows * 2 > p.rows else p for p in parts]
    smalls = [p for p in out if p.live < layout.small and not p.clustered]
    if len(smalls) > layout.max_small:
        out = [p for p in out if p not in smalls] + [merge(smalls, False)]
    sources = _moved(sources, moved)
    cold = _cold(out, sources, layout.hot_commits)
    if sum(p.live for p in cold) >= layout.fold_rows:
        out = [p for p in out if p not in cold] + [merge(cold, True)]
    clustered = [p for p in out if p.clustered]
    if len(clustered) > layout.clustered:
        out = [p for p in out if not p.clustered] + [merge(clustered, True)]
    return out, _moved(sources, moved)


def _moved(sources: dict[str, mf.Source], moved: Mapping[str, str]) -> dict[str, mf.Source]:
    def where(part: str | None) -> str | None:
        while part in moved:
            part = moved[part]
        return part

    return {k: replace(s, part=where(s.part)) if s.part in moved else s for k, s in sources.items()}


def _cold(
    parts: list[mf.Part], sources: Mapping[str, mf.Source], hot_commits: int
) -> list[mf.Part]:
    """Commit-range parts holding no result of the newest ``hot_commits`` commits."""
    orders = sorted({s.order for s in sources.values() if s.order is not None and s.rows})
    if len(orders) <= hot_commits:
        return []
    cut = orders[-hot_commits] if hot_commits > 0 else orders[-1] + 1
    newest: dict[str, int] = {}
    for s in sources.values():
        if s.part is not None and s.rows:
            order = -1 if s.order is None else s.order
            newest[s.part] = max(newest.get(s.part, -1), order)
    return [p for p in parts if not p.clustered and newest.get(p.file, cut) < cut]
