"""asv result files (format version 2) into Measurements.

Facts this reader relies on (checked against asv 0.6): one file per commit and
environment at ``results/<machine>/<commit8>-<env>.json``; each benchmark is a positional
array named by ``result_columns``; ``result`` null means failed, NaN means skipped;
parameter values are stored as ``repr`` strings; samples exist only with
``--record-samples`` and only for ``time_``; units, types, ``rounds`` and ``repeat``
live in ``results/benchmarks.json``; each round (one process) appends its samples.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError
from perfkit.ingest import asv_v1
from perfkit.ingest.jsonfile import check_name, check_value, read_json, shown
from perfkit.ingest.names import full_name
from perfkit.model import BenchmarkKind, Measurement
from perfkit.verdict.direction import infer_direction

API_VERSION = 2
KINDS = {
    "time": BenchmarkKind.TIME,
    "peakmemory": BenchmarkKind.PEAKMEM,
    "memory": BenchmarkKind.MEM,
    "track": BenchmarkKind.TRACK,
}
PREFIX_KINDS = (
    ("time_", BenchmarkKind.TIME, "seconds"),
    ("peakmem_", BenchmarkKind.PEAKMEM, "bytes"),
    ("mem_", BenchmarkKind.MEM, "bytes"),
    ("track_", BenchmarkKind.TRACK, "unit"),
)


@dataclass(frozen=True)
class ResultFileInfo:
    path: Path
    machine: str
    commit: str
    env: str
    date: float | None  # commit date, unix seconds


def sniff(data: Any) -> bool:
    v2 = isinstance(data, dict) and "result_columns" in data and "results" in data
    return v2 or asv_v1.sniff(data)  # format 1 (asv 0.4 era): converted on reading


def read_benchmarks_json(results_dir: Path) -> dict[str, Any]:
    path = results_dir / "benchmarks.json"
    if not path.exists():
        return {}
    data = read_json(path)
    if not isinstance(data, dict):
        raise ResultsFormatError(f"{path}: expected a JSON object of benchmarks")
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def find_benchmarks_json(path: Path, warnings: list[str]) -> dict[str, Any]:
    """benchmarks.json for a result file: in asv's layout two folders up
    (``results/benchmarks.json``), or next to a file copied elsewhere. A broken one is a
    warning (units, types and process boundaries then come from the names)."""
    for folder in (path.parent.parent, path.parent):
        if (folder / "benchmarks.json").exists():
            try:
                return read_benchmarks_json(folder)
            except ResultsFormatError as exc:
                warnings.append(f"asv: {exc}; ignored (units from the names, samples pooled)")
                return {}
    return {}


MACHINE_KEYS = {
    "machine": "hostname",
    "cpu": "cpu_model_name",
    "num_cpu": "cpu_count",
    "os": "platform",
    "arch": "arch",
    "ram": "ram",
    "python": "python",
}


def environment(path: Path, data: dict[str, Any]) -> dict[str, str]:
    """The machine and Python asv recorded: the result file's ``params`` and the
    ``machine.json`` next to it, in the keys perfkit's environment uses."""
    out: dict[str, str] = {}
    try:
        machine = (
            read_json(path.parent / "machine.json")
            if (path.parent / "machine.json").exists()
            else {}
        )
    except ResultsFormatError:
        machine = {}
    for source in (machine if isinstance(machine, dict) else {}, data.get("params") or {}):
        if isinstance(source, dict):
            for key, name in MACHINE_KEYS.items():
                if isinstance(source.get(key), str | int | float) and str(source[key]).strip():
                    out[name] = str(source[key])
    # asv's "python" is a version ("3.11") for the environments it builds, a path for
    # an existing interpreter
    python = out.pop("python", None) or (
        data["python"] if isinstance(data.get("python"), str) else None
    )
    if python:
        out["python_version" if python[:1].isdigit() else "python_executable"] = python
    return out


def _missing_fields(path: Path, data: dict[str, Any]) -> list[str]:
    missing = [k for k in ("commit_hash", "env_name", "params") if not data.get(k)]
    if isinstance(data.get("params"), dict) and not data["params"].get("machine"):
        missing.append("params.machine")
    if not missing:
        return []
    return [
        f"asv: {path}: no {', '.join(missing)} recorded (commit, environment or machine unknown)"
    ]


