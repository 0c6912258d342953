"""Performance history over commits: a tidy table of results and its change points.

``load`` reads an asv results directory (through :mod:`perfkit.ingest`) into one tidy
pandas DataFrame, one row per (commit, benchmark with parameters, machine, environment),
ordered by the repository's history (``git rev-list --topo-order``), never by date.
``analyse`` cuts it into series and finds their change points
(:mod:`perfkit.history.changepoint`). Plain series from CSV or JSON come in through
:mod:`perfkit.history.seriesfile` in the same table format.

Bad input is reported, not fatal: result files of commits that are no longer in the
repository (rebased away) are skipped and listed in ``df.attrs["skipped_commits"]``;
series with fewer points than the method needs are listed as too short; a series is split
where the benchmark's ``version`` changes and never compared across it.
"""

from __future__ import annotations

import fnmatch
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from perfkit import gcpause
from perfkit.config import Config
from perfkit.errors import HistoryError, ResultsFormatError
from perfkit.history import changepoint, commitorder
from perfkit.model import ChangePoint, Direction, Measurement, Verdict

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    "commit",
    "order",
    "date",
    "benchmark",
    "name",
    "parameters",
    "machine",
    "environment",
    "unit",
    "direction",
    "version",
    "n",
    "median",
    "q25",
    "q75",
    "min",
    "max",
    "error",
)
VERDICT_COLUMNS = ("series", "change", "change_ratio", "change_low", "change_high", "change_p")


@dataclass(frozen=True)
class HistoryOptions:
    """How series are analysed (defaults: :mod:`perfkit.history.changepoint`'s)."""

    alpha: float = changepoint.DEFAULT_ALPHA
    min_size: int = changepoint.DEFAULT_MIN_SIZE
    window: int = changepoint.DEFAULT_WINDOW
    min_effect: float = changepoint.DEFAULT_MIN_EFFECT
    confidence: float = changepoint.DEFAULT_CONFIDENCE


class Values(Sequence[float]):
    """A series' values (medians or quartiles, in commit order): a read-only sequence of
    floats over a numpy array, equal to the tuple of the same floats (and hashed alike).
    A history of a million points would otherwise make a million float objects that only
    the plots read (``np.asarray(values)`` gives the array itself, without a copy)."""

    __slots__ = ("_array",)

    def __init__(self, values: np.ndarray | Sequence[float]) -> None:
        array = np.array(values, dtype=float) if not isinstance(values, np.ndarray) else values
        array = array.view()
        array.flags.writeable = False
        self._array = array

    def __len__(self) -> int:
        return self._array.shape[0]

    def __getitem__(self, i):  # an int: a float; a slice: a tuple, as a tuple's would be
        if isinstance(i, slice):
            return tuple(self._array[i].tolist())
        return float(self._array[i])

    def __iter__(self) -> Iterator[float]:
        return iter(self._array.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Values | tuple):
            return self._array.tolist() == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._array.tolist()))

    def __repr__(self) -> str:
        return repr(tuple(self._array.tolist()))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is None and not copy:
            return self._array
        return np.array(self._array, dtype=dtype, copy=True)

    def __reduce__(self):
        return (Values, (np.array(self._array),))


@dataclass(frozen=True)
class SeriesResult:
    """One series (benchmark x machine x environment x version) and its change points;
    its values as :class:`Values` (sequences of floats over numpy arrays)."""

    series: str
    name: str
    machine: str
    environment: str
    unit: str
    direction: Direction
    commits: tuple[str, ...]
    orders: tuple[int, ...]
    median: Values
    q25: Values
    q75: Values
    change_points: tuple[ChangePoint, ...] = ()
    too_short: bool = False


