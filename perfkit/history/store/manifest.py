"""The store's manifest: which Parquet part files hold the live rows, and what each
asv result file contributed.

``manifest.json`` is the store's only commit point. Part files are immutable once written;
an update writes new parts, then replaces ``manifest.json`` atomically (temporary file +
rename), so a reader sees the previous generation or the next one, never a mix, and a
killed update leaves the previous manifest and every file it names untouched.

The per-file records (:class:`Source`, one per result file: ~10,000 for a long history)
are not in ``manifest.json`` but in a small table of immutable Parquet *segments*
(``sources/src-<id>.parquet``) that the manifest lists, oldest first. An update appends
one segment holding only the records it changed (new, re-read, moved or removed files:
a removed file is a tombstone); reading replays them, the last record of a file wins.
When there are more than ``MAX_SEGMENTS`` segments, or a change touches a quarter of the
records, the update writes one segment with every record instead. So an update after one
new commit writes one record, not 10,000 (format 3; a format 2 store, whose manifest
held the records inline, is read as it is and converted by its next update).

A part may hold rows of result files that were later changed or removed; those files
are listed in the part's ``dead`` and their rows are filtered out when reading (a part
that is mostly dead is rewritten by the next update).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from perfkit.atomic import write_text_atomic
from perfkit.errors import ResultsFormatError

FORMAT = 3  # 2: the rows rebuild Measurements; 3: per-file records in Parquet segments
READABLE = (2, 3)  # 2: the same rows, records inline in manifest.json
NAME = "manifest.json"
SEGMENTS = "sources"
MAX_SEGMENTS = 16  # more: the next update writes one segment with every record


@dataclass(frozen=True)
class Part:
    file: str  # relative to the store directory
    rows: int
    dead: tuple[str, ...] = ()  # sources whose rows in this part are no longer live
    dead_rows: int = 0
    # rows of many commits sorted by benchmark (a series reads one or two row groups);
    # otherwise a range of commits as one update wrote it
    clustered: bool = False

    @property
    def live(self) -> int:
        return self.rows - self.dead_rows


@dataclass(frozen=True)
class Source:
    """One asv result file as last read."""

    hash: str  # content hash (xxh3-128 hex)
    size: int
    mtime_ns: int  # with size: a file whose stat is unchanged is not hashed again
    commit: str
    order: int | None  # position in history when read; None: commit not in the repository
    date: str
    part: str | None  # part holding its rows; None when it had none (error)
    rows: int
    error: str | None = None  # why it was skipped (malformed), when it was
    machine: str = ""  # of its rows (an asv file holds one machine and environment)
    environment: str = ""
    env_info: str = ""  # what asv recorded about the machine and interpreter


_FIELDS = tuple(f.name for f in fields(Source))
SEGMENT_SCHEMA = pa.schema(
    [
        ("key", pa.string()),  # <machine>/<file name>
        ("removed", pa.bool_()),  # a tombstone: the file is gone
        ("hash", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("commit", pa.string()),
        ("order", pa.int64()),
        ("date", pa.string()),
        ("part", pa.string()),
        ("rows", pa.int64()),
        ("error", pa.string()),
        ("machine", pa.string()),
        ("environment", pa.string()),
        ("env_info", pa.string()),
    ]
)


@dataclass(frozen=True)
class Manifest:
    generation: int = 0
    parts: tuple[Part, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)  # benchmark -> digest of its metadata
    # the record segments this manifest was read from (oldest first); () for a new store
    # or one of format 2: its next write then writes one segment with every record
    segments: tuple[str, ...] = ()
    benchmarks_hash: str = ""  # of benchmarks.json's bytes when ``meta`` was computed

    @property
    def live_rows(self) -> int:
        return sum(s.rows for s in self.sources.values())

    @property
    def unique(self) -> bool:
        """No two result files hold the same (commit, machine, environment): no row
        needs the latest-run-wins rule."""
        keys = [(s.commit, s.machine, s.environment) for s in self.sources.values() if s.rows]
        return len(keys) == len(set(keys))


def read(store_dir: Path, *, other_format_ok: bool = False) -> Manifest | None:
    """The manifest of ``store_dir``, or None when there is no store there (or, with
    ``other_format_ok``, a store of an older format: an update then rebuilds it)."""
    path = store_dir / NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ResultsFormatError(f"{path}: unreadable store manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") not in READABLE:
        if other_format_ok and isinstance(data, dict):
            return None
        raise ResultsFormatError(
            f"{path}: store format {data.get('format') if isinstance(data, dict) else '?'!r}, "
            f"expected {FORMAT}: run `perfkit history rebuild`"
        )
    segments = tuple(data.get("segments", ()))
    if data["format"] == 2:
        sources = {k: _source(v) for k, v in data["sources"].items()}
    else:
        sources = _read_segments(store_dir, segments)
    return Manifest(
        generation=int(data["generation"]),
        parts=tuple(
            Part(
                p["file"],
                int(p["rows"]),
                tuple(p["dead"]),
                int(p["dead_rows"]),
                bool(p.get("clustered", False)),
            )
            for p in data["parts"]
        ),
        sources=sources,
        meta=dict(data.get("meta", {})),
        segments=segments,
        benchmarks_hash=str(data.get("benchmarks_hash", "")),
    )


def _source(v: dict[str, Any]) -> Source:
    return Source(
        hash=v["hash"],
        size=int(v["size"]),
        mtime_ns=int(v["mtime_ns"]),
        commit=v["commit"],
        order=v["order"],
        date=v["date"],
        part=v["part"],
        rows=int(v["rows"]),
        error=v.get("error"),
        machine=v.get("machine", ""),
        environment=v.get("environment", ""),
        env_info=v.get("env_info", ""),
    )


def _read_segments(store_dir: Path, segments: tuple[str, ...]) -> dict[str, Source]:
    """The records the segments hold, replayed oldest first (the last record of a file
    wins; a tombstone removes it)."""
    sources: dict[str, Source] = {}
    for name in segments:
        try:
            cols = pq.ParquetFile(store_dir / name).read().to_pydict()
        except (OSError, pa.ArrowException) as exc:
            raise ResultsFormatError(
                f"{store_dir / name}: unreadable store segment ({exc})"
            ) from None
        values = [cols[f] for f in _FIELDS]
        for key, removed, *record in zip(cols["key"], cols["removed"], *values, strict=True):
            if removed:
                sources.pop(key, None)
            else:
                sources[key] = _record(record)
    return sources


def _record(values: list) -> Source:
    """``Source(*values)`` without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field: ~40 ms for 10,000 records, a tenth of an update)."""
    source = object.__new__(Source)
    source.__dict__.update(zip(_FIELDS, values, strict=True))
    return source


def write(store_dir: Path, manifest: Manifest, previous: Manifest | None = None) -> Manifest:
    """Publish ``manifest`` (atomically; see the module doc): its records as a segment of
    the changes since ``previous`` (what the store held) or, when that is not worth it,
    as one segment with every record. Returns it with the segments it now lists."""
    segments = _write_segments(store_dir, manifest.sources, previous)
    data = {
        "format": FORMAT,
        "generation": manifest.generation,
        "parts": [p.__dict__ | {"dead": list(p.dead)} for p in manifest.parts],
        "segments": list(segments),
        "benchmarks_hash": manifest.benchmarks_hash,
        "meta": dict(sorted(manifest.meta.items())),
    }
    write_text_atomic(store_dir / NAME, json.dumps(data, separators=(",", ":")))
    return Manifest(
        manifest.generation,
        manifest.parts,
        manifest.sources,
        manifest.meta,
        segments,
        manifest.benchmarks_hash,
    )


def _write_segments(
    store_dir: Path, sources: Mapping[str, Source], previous: Manifest | None
) -> tuple[str, ...]:
    if previous is None or not previous.segments or len(previous.segments) >= MAX_SEGMENTS:
        return _full(store_dir, sources)
    old = previous.sources
    changed = [(k, s) for k, s in sources.items() if old.get(k) is not s and old.get(k) != s]
    gone = [k for k in old if k not in sources]
    if (len(changed) + len(gone)) * 4 > max(len(sources), 1):
        return _full(store_dir, sources)
    if not changed and not gone:
        return previous.segments
    return (*previous.segments, _write_segment(store_dir, changed, gone))


def _full(store_dir: Path, sources: Mapping[str, Source]) -> tuple[str, ...]:
    return (_write_segment(store_dir, sorted(sources.items()), []),)


def _write_segment(store_dir: Path, records: list[tuple[str, Source]], gone: list[str]) -> str:
    """One immutable segment (written to a temporary name, fsynced, renamed)."""
    cols: dict[str, list] = {f.name: [] for f in SEGMENT_SCHEMA}
    for key, s in records:
        cols["key"].append(key)
        cols["removed"].append(False)
        for f in _FIELDS:
            cols[f].append(getattr(s, f))
    for key in gone:
        cols["key"].append(key)
        cols["removed"].append(True)
        for f in _FIELDS:
            cols[f].append(None)
    name = f"{SEGMENTS}/src-{uuid.uuid4().hex}.parquet"
    path = store_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(pa.table(cols, schema=SEGMENT_SCHEMA), tmp, compression="zstd")
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return name