def _kind_unit(name: str, meta: dict[str, Any]) -> tuple[BenchmarkKind, str]:
    if meta.get("type") in KINDS:
        kind = KINDS[meta["type"]]
        return kind, str(meta.get("unit") or ("seconds" if kind is BenchmarkKind.TIME else "unit"))
    short = name.rsplit(".", 1)[-1]
    for prefix, kind, unit in PREFIX_KINDS:
        if short.startswith(prefix):
            return kind, unit
    return BenchmarkKind.OTHER, str(meta.get("unit") or "unit")


def _per_round(meta: dict[str, Any], rounds: int) -> int | None:
    """Samples one asv round takes at most, from the benchmark's ``repeat`` attribute
    (asv: 0 means up to 10 with one round, up to 5 with more)."""
    repeat = meta.get("repeat", 0)
    if isinstance(repeat, list | tuple) and len(repeat) == 3:
        repeat = repeat[1]
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
        return None
    return repeat or (10 if rounds == 1 else 5)


def split_runs(
    samples: list[float], meta: dict[str, Any]
) -> tuple[tuple[tuple[float, ...], ...], bool]:
    """(runs, whether they are the real processes). asv appends each round's samples
    (one process per round) to the previous ones; when every round took its full number
    of samples, the split is certain. Otherwise (a time limit cut a round short, or the
    attributes were overridden at run time) the samples stay one pooled group."""
    rounds = int(meta.get("rounds") or 1)
    size = _per_round(meta, rounds)
    if rounds > 1 and size and len(samples) == rounds * size:
        return tuple(tuple(samples[i : i + size]) for i in range(0, len(samples), size)), True
    return ((tuple(samples),) if samples else ()), False


def _as_list(path: Path, name: str, value: Any, n: int, what: str) -> list[Any]:
    if n == 1 and not isinstance(value, list):
        return [value]
    if not isinstance(value, list) or len(value) != n:
        raise ResultsFormatError(
            f"{path}: {shown(name)}: {what} has {len(value) if isinstance(value, list) else 'no'} "
            f"entries, the parameter grid has {n}"
        )
    return value


def _params(
    path: Path, name: str, row: dict[str, Any], meta: dict[str, Any]
) -> tuple[list[str], list[list[str]]]:
    params = row.get("params") or []
    if not isinstance(params, list) or not all(
        isinstance(p, list) and all(isinstance(v, str) for v in p) for p in params
    ):
        raise ResultsFormatError(f"{path}: {shown(name)}: params must be lists of strings")
    declared = meta.get("params")
    if declared and params and declared != params:
        raise ResultsFormatError(f"{path}: {shown(name)}: params differ from benchmarks.json")
    names = [str(n) for n in meta.get("param_names") or []]
    names += [f"param{i + 1}" for i in range(len(names), len(params))]
    return names[: len(params)], params


def read_result_file(
    path: Path,
    benchmarks: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
    data: Any = None,
) -> list[Measurement]:
    """Every benchmark (and parameter combination) in one asv result file (format 1 or 2;
    ``data``: its parsed JSON when the caller has it already); what the file lacks or
    holds oddly is appended to ``warnings`` (one line each)."""
    warnings = [] if warnings is None else warnings
    data = read_json(path) if data is None else data
    if asv_v1.sniff(data):
        data = asv_v1.to_v2(path, data)
    if not sniff(data):
        raise ResultsFormatError(f"{path}: not an asv result file (no result_columns/results)")
    if data.get("version") != API_VERSION:
        raise ResultsFormatError(
            f"{path}: unsupported asv result version {data.get('version')!r} (expected {API_VERSION})"
        )
    columns, results = data["result_columns"], data["results"]
    if not isinstance(columns, list) or "result" not in columns or not isinstance(results, dict):
        raise ResultsFormatError(f"{path}: malformed result_columns or results")
    if not results:
        raise ResultsFormatError(f"{path}: the run holds no benchmark results")
    if benchmarks is None:
        benchmarks = find_benchmarks_json(path, warnings)
    warnings += _missing_fields(path, data)
    commit = data.get("commit_hash")
    machine = (data.get("params") or {}).get("machine") or path.parent.name
    env, width = data.get("env_name"), len(columns)
    fine = _all_samples_fine(results, columns)
    stamp = _Stamp(commit=commit, machine=machine, environment=env, source=str(path))
    out: list[Measurement] = []
    for name, raw_row in results.items():
        check_name(path, name)
        if not isinstance(raw_row, list) or len(raw_row) > width:
            raise ResultsFormatError(f"{path}: {shown(name)}: row does not match result_columns")
        row = dict(zip(columns, raw_row, strict=False))
        meta = benchmarks.get(name, _NO_META)
        out += _expand(path, name, row, meta, commit, machine, env, fine, stamp)
    return out


