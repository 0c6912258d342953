"""The columnar history store of an asv results directory: ``perfkit history
update|rebuild|changes|series`` (the same commands as ``perfkit store ...``, kept as an alias).

    perfkit history update      # read new and changed result files into the store
    perfkit history rebuild     # build it again from every result file
    perfkit history changes     # what changed in the last 100 commits, every benchmark
    perfkit history series NAME # one benchmark's full series

The store of ``.asv/results`` lives in ``.asv/results.store`` (``--store`` to change);
``perfkit history`` reads it instead of the JSON files once it exists.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import click

from perfkit.cli.options import json_option, write_json

ASV_RESULTS = Path(".asv/results")


def _results_option(fn: Callable) -> Callable:
    return click.option(
        "--results",
        "results_dir",
        type=click.Path(path_type=Path),
        default=ASV_RESULTS,
        show_default=True,
        help="asv results directory.",
    )(fn)


def _store_option(fn: Callable) -> Callable:
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(path_type=Path),
        help="Store directory (default: <results>.store beside the results).",
    )(fn)


def _resolve_store(results_dir: Path, store_dir: Path | None) -> Path:
    from perfkit.history import store

    return store_dir if store_dir is not None else store.default_store(results_dir)


@click.group("store")
def command() -> None:
    """The history store, a Parquet + DuckDB cache of every asv result.

    The same commands as `perfkit history update|rebuild|changes|series`."""


def _refresh(
    results_dir: Path, store_dir: Path | None, repo: Path, jobs: int | None, rebuild: bool
) -> int:
    from perfkit.errors import HistoryError
    from perfkit.history import store

    if not results_dir.is_dir():
        raise HistoryError(f"{results_dir}: no asv results directory")
    start = time.monotonic()
    run = store.rebuild if rebuild else store.update
    summary = run(results_dir, store_dir, repo=repo, jobs=jobs)
    for source, reason in summary.skipped:
        click.echo(f"perfkit: warning: {source} skipped: {reason}", err=True)
    click.echo(
        f"{summary.store}: {summary.read} of {summary.files} result files read, "
        f"{summary.removed} removed, {summary.rows_added} rows added, "
        f"{summary.live_rows} rows in {summary.parts} parts "
        f"(generation {summary.generation}, {time.monotonic() - start:.2f} s)"
    )
    return 0


_repo = click.option(
    "--repo",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="git repository whose history orders the commits.",
)
_jobs = click.option(
    "--jobs", type=int, help="Processes reading result files (default: one per CPU)."
)


@command.command("update")
@_results_option
@_store_option
@_repo
@_jobs
def update(results_dir: Path, store_dir: Path | None, repo: Path, jobs: int | None) -> int:
    """Read new and changed result files (by content hash) into the store."""
    return _refresh(results_dir, store_dir, repo, jobs, rebuild=False)


@command.command("rebuild")
@_results_option
@_store_option
@_repo
@_jobs
def rebuild(results_dir: Path, store_dir: Path | None, repo: Path, jobs: int | None) -> int:
    """Build the store again from every result file (the JSON files are the truth)."""
    return _refresh(results_dir, store_dir, repo, jobs, rebuild=True)


@command.command("changes")
@_results_option
@_store_option
@click.option("--last", type=int, default=100, show_default=True, help="Newest commits to look at.")
@json_option
def changes(results_dir: Path, store_dir: Path | None, last: int, json_path: Path | None) -> int:
    """Change points in the last commits with results, across every benchmark
    (perfkit history's detection; reads the store as it is: `update` first)."""
    from perfkit.history import store

    with store.Reader(_resolve_store(results_dir, store_dir)) as reader:
        found = reader.changes(last)
    if json_path is not None:
        write_json(json_path, json.dumps([_finite(dataclasses.asdict(c)) for c in found], indent=2))
        if str(json_path) == "-":
            return 0
    click.echo(f"{len(found)} change point(s) in the last {last} commits")
    for c in found:
        click.echo(
            f"  {c.verdict:<11} {c.commit[:12]:<12} {(c.ratio - 1) * 100:+6.1f}%  "
            f"p={c.p_value:.2g}  {c.series}"
        )
    return 0


@command.command("series")
@click.argument("benchmark")
@_results_option
@_store_option
@click.option("--machine", help="Only this machine's results.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
def series(
    benchmark: str, results_dir: Path, store_dir: Path | None, machine: str | None, as_csv: bool
) -> int:
    """One benchmark's full series (full name, or without parameters: all of them)."""
    from perfkit.errors import BenchmarkNotFoundError
    from perfkit.history import store

    with store.Reader(_resolve_store(results_dir, store_dir)) as reader:
        df = reader.series(benchmark, machine)
    if df.empty:
        raise BenchmarkNotFoundError(
            f"{benchmark}: no results in the store" + (f" for machine {machine}" if machine else "")
        )
    click.echo(df.to_csv(index=False) if as_csv else df.to_string(index=False), nl=not as_csv)
    return 0


def _finite(row: dict) -> dict:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()
    }
