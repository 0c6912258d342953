"""Reading the store with DuckDB: one benchmark's series, the recent commits of every
series, the whole table in :mod:`perfkit.history.series`'s format, and what changed lately.

A :class:`Reader` pins one manifest generation (the parts it names are immutable) and
keeps one DuckDB connection, so repeated queries are warm.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from perfkit.errors import HistoryError
from perfkit.history.series import COLUMNS
from perfkit.history.store import changes
from perfkit.history.store import manifest as mf
from perfkit.history.store import parts as pt
from perfkit.history.store.changes import Change

HISTORY_COLUMNS = COLUMNS  # the tidy table perfkit.history.series.load builds
SERIES_COLUMNS = (
    "machine",
    "environment",
    "version",
    "commit",
    "order",
    "date",
    "n",
    "median",
    "q25",
    "q75",
    "min",
    "max",
    "error",
)
_SORT = '"name", "machine", "environment", "order"'
# of several results for one (commit, benchmark, machine, environment) the latest started wins
_LATEST = (
    'QUALIFY row_number() OVER (PARTITION BY "commit", name, machine, environment '
    "ORDER BY started_at DESC NULLS LAST, source DESC) = 1"
)


class Reader:
    """Queries over one generation of the store in ``store_dir``."""

    def __init__(
        self, store_dir: Path | str, threads: int | None = None, manifest: mf.Manifest | None = None
    ) -> None:
        """``manifest``: the one already read from ``store_dir`` (default: read it)."""
        self.store_dir = Path(store_dir)
        found = manifest if manifest is not None else mf.read(self.store_dir)
        if found is None:
            raise HistoryError(f"{self.store_dir}: no history store (run `perfkit history update`)")
        self.manifest = found
        self.con = pt.connect(self.store_dir, threads)
        self._latest = "" if found.unique else _LATEST
        if found.parts:
            self.con.execute(f"CREATE VIEW m AS {pt.live_sql(self.store_dir, found.parts)}")
        else:
            self.con.execute("CREATE VIEW m AS SELECT * FROM (SELECT 1) WHERE false")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        if not self.manifest.parts:
            return pd.DataFrame(columns=list(HISTORY_COLUMNS))
        return self.con.execute(sql, params or []).df()

    def series(self, benchmark: str, machine: str | None = None) -> pd.DataFrame:
        """Every point of one benchmark (full name, or the name without parameters:
        all its parameter combinations), oldest first per series."""
        column = "name" if "(" in benchmark else "benchmark"  # one combination, or all
        where = f'{column} = ? AND "order" IS NOT NULL'
        params: list = [benchmark]
        if machine is not None:
            where += " AND machine = ?"
            params.append(machine)
        cols = ", ".join(f'"{c}"' for c in ("name", *SERIES_COLUMNS))
        return self._df(
            f"SELECT {cols} FROM m WHERE {where} {self._latest} ORDER BY {_SORT}", params
        )

    def last_orders(self, last: int) -> list[int]:
        """Positions of the ``last`` newest commits that have results (from the manifest)."""
        orders = {s.order for s in self.manifest.sources.values() if s.order is not None}
        return sorted(orders)[-last:] if last > 0 else []

    def frame(self, machine: str | None = None, since_order: int | None = None) -> pd.DataFrame:
        """The table :func:`perfkit.history.series.load` builds (same columns, order and
        ``attrs["skipped_commits"]``), optionally only from position ``since_order`` on."""
        where, params = ['"order" IS NOT NULL'], []
        if machine is not None:
            where.append("machine = ?")
            params.append(machine)
        if since_order is not None:
            where.append('"order" >= ?')
            params.append(since_order)
        cols = ", ".join(f'"{c}"' for c in HISTORY_COLUMNS)
        df = self._df(
            f"SELECT {cols} FROM m WHERE {' AND '.join(where)} {self._latest} ORDER BY {_SORT}",
            params,
        )
        df = _history_types(df)
        df.attrs["skipped_commits"] = self.skipped_commits(machine)
        return df

    def skipped_commits(self, machine: str | None = None) -> list[str]:
        """Commits of stored results that are not in the repository's history."""
        return sorted(
            {
                s.commit or "?"
                for key, s in self.manifest.sources.items()
                if s.order is None
                and s.error is None
                and s.rows
                and (machine is None or key.split("/", 1)[0] == machine)
            }
        )

    def changes(self, last: int = 100, options=None) -> list[Change]:
        """Change points (perfkit's change-point detection, :mod:`perfkit.history.store.changes`)
        on the ``last`` newest commits with results, in every series, machine and
        environment. Each series is read from ``options.window`` commits before that
        range on, so a step at its start has a level to compare with."""
        from perfkit.history.series import HistoryOptions

        options = options or HistoryOptions()
        cols = self.recent_rows(last + options.window)
        if cols is None:
            return []
        commits = {s.order: s.commit for s in self.manifest.sources.values() if s.order is not None}
        return changes.detect(cols, set(self.last_orders(last)), commits, options)

    def recent_rows(self, commits: int) -> dict[str, np.ndarray] | None:
        """The rows of the ``commits`` newest commits with results, as
        :func:`perfkit.history.store.changes.detect` takes them (None: no results)."""
        orders = self.last_orders(commits)
        if not orders:
            return None
        sql = changes.query(
            f'SELECT * FROM ({self.recent_sql(orders[0])}) WHERE "order" >= ? {self._latest}'
        )
        return changes.in_order(self.con.execute(sql, [orders[0]]).fetchnumpy())

    def recent_sql(self, since_order: int) -> str:
        """The live rows of the parts that hold results of commits from ``since_order`` on
        (the manifest knows which part holds each file's rows): the clustered parts of
        older history are not opened at all."""
        hot = {
            s.part
            for s in self.manifest.sources.values()
            if s.order is not None and s.order >= since_order and s.rows
        }
        return pt.live_sql(self.store_dir, [p for p in self.manifest.parts if p.file in hot])


def _history_types(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    df["order"] = df["order"].astype("int64")
    df["n"] = df["n"].astype("int64")
    return df
