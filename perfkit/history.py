"""Performance history over commits: a tidy table of results and its change points.

``load`` reads an asv results directory (through :mod:`perfkit.ingest`) into one tidy
pandas DataFrame, one row per (commit, benchmark with parameters, machine, environment),
ordered by the repository's history (``git rev-list --topo-order``), never by date.
``analyse`` cuts it into series and finds their change points
(:mod:`perfkit.changepoint`). Plain series from CSV or JSON come in through
:mod:`perfkit.seriesfile` in the same table format.

Bad input is reported, not fatal: result files of commits that are no longer in the
repository (rebased away) are skipped and listed in ``df.attrs["skipped_commits"]``;
series with fewer points than the method needs are listed as too short; a series is split
where the benchmark's ``version`` changes and never compared across it.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from perfkit import changepoint
from perfkit.config import Config
from perfkit.errors import HistoryError
from perfkit.gitrepo import git
from perfkit.model import ChangePoint, Direction, Measurement

COLUMNS = (
    "commit", "order", "date", "benchmark", "name", "parameters", "machine", "environment",
    "unit", "direction", "version", "n", "median", "q25", "q75", "min", "max", "error",
)  # fmt: skip
VERDICT_COLUMNS = ("series", "change", "change_ratio", "change_low", "change_high", "change_p")


@dataclass(frozen=True)
class HistoryOptions:
    """How series are analysed (defaults: :mod:`perfkit.changepoint`'s)."""

    alpha: float = changepoint.DEFAULT_ALPHA
    min_size: int = changepoint.DEFAULT_MIN_SIZE
    window: int = changepoint.DEFAULT_WINDOW
    min_effect: float = changepoint.DEFAULT_MIN_EFFECT
    confidence: float = changepoint.DEFAULT_CONFIDENCE


@dataclass(frozen=True)
class SeriesResult:
    """One series (benchmark x machine x environment x version) and its change points."""

    series: str
    name: str
    machine: str
    environment: str
    unit: str
    direction: Direction
    commits: tuple[str, ...]
    orders: tuple[int, ...]
    median: tuple[float, ...]
    q25: tuple[float, ...]
    q75: tuple[float, ...]
    change_points: tuple[ChangePoint, ...] = ()
    too_short: bool = False


@dataclass(frozen=True)
class HistoryResult:
    series: tuple[SeriesResult, ...]
    frame: pd.DataFrame = field(compare=False, hash=False)
    options: HistoryOptions = HistoryOptions()
    skipped_commits: tuple[str, ...] = ()

    @property
    def changed(self) -> tuple[SeriesResult, ...]:
        return tuple(s for s in self.series if s.change_points)

    @property
    def too_short(self) -> tuple[SeriesResult, ...]:
        return tuple(s for s in self.series if s.too_short)


# --- loading ---------------------------------------------------------------------------------


def commit_order(repo: Path | str = ".", rev: str = "HEAD") -> dict[str, tuple[int, str]]:
    """Full hash -> (position oldest first, committer date ISO) for the history of ``rev``."""
    out = git(Path(repo), "log", "--topo-order", "--reverse", "--format=%H %cI", rev)
    order: dict[str, tuple[int, str]] = {}
    for i, line in enumerate(out.splitlines()):
        sha, _, date = line.partition(" ")
        order[sha] = (i, date)
    return order


def load(
    results_dir: Path | str, *, repo: Path | str = ".", machine: str | None = None
) -> pd.DataFrame:
    """Tidy DataFrame of every asv result in ``results_dir`` (see module doc).

    All machines unless ``machine`` is given (each machine is its own series). When the
    results directory has a history store (``perfkit store update``), it is refreshed
    and read instead of every JSON file.
    """
    from perfkit import store
    from perfkit.ingest import asv as asv_ingest

    if (stored := store.load_history(results_dir, repo=repo, machine=machine)) is not None:
        return stored

    results_dir = Path(results_dir)
    files = asv_ingest.list_result_files(results_dir, machine)
    benchmarks = asv_ingest.read_benchmarks_json(results_dir) if files else {}
    measurements = [m for info in files for m in asv_ingest.read_result_file(info.path, benchmarks)]
    return frame(measurements, commit_order(repo))


def frame(
    measurements: Iterable[Measurement], order: Mapping[str, tuple[int, str]]
) -> pd.DataFrame:
    """Tidy rows for ``measurements`` placed by ``order`` (commit -> (position, date)).

    A commit missing from ``order`` is skipped and listed in ``attrs["skipped_commits"]``;
    of several results for one (commit, name, machine, environment) the latest started
    wins.
    """
    resolve = _resolver(order)
    rows: dict[tuple[str, str, str, str], tuple[float, dict]] = {}
    skipped: set[str] = set()
    for m in measurements:
        full = resolve(m.commit)
        if full is None:
            skipped.add(m.commit or "?")
            continue
        key = (full, m.name, m.machine or "", m.environment or "")
        started = m.started_at if m.started_at is not None else -math.inf
        if key not in rows or started >= rows[key][0]:
            rows[key] = (started, _row(m, full, order[full]))
    df = pd.DataFrame([r for _, r in rows.values()], columns=list(COLUMNS))
    df = df.sort_values(["name", "machine", "environment", "order"], kind="stable")
    df = df.reset_index(drop=True)
    df.attrs["skipped_commits"] = sorted(skipped)
    return df


def _resolver(order: Mapping[str, tuple[int, str]]):
    by_prefix: dict[str, str | None] = {}

    def resolve(commit: str | None) -> str | None:
        if not commit:
            return None
        if commit in order:
            return commit
        if commit not in by_prefix:
            hits = [sha for sha in order if sha.startswith(commit)]
            by_prefix[commit] = hits[0] if len(hits) == 1 else None
        return by_prefix[commit]

    return resolve


def _row(m: Measurement, commit: str, placed: tuple[int, str]) -> dict:
    samples = np.asarray(m.samples, dtype=float)
    if m.ok:
        q = np.percentile(samples, [0, 25, 50, 75, 100])
        n = samples.size
    elif m.error is None and not m.skipped and m.value is not None:
        q, n = np.full(5, float(m.value)), 1  # a summary without samples
    else:
        q, n = np.full(5, math.nan), 0
    params = ", ".join(f"{k}={v}" for k, v in m.params)
    return dict(
        commit=commit, order=placed[0], date=placed[1], benchmark=m.benchmark, name=m.name,
        parameters=params, machine=m.machine or "", environment=m.environment or "",
        unit=m.unit, direction=str(m.direction), version=m.version or "", n=n,
        median=q[2], q25=q[1], q75=q[3], min=q[0], max=q[4],
        error=m.error or ("skipped" if m.skipped else ""),
    )  # fmt: skip


# --- analysis --------------------------------------------------------------------------------


def analyse(
    df: pd.DataFrame, config: Config | None = None, options: HistoryOptions | None = None
) -> HistoryResult:
    """Change points of every series in ``df`` (a table from :func:`load` or seriesfile).

    ``config`` (perfkit.toml) may override each benchmark's direction.
    """
    options = options or HistoryOptions()
    missing = [c for c in ("commit", "order", "name", "median") if c not in df.columns]
    if missing:
        raise HistoryError(f"history table lacks column(s) {', '.join(missing)}")
    df = _with_defaults(df)
    if config is not None and config.direction:
        df["direction"] = [
            str(_direction(config, name, Direction(d)))
            for name, d in zip(df["name"], df["direction"], strict=True)
        ]
    groups = list(_series_groups(df))
    need = changepoint.min_points(options.min_size)
    inputs, results = [], []
    for label, part in groups:
        valid = part[np.isfinite(part["median"].to_numpy(float))]
        result = _series_result(label, valid, too_short=len(valid) < need)
        results.append(result)
        if not result.too_short:
            inputs.append((len(results) - 1, _series_input(result, valid)))
    found = changepoint.detect_many(
        [item for _, item in inputs],
        alpha=options.alpha,
        min_size=options.min_size,
        window=options.window,
        confidence=options.confidence,
        min_effect=options.min_effect,
    )
    for (i, _), cps in zip(inputs, found, strict=True):
        results[i] = _replace_cps(results[i], cps)
    out = _verdict_frame(df, groups, results)
    skipped = tuple(df.attrs.get("skipped_commits", ()))
    return HistoryResult(tuple(results), out, options, skipped)


def _with_defaults(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    defaults = {"machine": "", "environment": "", "version": "", "unit": "", "n": 1,
                "direction": str(Direction.LOWER_IS_BETTER)}  # fmt: skip
    for col, value in defaults.items():
        if col not in df.columns:
            df[col] = value
    for col in ("q25", "q75"):
        if col not in df.columns:
            df[col] = df["median"]
    return df


def _direction(config: Config, name: str, default: Direction) -> Direction:
    hits = [(len(p), d) for p, d in config.direction if fnmatch.fnmatchcase(str(name), p)]
    return max(hits, key=lambda h: h[0])[1] if hits else default


def _series_groups(df: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    """(label, rows in history order) per name x machine x environment x version run."""
    keys = ["name", "machine", "environment"]
    for (name, machine, env), part in df.groupby(keys, sort=True, dropna=False):
        part = part.sort_values("order", kind="stable")
        versions = part["version"].fillna("").astype(str)
        run = (versions != versions.shift()).cumsum()
        runs = run.nunique()
        for r, piece in part.groupby(run, sort=True):
            label = _label(str(name), str(machine), str(env))
            if runs > 1:
                label += f" [version {piece['version'].iloc[0] or '?'} ({r}/{runs})]"
            yield label, piece


def _label(name: str, machine: str, env: str) -> str:
    where = " ".join(x for x in (machine, env) if x)
    return f"{name} @ {where}" if where else name


def _series_result(label: str, rows: pd.DataFrame, too_short: bool) -> SeriesResult:
    first = rows.iloc[0] if len(rows) else None
    direction = (
        Direction(str(first["direction"])) if first is not None else Direction.LOWER_IS_BETTER
    )

    def col(c: str) -> tuple[float, ...]:
        return tuple(float(v) for v in rows[c])

    return SeriesResult(
        series=label,
        name="" if first is None else str(first["name"]),
        machine="" if first is None else str(first["machine"]),
        environment="" if first is None else str(first["environment"]),
        unit="" if first is None else str(first["unit"]),
        direction=direction,
        commits=tuple(str(c) for c in rows["commit"]),
        orders=tuple(int(o) for o in rows["order"]),
        median=col("median"),
        q25=col("q25"),
        q75=col("q75"),
        too_short=too_short,
    )


def _series_input(result: SeriesResult, rows: pd.DataFrame) -> changepoint.SeriesInput:
    spreads = (rows["q75"].to_numpy(float) - rows["q25"].to_numpy(float)) / 1.349
    return changepoint.SeriesInput(
        values=np.asarray(result.median),
        spreads=spreads,
        counts=rows["n"].to_numpy(float).clip(min=1),
        direction=result.direction,
        commits=result.commits,
        name=result.series,
    )


def _replace_cps(result: SeriesResult, cps: Sequence[ChangePoint]) -> SeriesResult:
    from dataclasses import replace

    return replace(result, change_points=tuple(cps))


def _verdict_frame(
    df: pd.DataFrame, groups: list[tuple[str, pd.DataFrame]], results: list[SeriesResult]
) -> pd.DataFrame:
    out = df.copy()
    out["series"] = ""
    out["change"] = ""
    for col in VERDICT_COLUMNS[2:]:
        out[col] = math.nan
    by_label = {r.series: r for r in results}
    for label, part in groups:
        out.loc[part.index, "series"] = label
        result = by_label[label]
        for cp in result.change_points:
            row = part.index[part["commit"].astype(str) == cp.commit]
            out.loc[row, ["change", "change_ratio", "change_low", "change_high", "change_p"]] = [
                str(cp.verdict), cp.ratio, cp.ci_low, cp.ci_high, cp.p_value
            ]  # fmt: skip
    out.attrs = dict(df.attrs)
    return out