_NO_META: dict[str, Any] = {}


def _all_samples_fine(results: dict[str, Any], columns: list[Any]) -> bool:
    """Whether every sample of the file is a finite float above 0 (the usual case), checked
    over all benchmarks at once at C speed; then no benchmark's samples need a check of
    their own. When any is not (or a row is malformed), each benchmark is checked on its
    own and the first bad one gets its one-line error, as if this had not been tried."""
    if "samples" not in columns:
        return True
    at = columns.index("samples")
    groups: list[Any] = []
    for raw in results.values():
        if isinstance(raw, list) and len(raw) > at and isinstance(raw[at], list):
            groups += raw[at]
    if not groups:
        return True
    if set(map(type, groups)) != {list}:
        return False
    flat = list(itertools.chain.from_iterable(groups))
    return not flat or (
        set(map(type, flat)) == {float} and all(map(math.isfinite, flat)) and min(flat) > 0.0
    )


def _expand(
    path: Path,
    name: str,
    row: dict[str, Any],
    meta: dict[str, Any],
    commit: Any,
    machine: str,
    env: Any,
    fine: bool = False,
    stamp: _Stamp | None = None,
) -> list[Measurement]:
    """One Measurement per parameter combination of one benchmark's row; ``fine``: every
    sample of the file is known to be a finite float above 0 already."""
    if stamp is None:
        stamp = _Stamp(commit=commit, machine=machine, environment=env, source=str(path))
    kind, unit = _kind_unit(name, meta)
    if row.get("params") or meta.get("params") or meta.get("param_names"):
        param_names, params = _params(path, name, row, meta)
    else:
        param_names, params = [], []
    combos = list(itertools.product(*params)) if params else [()]
    n = len(combos)
    result = row.get("result")
    results = [None] * n if result is None else _as_list(path, name, result, n, "result")
    samples = row.get("samples")
    sample_lists = [None] * n if samples is None else _as_list(path, name, samples, n, "samples")
    started = row.get("started_at")
    if started is not None and not isinstance(started, int | float):
        raise ResultsFormatError(f"{path}: {shown(name)}: started_at {started!r} is not a number")
    version = row.get("version")
    direction = infer_direction(kind, unit)  # the same for every parameter combination
    positive = kind in (BenchmarkKind.TIME, BenchmarkKind.PEAKMEM, BenchmarkKind.MEM)
    started_s = started / 1000.0 if started is not None else None
    out = []
    for combo, value, sample in zip(combos, results, sample_lists, strict=True):
        pairs = tuple(zip(param_names, combo, strict=True)) if combo else ()
        label = full_name(name, pairs)
        fields = {
            "name": label,
            "benchmark": name,
            "kind": kind,
            "unit": unit,
            "direction": direction,
            "params": pairs,
            "version": version,
            "started_at": started_s,
        }
        if result is None or value is None:
            out.append(stamp(fields, error="benchmark failed (asv recorded no result)"))
            continue
        if isinstance(value, float) and math.isnan(value):
            out.append(stamp(fields, skipped=True))
            continue
        value = check_value(path, label, value, "result", positive=positive)
        known = False
        if sample is None:
            runs: tuple[tuple[float, ...], ...] = ((value,),)
        elif isinstance(sample, list) and not sample:  # nothing measured: this benchmark is missing
            out.append(stamp(fields, value=value))
            continue
        elif isinstance(sample, list):
            runs, known = split_runs(
                sample if fine else _checked(path, label, sample, positive), meta
            )
        else:
            raise ResultsFormatError(f"{path}: {shown(label)}: samples must be a list")
        out.append(stamp(fields, runs=runs, runs_known=known, value=value))
    return out


class _Stamp:
    """Measurements that share the fields of their file (commit, machine, environment,
    source), made quickly: a template goes through Measurement's constructor (its
    defaults apply), each measurement is a copy of it with its own fields set. The
    constructor of a frozen dataclass of 18 fields costs about 7 µs; two files of 22,000
    benchmarks are a third of a second of it. Should Measurement ever check its fields
    (``__post_init__``) or drop its ``__dict__`` (slots), every one goes through the
    constructor again."""

    def __init__(self, **shared: Any) -> None:
        template = Measurement(name="", benchmark="", kind=BenchmarkKind.OTHER, unit="", **shared)
        self._shared = shared
        self._fields = getattr(template, "__dict__", None)
        self._copy = self._fields is not None and not hasattr(Measurement, "__post_init__")

    def __call__(self, fields: dict[str, Any], **more: Any) -> Measurement:
        if not self._copy:
            return Measurement(**self._shared, **fields, **more)
        m = object.__new__(Measurement)
        d = m.__dict__
        d.update(self._fields)
        d.update(fields)
        d.update(more)
        return m


