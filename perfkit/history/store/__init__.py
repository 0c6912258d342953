"""A columnar history store: every asv measurement summarised, in Parquet, read with DuckDB.

asv's JSON result files stay the source of truth; the store is a cache of them that is
refreshed by content hash (:mod:`perfkit.history.store.refresh`), can be rebuilt from them at
any time, and is crash-safe (:mod:`perfkit.history.store.manifest`). One row per measurement
(:mod:`perfkit.history.store.rows`) lives in immutable Parquet part files
(:mod:`perfkit.history.store.parts`); :class:`perfkit.history.store.query.Reader` queries them in-process.

By default the store of ``.asv/results`` is ``.asv/results.store``. ``load_history`` is
the one entry point :mod:`perfkit.history.series` uses: when that store exists it is refreshed
and read instead of every JSON file; ``load_commit`` is ``perfkit compare``'s (one commit).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perfkit.errors import HistoryError
from perfkit.history.store.changes import Change
from perfkit.history.store.commits import load_commit
from perfkit.history.store.manifest import NAME as MANIFEST
from perfkit.history.store.query import Reader
from perfkit.history.store.refresh import UpdateSummary, default_store, rebuild, update

__all__ = [
    "Change",
    "Reader",
    "UpdateSummary",
    "default_store",
    "exists",
    "load_commit",
    "load_history",
    "rebuild",
    "update",
]


def exists(results_dir: Path | str, store_dir: Path | str | None = None) -> bool:
    store = Path(store_dir) if store_dir is not None else default_store(results_dir)
    return (store / MANIFEST).is_file()


def load_history(
    results_dir: Path | str, *, repo: Path | str = ".", machine: str | None = None
) -> pd.DataFrame | None:
    """The history table of ``results_dir`` from its store, refreshed first; None when
    the results directory has no store (then read the JSON files).

    Same table and attributes as :func:`perfkit.history.series.load` ordered by ``repo``'s
    git history: ``attrs["unreadable"]`` lists the malformed result files (path, reason),
    ``attrs["environment_info"]`` what asv recorded about each machine and interpreter.
    """
    from perfkit.history.series import env_key

    if not exists(results_dir):
        return None
    results_dir = Path(results_dir)
    summary = update(results_dir, repo=repo)
    with Reader(summary.store) as reader:
        df = reader.frame(machine)
        sources = sorted(reader.manifest.sources.items())
    mine = [(k, s) for k, s in sources if machine is None or k.split("/", 1)[0] == machine]
    unreadable = [
        (str(results_dir / key), _reason(s.error, results_dir / key)) for key, s in mine if s.error
    ]
    if mine and len(unreadable) == len(mine):
        raise HistoryError(
            f"{results_dir}: none of its {len(mine)} result files can be read "
            f"(first: {unreadable[0][0]}: {unreadable[0][1]})"
        )
    info: dict[str, dict[str, str]] = {}
    for key, s in mine:
        if s.rows and s.order is not None:
            where = env_key(key.split("/", 1)[0], s.environment)
            info.setdefault(s.commit, {})[where] = s.env_info
    df.attrs["unreadable"] = unreadable
    df.attrs["order_source"] = f"git repository {repo}"
    df.attrs["environment_info"] = info
    return df


def _reason(error: str, path: Path) -> str:
    """As :mod:`perfkit.history.series` words a file it could not read."""
    return error[len(str(path)) + 2 :] if error.startswith(f"{path}: ") else error
