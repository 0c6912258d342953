"""The store's manifest: which Parquet part files hold the live rows, and what each
asv result file contributed.

The manifest is the store's only commit point. Part files are immutable once written;
an update writes new parts, then replaces ``manifest.json`` atomically (temporary file +
rename), so a reader sees the previous generation or the next one, never a mix, and a
killed update leaves the previous manifest and every part it names untouched.

A part may hold rows of result files that were later changed or removed; those files
are listed in the part's ``dead`` and their rows are filtered out when reading (a part
that is mostly dead is rewritten by the next update).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfkit.atomic import write_text_atomic
from perfkit.errors import ResultsFormatError

FORMAT = 2  # 2: the rows rebuild Measurements (samples, parameters, asv's value)
NAME = "manifest.json"


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


@dataclass(frozen=True)
class Manifest:
    generation: int = 0
    parts: tuple[Part, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)  # benchmark -> digest of its metadata

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
    ``other_format_ok``, a store of another format: an update then rebuilds it)."""
    path = store_dir / NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ResultsFormatError(f"{path}: unreadable store manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        if other_format_ok and isinstance(data, dict):
            return None
        raise ResultsFormatError(
            f"{path}: store format {data.get('format') if isinstance(data, dict) else '?'!r}, "
            f"expected {FORMAT}: run `perfkit history rebuild`"
        )
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
        sources={k: _source(v) for k, v in data["sources"].items()},
        meta=dict(data.get("meta", {})),
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


def write(store_dir: Path, manifest: Manifest) -> Path:
    data = {
        "format": FORMAT,
        "generation": manifest.generation,
        "parts": [p.__dict__ | {"dead": list(p.dead)} for p in manifest.parts],
        "sources": {k: s.__dict__ for k, s in sorted(manifest.sources.items())},
        "meta": dict(sorted(manifest.meta.items())),
    }
    return write_text_atomic(store_dir / NAME, json.dumps(data, separators=(",", ":")))