def _checked(path: Path, label: str, sample: list, positive: bool) -> list[float]:
    """``check_value`` on every sample; when all are finite floats above the floor (the
    usual case) that is checked at C speed, the same verdict."""
    if (
        sample
        and set(map(type, sample)) == {float}
        and all(map(math.isfinite, sample))
        and (min(sample) > 0.0 if positive else min(sample) >= 0.0)
    ):
        return sample
    return [check_value(path, label, x, positive=positive) for x in sample]


def list_result_files(results_dir: Path, machine: str | None = None) -> list[ResultFileInfo]:
    """The result files under ``results_dir`` (one machine, or all), without parsing results."""
    if not results_dir.is_dir():
        raise ResultsFormatError(f"{results_dir}: no such results directory")
    infos = []
    for mdir in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        if machine is not None and mdir.name != machine:
            continue
        for path in sorted(mdir.glob("*.json")):
            if path.name == "machine.json":
                continue
            commit8, _, env = path.stem.partition("-")
            infos.append(ResultFileInfo(path, mdir.name, commit8, env, None))
    return infos


def _pick_machine(results_dir: Path, machine: str | None) -> str:
    machines = sorted(p.name for p in results_dir.iterdir() if (p / "machine.json").exists())
    if machine is not None:
        if machine not in machines:
            raise ResultsFormatError(
                f"{results_dir}: no results for machine {machine!r} "
                f"(have: {', '.join(machines) or 'none'})"
            )
        return machine
    if len(machines) != 1:
        raise ResultsFormatError(
            f"{results_dir}: results for several machines "
            f"({', '.join(machines) or 'none'}): choose one"
        )
    return machines[0]


def pick_result_file(
    results_dir: Path,
    *,
    machine: str | None = None,
    commit: str | None = None,
    env: str | None = None,
) -> ResultFileInfo:
    """The one result file of ``commit`` (a prefix of at least 4 hex digits; None: any)
    on one machine and environment; an error naming what is missing or ambiguous."""
    if not results_dir.is_dir():
        raise ResultsFormatError(f"{results_dir}: no such results directory")
    machine = _pick_machine(results_dir, machine)
    files = [f for f in list_result_files(results_dir, machine) if env is None or f.env == env]
    if commit:
        if len(commit) < 4:
            raise ResultsFormatError(f"commit {commit!r}: give at least 4 hex digits")
        files = [f for f in files if f.commit.startswith(commit[:8])]
    if not files:
        raise ResultsFormatError(
            f"{results_dir}: no results for commit {commit or '(any)'} on machine {machine}"
        )
    if len({f.commit for f in files}) > 1:
        raise ResultsFormatError(
            f"commit {commit!r} is ambiguous in {results_dir}: "
            f"{', '.join(sorted({f.commit for f in files}))}"
        )
    if len({f.env for f in files}) > 1:
        raise ResultsFormatError(
            f"{results_dir}: commit {files[0].commit} has several "
            f"environments ({', '.join(f.env for f in files)}): choose one"
        )
    return files[0]


def load_results(
    results_dir: Path,
    *,
    machine: str | None = None,
    commit: str | None = None,
    env: str | None = None,
    since: float | None = None,
) -> list[Measurement]:
    """All measurements of one commit on one machine (newest entry per benchmark).

    ``since`` drops entries whose started_at is older: a rerun replaces only the
    benchmarks it ran, so older entries in the same file are stale.
    """
    info = pick_result_file(results_dir, machine=machine, commit=commit, env=env)
    benchmarks = read_benchmarks_json(results_dir)
    measurements = read_result_file(info.path, benchmarks)
    if commit and len(commit) > 8 and not str(measurements[0].commit or "").startswith(commit):
        raise ResultsFormatError(
            f"{info.path}: holds commit {measurements[0].commit}, not {commit}"
        )
    if since is not None:
        measurements = [m for m in measurements if m.started_at is None or m.started_at >= since]
    return measurements