@dataclass(frozen=True)
class HistoryResult:
    """The series and their change points; ``frame``, the analysed table with each row's
    series and verdict, is built on first use (pandas), by ``build_frame``."""

    series: tuple[SeriesResult, ...]
    build_frame: Callable[[], pd.DataFrame] = field(compare=False, hash=False, repr=False)
    options: HistoryOptions = HistoryOptions()
    skipped_commits: tuple[str, ...] = ()
    events: tuple = ()  # historyevents.ShiftEvent, largest first
    unreadable: tuple[tuple[str, str], ...] = ()  # (result file, why) skipped
    order_source: str = ""
    # commit -> env_key -> machine/Python info (asv results only; see load)
    environment_info: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # series measured at each history position (np.bincount of every series' orders);
    # None: counted from the series when needed
    measured: np.ndarray | None = field(default=None, compare=False, hash=False, repr=False)

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The analysed table (the input's rows and columns, with defaults filled in, and
        the columns of ``VERDICT_COLUMNS``): built once, when first asked for."""
        return self.build_frame()

    @property
    def changed(self) -> tuple[SeriesResult, ...]:
        return tuple(s for s in self.series if s.change_points)

    @property
    def too_short(self) -> tuple[SeriesResult, ...]:
        return tuple(s for s in self.series if s.too_short)


# --- loading ---------------------------------------------------------------------------------


def commit_order(repo: Path | str = ".", rev: str = "HEAD") -> dict[str, tuple[int, str]]:
    """Full hash -> (position oldest first, committer date ISO) for the history of ``rev``."""
    return commitorder.from_repo(repo, rev).positions


def load(
    results_dir: Path | str,
    *,
    repo: Path | str | None = None,
    order: commitorder.CommitOrder | None = None,
    machine: str | None = None,
) -> pd.DataFrame:
    """Tidy DataFrame of every asv result (format 1 or 2) in ``results_dir`` (module doc).

    The commit order comes from ``order`` or else the git repository ``repo`` (default:
    the current directory). All machines unless ``machine`` is given (each machine is its
    own series). A file that cannot be read is skipped and listed in
    ``attrs["unreadable"]`` (path, reason); when no file can be read: HistoryError.
    ``attrs["environment_info"]``: commit -> :func:`env_key` (machine and environment) ->
    what asv recorded about the machine and Python (to tell environment changes from code changes).
    When the results directory has a history store (``perfkit store update``) and the
    order comes from git, the store is refreshed and read instead of every JSON file.
    """
    from perfkit.history import store
    from perfkit.ingest import asv as asv_ingest
    from perfkit.ingest.jsonfile import read_json

    if order is None:  # the store places commits by git: only with a repository
        stored = store.load_history(
            results_dir, repo="." if repo is None else repo, machine=machine
        )
        if stored is not None:
            return stored
        order = commitorder.from_repo("." if repo is None else repo)
    results_dir = Path(results_dir)
    files = asv_ingest.list_result_files(results_dir, machine)
    benchmarks = asv_ingest.read_benchmarks_json(results_dir) if files else {}
    measurements: list[Measurement] = []
    unreadable: list[tuple[str, str]] = []
    info: dict[str, dict[str, str]] = {}
    with no_gc():
        for f in files:
            try:
                data = read_json(f.path)
                read = asv_ingest.read_result_file(f.path, benchmarks, data=data)
            except ResultsFormatError as exc:
                unreadable.append((str(f.path), _reason(exc, f.path)))
                continue
            measurements += read
            if read and isinstance(data, dict):
                where = env_key(f.machine, read[0].environment or "")
                commit = str(data.get("commit_hash") or f.commit)
                info.setdefault(commit, {})[where] = _env_info(data)
    if files and not measurements and unreadable:
        raise HistoryError(
            f"{results_dir}: none of its {len(files)} result files can be read "
            f"(first: {unreadable[0][0]}: {unreadable[0][1]})"
        )
    df = frame(measurements, order.positions)
    df.attrs["unreadable"] = unreadable
    df.attrs["order_source"] = order.source
    df.attrs["environment_info"] = _full_keys(info, order.positions)
    return df


def env_key(machine: str, environment: str) -> str:
    """Key of ``attrs["environment_info"]``'s inner mapping: one machine's environment."""
    return f"{machine} {environment}".strip()


def _reason(exc: Exception, path: Path) -> str:
    text = str(exc)
    return text[len(str(path)) + 2 :] if text.startswith(f"{path}: ") else text


def _env_info(data: dict) -> str:
    """What asv recorded about the machine and interpreter, as one comparable string."""
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    keep = {k: params.get(k) for k in ("arch", "cpu", "os", "ram", "num_cpu", "python")}
    keep["python"] = keep["python"] or data.get("python")
    return ", ".join(f"{k}={v}" for k, v in keep.items() if v not in (None, ""))


def _full_keys(
    info: dict[str, dict[str, str]], order: Mapping[str, tuple[int, str]]
) -> dict[str, dict[str, str]]:
    resolve = _resolver(order)
    out: dict[str, dict[str, str]] = {}
    for commit, machines in info.items():
        full = resolve(commit)
        if full is not None:
            out.setdefault(full, {}).update(machines)
    return out


def frame(
    measurements: Iterable[Measurement], order: Mapping[str, tuple[int, str]]
) -> pd.DataFrame:
    """Tidy rows for ``measurements`` placed by ``order`` (commit -> (position, date)).

    A commit missing from ``order`` is skipped and listed in ``attrs["skipped_commits"]``;
    of several results for one (commit, name, machine, environment) the latest started
    wins.
    """
    import pandas as pd

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
            rows[key] = (started, m, full)
    kept = [(m, full) for _, m, full in rows.values()]
    df = pd.DataFrame(_columns(kept, order), columns=list(COLUMNS))
    df = df.sort_values(["name", "machine", "environment", "order"], kind="stable")
    df = df.reset_index(drop=True)
    df.attrs["skipped_commits"] = sorted(skipped)
    return df


def _columns(
    kept: list[tuple[Measurement, str]], order: Mapping[str, tuple[int, str]]
) -> dict[str, list | np.ndarray]:
    """The table's columns for ``kept`` (measurement, full commit), built column by
    column (no dict per row), the quartiles of all rows with the same number of samples
    computed at once."""
    cols: dict[str, list | np.ndarray] = {c: [] for c in COLUMNS}
    samples: list[tuple[float, ...]] = []
    for m, full in kept:
        placed = order[full]
        cols["commit"].append(full)
        cols["order"].append(placed[0])
        cols["date"].append(placed[1])
        cols["benchmark"].append(m.benchmark)
        cols["name"].append(m.name)
        cols["parameters"].append(", ".join(f"{k}={v}" for k, v in m.params))
        cols["machine"].append(m.machine or "")
        cols["environment"].append(m.environment or "")
        cols["unit"].append(m.unit)
        cols["direction"].append(str(m.direction))
        cols["version"].append(m.version or "")
        cols["error"].append(m.error or ("skipped" if m.skipped else ""))
        ok = m.error is None and not m.skipped
        runs = m.runs if ok else ()
        one = runs[0] if len(runs) == 1 else tuple(chain.from_iterable(runs))
        if not one and ok and m.value is not None:
            one = (float(m.value),)  # a summary without samples: n 1, every quantile the value
            cols["n"].append(1)
        else:
            cols["n"].append(len(one))
        samples.append(one)
    cols.update(zip(("min", "q25", "median", "q75", "max"), _quantiles(samples), strict=True))
    return cols


def _quantiles(samples: list[tuple[float, ...]]) -> list[np.ndarray]:
    """Min, quartiles, median and max of each sample (NaN for none; numpy's default
    linear interpolation), for all samples of one size at once."""
    out = [np.full(len(samples), math.nan) for _ in range(5)]
    by_size: dict[int, list[int]] = {}
    for i, s in enumerate(samples):
        if s:
            by_size.setdefault(len(s), []).append(i)
    for size, rows in by_size.items():
        values = np.sort(np.array([samples[i] for i in rows], dtype=float), axis=1)
        last = size - 1
        for k, p in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):
            h = last * p
            lo = int(h)
            hi = min(lo + 1, last)
            out[k][rows] = values[:, lo] + (values[:, hi] - values[:, lo]) * (h - lo)
    return out


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


# --- analysis --------------------------------------------------------------------------------


TEXT_COLUMNS = ("commit", "name", "machine", "environment", "unit", "direction", "version")
NUMBER_COLUMNS = ("order", "n", "median", "q25", "q75")


@dataclass(frozen=True)
class Table:
    """A history table as plain columns, what :func:`analyse` reads without pandas (plain
    series from :func:`perfkit.history.seriesfile.read_csv_table` come this way): each of
    ``TEXT_COLUMNS`` as a :class:`_Text`, each of ``NUMBER_COLUMNS`` as a numpy array
    ("order" int64, the others float), in the table's row order. ``to_frame`` gives the
    same table as a DataFrame (only when one is asked for: ``HistoryResult.frame``)."""

    size: int
    text: Mapping[str, _Text]
    numbers: Mapping[str, np.ndarray]
    to_frame: Callable[[], pd.DataFrame] = field(compare=False, repr=False)
    attrs: dict = field(default_factory=dict, compare=False)
    # > 0: the rows are series after series, ``block`` rows each in history order, with
    # distinct names and blank machine, environment and version (a wide table's columns):
    # the series are found without sorting the rows
    block: int = 0

    def __len__(self) -> int:
        return self.size


def analyse(
    df: pd.DataFrame | Table,
    config: Config | None = None,
    options: HistoryOptions | None = None,
) -> HistoryResult:
    """Change points of every series in ``df`` (a table from :func:`load` or seriesfile,
    as a DataFrame or a :class:`Table`).

    ``config`` (perfkit.toml) may override each benchmark's direction.
    """
    options = options or HistoryOptions()
    if not isinstance(df, Table):
        missing = [c for c in ("commit", "order", "name", "median") if c not in df.columns]
        if missing:
            raise HistoryError(f"history table lacks column(s) {', '.join(missing)}")
    with no_gc():  # the per-series tuples: millions of objects, no cycles (0.1 s of passes)
        table = df if isinstance(df, Table) else _table(df)
        return _analyse(table, config, options)


def _table(df: pd.DataFrame) -> Table:
    """``df``'s columns as a :class:`Table` (defaults filled in; text columns once as str)."""
    import pandas as pd

    attrs = dict(df.attrs)
    df = _with_defaults(df)
    df.attrs = {}  # pandas deep-copies attrs on every operation: keep them aside
    text = {c: _Text.of(df[c]) for c in TEXT_COLUMNS if c != "version"}
    version = df["version"]
    if isinstance(version.dtype, pd.CategoricalDtype):  # missing: "" (not "nan")
        labels = np.asarray([str(c) for c in version.cat.categories] + [""], dtype=object)
        text["version"] = _Text(version.cat.codes.to_numpy(), labels)
    else:
        text["version"] = _Text(None, version.fillna("").astype(str).to_numpy(dtype=object))
    numbers = {c: df[c].to_numpy(float) for c in NUMBER_COLUMNS if c != "order"}
    numbers["order"] = df["order"].to_numpy(np.int64)
    return Table(len(df), text, numbers, to_frame=lambda: df, attrs=attrs)


def _analyse(table: Table, config: Config | None, options: HistoryOptions) -> HistoryResult:
    attrs = dict(table.attrs)
    direction = None
    if config is not None and config.direction:
        direction = _directions(config, table)
        table = replace(table, text={**table.text, "direction": direction})
    perm, bounds = _block_bounds(table) if table.block else _series_bounds(table)
    need = changepoint.min_points(options.min_size)
    inputs, results, rows = [], [], []
    cols = _Columns.of(table, perm)
    finite = np.isfinite(cols.median)
    for start, stop, label in bounds:
        here = finite[start:stop]
        idx = np.arange(start, stop) if here.all() else start + np.flatnonzero(here)
        result = _series_result(label, cols, idx, too_short=idx.size < need)
        results.append(result)
        rows.append(idx)
        if not result.too_short:
            inputs.append((len(results) - 1, _series_input(result, cols, idx)))
    # in the order of their rows (a wide table's series are visited by name): series that
    # are consecutive pieces of one array go to the kernel without a copy (detect_many)
    inputs.sort(key=lambda pair: int(rows[pair[0]][0]))
    found = changepoint.detect_many(
        [item for _, item in inputs],
        alpha=options.alpha,
        min_size=options.min_size,
        window=options.window,
        confidence=options.confidence,
        min_effect=options.min_effect,
    )
    for (i, _), cps in zip(inputs, found, strict=True):
        if cps:
            results[i] = _replace_cps(results[i], cps)
    build = functools.partial(
        _verdict_frame, table, direction, perm, bounds, tuple(results), rows, attrs
    )
    skipped = tuple(attrs.get("skipped_commits", ()))
    unreadable = tuple(tuple(u) for u in attrs.get("unreadable", ()))
    result = HistoryResult(
        tuple(results),
        build,
        options,
        skipped,
        (),
        unreadable,  # type: ignore[arg-type]
        str(attrs.get("order_source", "")),
        attrs.get("environment_info") or {},
        _measured(cols, rows),
    )
    from perfkit.history import events as historyevents

    return replace(result, events=historyevents.group(result))


# the cyclic garbage collector paused while millions of acyclic objects (floats, tuples,
# parsed JSON) are created: its passes over the growing heap cost more than the work (3x
# on the per-series tuples of a 1,000 x 1,000 history)
no_gc = gcpause.paused


def _with_defaults(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy(deep=False)  # copy-on-write (pandas >= 3): columns are only replaced
    defaults = {
        "machine": "",
        "environment": "",
        "version": "",
        "unit": "",
        "n": 1,
        "direction": str(Direction.LOWER_IS_BETTER),
    }
    for col, value in defaults.items():
        if col not in df.columns:
            df[col] = value
    for col in ("q25", "q75"):
        if col not in df.columns:
            df[col] = df["median"]
    return df


def _directions(config: Config, table: Table) -> _Text:
    """Each row's direction with perfkit.toml's overrides, matched once per distinct
    (name, direction) pair, not once per row; labels in order of first appearance (the
    categories of the frame's direction column), then "nan" (code -1, never used)."""
    name_codes, names = table.text["name"].factorize()
    dir_codes, dirs = table.text["direction"].factorize()
    pair = name_codes.astype(np.int64) * len(dirs) + dir_codes
    pair_codes, pairs = _factorize_ints(pair)
    chosen = [
        str(_direction(config, str(names[p // len(dirs)]), Direction(str(dirs[p % len(dirs)]))))
        for p in pairs.tolist()
    ]
    first: dict[str, int] = {}
    label_of_pair = np.asarray([first.setdefault(c, len(first)) for c in chosen], dtype=np.int64)
    codes = label_of_pair[pair_codes] if pair.size else np.zeros(0, np.int64)
    return _Text(codes, np.asarray([*first, "nan"], dtype=object))


def _factorize_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) of an int array, uniques in order of first appearance (as
    ``pandas.factorize``)."""
    uniques, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first, kind="stable")
    rank = np.empty(uniques.size, dtype=np.int64)
    rank[by_appearance] = np.arange(uniques.size)
    return rank[inverse.reshape(-1)], uniques[by_appearance]


def _direction(config: Config, name: str, default: Direction) -> Direction:
    hits = [(len(p), d) for p, d in config.direction if fnmatch.fnmatchcase(str(name), p)]
    return max(hits, key=lambda h: h[0])[1] if hits else default


@dataclass(frozen=True)
class _Text:
    """A text column: ``labels[codes[i]]`` is row ``i``'s text (a categorical is never
    expanded into a million strings; code -1, a missing value, is the last label);
    ``codes`` None: ``labels`` is the column itself."""

    codes: np.ndarray | None
    labels: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> _Text:
        """A DataFrame column read as str (a missing value: "nan")."""
        import pandas as pd

        if isinstance(column.dtype, pd.CategoricalDtype):
            labels = np.asarray([str(c) for c in column.cat.categories] + ["nan"], dtype=object)
            return cls(column.cat.codes.to_numpy(), labels)
        return cls(None, column.astype(str).to_numpy(dtype=object))

    def take(self, perm: np.ndarray) -> _Text:
        """The column in the order ``perm``."""
        if self.codes is None:
            return _Text(None, self.labels[perm])
        if self.codes.ndim == 1 and self.codes.strides == (0,) and self.codes.size:
            return _Text(np.broadcast_to(self.codes[0], perm.shape), self.labels)  # constant
        return _Text(self.codes[perm], self.labels)

    def factorize(self) -> tuple[np.ndarray, np.ndarray]:
        """(codes, sorted unique texts): equal codes iff equal texts, like
        ``pandas.factorize(texts, sort=True)``; a coded column through its labels."""
        if self.codes is None:
            import pandas as pd

            return pd.factorize(self.labels, sort=True)
        uniques, inverse = np.unique(self.labels, return_inverse=True)
        inverse = inverse.reshape(-1)
        if np.array_equal(inverse, np.arange(inverse.size)) and (
            self.codes.size == 0 or self.codes.min() >= 0
        ):
            return self.codes, uniques  # labels sorted and distinct: the codes as they are
        return inverse[self.codes], uniques

    def at(self, i: int) -> str:
        return str(self.labels[i] if self.codes is None else self.labels[self.codes[i]])

    def values(self) -> list[str]:
        return (self.labels if self.codes is None else self.labels[self.codes]).tolist()


@dataclass(frozen=True)
class _Columns:
    """The sorted history table's columns (one extraction, many slices): numbers as numpy
    arrays (q25 and q75 the medians' very array when they equal them), commits and
    positions as Python lists for the per-series tuples (one ``tolist`` per column)."""

    commit: list
    order: list
    order_array: np.ndarray  # the same positions as int64
    name: _Text
    machine: _Text
    environment: _Text
    unit: _Text
    direction: _Text
    n: np.ndarray  # sample counts, at least 1
    median: np.ndarray
    q25: np.ndarray
    q75: np.ndarray
    # > 0: every series is a whole block of this many rows, each block with the same
    # commits and positions, and ``commit`` and ``order`` hold one block's (row i: i % cycle)
    cycle: int = 0
    commit_tuple: tuple = ()  # one block's commits and positions, shared by full series
    order_tuple: tuple = ()

    @classmethod
    def of(cls, table: Table, perm: np.ndarray | None) -> _Columns:
        """Columns of ``table`` in the order ``perm`` (series by series, oldest first;
        None: in the table's own order, which already has them so)."""
        text = {
            c: table.text[c] if perm is None else table.text[c].take(perm)
            for c in ("name", "machine", "environment", "unit", "direction")
        }
        nums = {"n": _counts(table.numbers["n"], perm, table.size)}
        for c in ("median", "q25", "q75"):  # the quartiles of plain series: the medians
            same = c != "median" and table.numbers[c] is table.numbers["median"]
            column = np.asarray(table.numbers[c], float)
            nums[c] = nums["median"] if same else column if perm is None else column[perm]
        for c in ("q25", "q75"):  # no quartiles (CSV, one sample): the medians' very array
            if nums[c] is nums["median"] or np.array_equal(nums[c], nums["median"], equal_nan=True):
                nums[c] = nums["median"]
        cycle = _cycle(table)
        if cycle:  # one block's commits and positions stand for all (no million-row lists)
            order = np.asarray(table.numbers["order"][:cycle], dtype=np.int64)
            commit = table.text["commit"].take(np.arange(cycle)).values()
        elif perm is None:
            order = np.asarray(table.numbers["order"], dtype=np.int64)
            commit = table.text["commit"].values()
        else:
            order = np.asarray(table.numbers["order"], dtype=np.int64)[perm]
            commit = table.text["commit"].take(perm).values()
        order_list = _int_objects(order)
        return cls(
            commit=commit,
            order=order_list,
            order_array=order,  # with a cycle: one block's
            **text,
            **nums,
            cycle=cycle,
            commit_tuple=tuple(commit) if cycle else (),
            order_tuple=tuple(order_list) if cycle else (),
        )


def _cycle(table: Table) -> int:
    """``table.block`` when every block has the same commits and positions (a wide table's
    columns), else 0."""
    n, codes = table.block, table.text["commit"].codes
    if not n or codes is None or table.size % n:
        return 0
    order = np.asarray(table.numbers["order"])
    for column in (codes, order):
        blocks = column.reshape(-1, n)
        if not np.array_equal(blocks, np.broadcast_to(column[:n], blocks.shape)):
            return 0
    return n


def _measured(cols: _Columns, rows: list[np.ndarray]) -> np.ndarray:
    """How many series have a point at each history position (``rows``: each series'
    valid rows, positions into ``cols``), up to the last position measured."""
    if cols.cycle:  # every series a block: count each block position's valid points
        valid = np.isfinite(cols.median).reshape(-1, cols.cycle).sum(axis=0)
        counts = np.bincount(cols.order_array, weights=valid).astype(np.int64)
        return np.trim_zeros(counts, "b")
    order = cols.order_array
    valid = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    return np.bincount(order[valid]) if valid.size else np.zeros(0, np.int64)


def _counts(n: np.ndarray, perm: np.ndarray | None, size: int) -> np.ndarray:
    """Sample counts in the order ``perm`` (None: as they are), a count below 1 as 1 (NaN
    stays NaN); a constant column broadcast from one value (a plain series' counts)
    stays one value."""
    n = np.asarray(n, dtype=float)
    if n.ndim == 1 and n.strides == (0,) and n.size:
        return np.broadcast_to(np.maximum(n[0], 1.0), (size,))
    out = n.copy() if perm is None else n[perm]
    np.maximum(out, 1.0, out=out)
    return out


def _int_objects(values: np.ndarray) -> list[int]:
    """``values.tolist()`` with one int object per distinct value (a history's positions
    repeat once per series: a million new ints would cost memory and page faults)."""
    if values.size == 0:
        return []
    lo, hi = int(values.min()), int(values.max())
    if hi - lo > values.size:
        return values.tolist()
    pool = np.empty(hi - lo + 1, dtype=object)
    pool[:] = range(lo, hi + 1)
    return pool[values - lo].tolist()


def _series_bounds(table: Table) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """(perm, bounds): ``perm`` orders the rows by name, machine, environment and history
    order (integer codes and one lexsort: no sorting of the table itself); ``bounds``
    holds (start, stop, label) in ``perm``'s positions for each series, one per name x
    machine x environment, split where ``version`` changes."""
    n = len(table)
    if n == 0:
        return np.zeros(0, np.int64), []
    coded = [table.text[c].factorize() for c in ("name", "machine", "environment")]
    version_codes, versions = table.text["version"].factorize()
    order = np.asarray(table.numbers["order"], dtype=np.int64)
    perm = _sort_rows(order, [codes for codes, _ in coded])
    keys = [codes[perm] for codes, _ in coded]
    version = version_codes[perm]
    new_series = np.zeros(n, dtype=bool)
    new_series[0] = True
    for k in keys:
        new_series[1:] |= k[1:] != k[:-1]
    new_run = new_series.copy()
    new_run[1:] |= version[1:] != version[:-1]
    series_starts = np.flatnonzero(new_series).tolist() + [n]
    run_starts = np.flatnonzero(new_run).tolist() + [n]
    out, r = [], 0
    for a, b in zip(series_starts[:-1], series_starts[1:], strict=True):
        runs = []
        while run_starts[r] < b:
            runs.append((run_starts[r], run_starts[r + 1]))
            r += 1
        base = _label(*(str(uniques[k[a]]) for k, (_, uniques) in zip(keys, coded, strict=True)))
        for i, (ra, rb) in enumerate(runs, 1):
            tag = str(versions[version[ra]]) or "?"
            out.append(
                (ra, rb, base if len(runs) == 1 else f"{base} [version {tag} ({i}/{len(runs)})]")
            )
    return perm, out


def _block_bounds(table: Table) -> tuple[None, list[tuple[int, int, str]]]:
    """:func:`_series_bounds` of a table of equal blocks (``Table.block``): each block one
    series, in the order of their names; the rows stay where they are (perm None: the
    bounds are the blocks' own rows, no reordered copy of the table)."""
    n = table.block
    names = table.text["name"]
    labels = [names.at(start) for start in range(0, table.size, n)]
    by_name = sorted(range(len(labels)), key=labels.__getitem__)
    return None, [(i * n, (i + 1) * n, labels[i]) for i in by_name]


def _sort_rows(order: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """Stable permutation sorting by ``keys`` (most significant first), then ``order``:
    one composite int64 key when it fits (a stable sort of a table that is already in
    runs is fast), else a lexsort."""
    lo, hi = (int(order.min()), int(order.max())) if order.size else (0, 0)
    sizes = [int(k.max()) + 1 if k.size else 1 for k in keys] + [hi - lo + 1]
    if math.prod(sizes) >= 2**62 or any(k.size and k.min() < 0 for k in keys):  # -1: missing
        return np.lexsort((order, *reversed(keys)))
    composite = np.zeros(order.size, dtype=np.int64)
    for k, size in zip(keys, sizes[1:], strict=True):  # in place: no million-row temporaries
        composite += k
        composite *= size
    composite += order
    composite -= lo
    return np.argsort(composite, kind="stable")


def _label(name: str, machine: str, env: str) -> str:
    where = " ".join(x for x in (machine, env) if x)
    return f"{name} @ {where}" if where else name


def _series_result(label: str, cols: _Columns, idx: np.ndarray, too_short: bool) -> SeriesResult:
    first = int(idx[0]) if idx.size else None
    direction = (
        Direction(cols.direction.at(first)) if first is not None else Direction.LOWER_IS_BETTER
    )
    pick: slice | np.ndarray = idx
    if idx.size and int(idx[-1]) - first + 1 == idx.size:  # every point valid: slices
        pick = slice(first, first + idx.size)

        def take(values: list) -> tuple:
            return tuple(values[pick])
    else:
        positions = idx.tolist()

        def take(values: list) -> tuple:
            return tuple(values[i] for i in positions)

    def text(column: _Text) -> str:
        return "" if first is None else column.at(first)

    if not cols.cycle:
        commits, orders = take(cols.commit), take(cols.order)
    elif idx.size == cols.cycle:  # a whole block: its commits and positions, shared
        commits, orders = cols.commit_tuple, cols.order_tuple
    else:
        rel = (idx % cols.cycle).tolist()
        commits = tuple(cols.commit[i] for i in rel)
        orders = tuple(cols.order[i] for i in rel)
    median = Values(cols.median[pick])  # a view (or the valid points' copy): no floats
    return SeriesResult(
        series=label,
        name=text(cols.name),
        machine=text(cols.machine),
        environment=text(cols.environment),
        unit=text(cols.unit),
        direction=direction,
        commits=commits,
        orders=orders,
        median=median,
        q25=median if cols.q25 is cols.median else Values(cols.q25[pick]),
        q75=median if cols.q75 is cols.median else Values(cols.q75[pick]),
        too_short=too_short,
    )


def _series_input(result: SeriesResult, cols: _Columns, idx: np.ndarray) -> changepoint.SeriesInput:
    no_spread = cols.q25 is cols.median and cols.q75 is cols.median  # weights all equal
    spreads = None if no_spread else (cols.q75[idx] - cols.q25[idx]) / 1.349
    if idx.size and int(idx[-1]) - int(idx[0]) + 1 == idx.size:  # every point: views
        idx = slice(int(idx[0]), int(idx[0]) + idx.size)  # type: ignore[assignment]
    return changepoint.SeriesInput(
        values=cols.median[idx],
        spreads=spreads,
        counts=cols.n[idx],
        direction=result.direction,
        commits=result.commits,
        name=result.series,
    )


def _replace_cps(result: SeriesResult, cps: Sequence[ChangePoint]) -> SeriesResult:
    r = result  # the constructor, not dataclasses.replace: 4x faster, a thousand times
    return SeriesResult(
        r.series,
        r.name,
        r.machine,
        r.environment,
        r.unit,
        r.direction,
        r.commits,
        r.orders,
        r.median,
        r.q25,
        r.q75,
        tuple(cps),
        r.too_short,
    )


def _verdict_frame(
    table: Table,
    direction: _Text | None,
    perm: np.ndarray | None,
    bounds: list[tuple[int, int, str]],
    results: Sequence[SeriesResult],
    rows: list[np.ndarray],
    attrs: dict,
) -> pd.DataFrame:
    """The analysed table as a DataFrame (its own row order; ``direction``: the
    directions chosen by perfkit.toml) with each row's series label and, on change-point
    rows, the verdict.

    Filled through numpy arrays, one assignment per column (a ``.loc`` write per series
    into a million-row table took most of the CLI's time)."""
    import pandas as pd

    out = table.to_frame().copy(deep=False)
    if direction is not None:
        labels = [str(x) for x in direction.labels[:-1]]  # without the "nan" of code -1
        out["direction"] = pd.Categorical.from_codes(direction.codes, labels)
    n = len(out)
    codes = np.full(n, -1, dtype=np.int32)  # series label, as a categorical's codes
    change = np.zeros(n, dtype=np.int8)  # 0 "", 1 regression, 2 improvement
    numbers = {c: np.full(n, math.nan) for c in VERDICT_COLUMNS[2:]}
    verdicts = ["", str(Verdict.REGRESSION), str(Verdict.IMPROVEMENT)]
    at = np.arange(n) if perm is None else perm  # the table's row of each analysed row
    for i, ((start, stop, _), result, idx) in enumerate(zip(bounds, results, rows, strict=True)):
        codes[at[start:stop]] = i
        for cp in result.change_points:
            row = at[idx[cp.index]]
            change[row] = verdicts.index(str(cp.verdict))
            values = (cp.ratio, cp.ci_low, cp.ci_high, cp.p_value)
            for col, value in zip(VERDICT_COLUMNS[2:], values, strict=True):
                numbers[col][row] = value
    labels = [label for _, _, label in bounds]
    out["series"] = (
        pd.Categorical.from_codes(codes, labels)
        if len(set(labels)) == len(labels)
        else np.asarray(labels + [""], dtype=object)[codes]
    )
    out["change"] = pd.Categorical.from_codes(change, verdicts)
    for col, values in numbers.items():
        out[col] = values
    out.attrs = attrs
    return out
