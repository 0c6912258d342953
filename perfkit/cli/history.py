"""``perfkit history analyse`` (and ``perfkit history`` alone): change points over the commit
history of every benchmark."""

from __future__ import annotations

import functools
import gc
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

import perfkit.cli as cli_package
from perfkit.atomic import write_text_atomic
from perfkit.cli.options import config_option, progress_printer
from perfkit.config import load_config
from perfkit.errors import ConfigError, HistoryError
from perfkit.history import commitorder, defaults, seriesfile

if TYPE_CHECKING:
    import pandas as pd

    from perfkit.history import series as history
    from perfkit.history.report import HistoryFiles

# the console script's last run, not freed: freeing a million floats and their tuples
# takes 0.03 s that the process's exit does at no cost
_KEPT: list[object] = []
COMPILE_TIME = "about 1 minute of CPU, 1-3 minutes on a busy 2-core machine"  # docs/history.md


def _collector_paused(func):
    """``func`` with the cyclic garbage collector paused until it returns (its locals
    freed by then): a history run makes millions of acyclic objects, and collector passes
    over them cost more than the work (see :func:`perfkit.history.series.no_gc`). In the
    console script, which exits right after, it stays paused: the first pass after it
    would walk every object the run kept (0.02-0.04 s on 1,000 x 1,000)."""

    @functools.wraps(func)
    def paused(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was and not cli_package.QUICK_EXIT:
                gc.enable()

    return paused


@click.command("analyse")
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path),
    default=Path(".asv/results"),
    show_default=True,
    help="asv results directory.",
)
@click.option("--machine", help="Only this asv machine's results.")
@click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False),
    help="git repository whose history orders the commits (default: the current "
    "directory, if it is one).",
)
@click.option(
    "--order-from",
    "order_from",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Commit order without git: asv's published index.json (revision_to_hash), or a "
    "file of commit hashes, one per line, oldest first.",
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(path_type=Path),
    help="Read plain series from CSV (rows = commits, one column per metric).",
)
@click.option(
    "--json-series",
    "json_file",
    type=click.Path(path_type=Path),
    help="Read plain series from JSON (arrays per metric, or records).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Also write history.json (every series, change point and event) to FILE ('-': stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(defaults.FORMATS),
    default="json",
    show_default=True,
    help="What to write into --out: history.json, index.html with plots, or both "
    "(json, the default, renders no plots).",
)
@click.option(
    "--top",
    type=int,
    default=15,
    show_default=True,
    help="Lines of the ranked summary (events and change points); the rest are counted.",
)
@click.option(
    "--export",
    "export",
    type=click.Path(path_type=Path),
    help="Write the tidy history table (with verdicts) to PATH.csv or PATH.parquet.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("reports/history"),
    show_default=True,
    help="Where history.json, index.html and plots/ go.",
)
@click.option(
    "--alpha",
    type=float,
    default=defaults.DEFAULT_ALPHA,
    show_default=True,
    help="Significance level per series (chance of a false change point in noise).",
)
@click.option(
    "--min-size",
    type=int,
    default=defaults.DEFAULT_MIN_SIZE,
    show_default=True,
    help="Fewest commits in a segment.",
)
@config_option
@_collector_paused
def command(
    results_dir: Path,
    machine: str | None,
    repo: Path | None,
    order_from: Path | None,
    csv_file: Path | None,
    json_file: Path | None,
    json_path: Path | None,
    fmt: str,
    top: int,
    export: Path | None,
    out_dir: Path,
    alpha: float,
    min_size: int,
    config_path: Path | None,
) -> int:
    """Find the commits where each benchmark's level changed.

    Reads asv results (format 1 or 2), ordered by git (--repo), asv's index.json or an
    order file (--order-from); or plain series (--csv, --json-series). Prints a ranked
    summary; the full list goes to --out (history.json, index.html) and --json FILE.
    """
    if csv_file and json_file:
        raise ConfigError("give --csv or --json-series, not both")
    if export and export.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigError(f"--export {export}: the file name must end in .csv or .parquet")
    if top < 0:
        raise ConfigError(f"--top {top}: must be 0 or more")
    progress = progress_printer()  # follows perfkit -q
    parsed = None
    if csv_file:  # parsed from now on, while numba is imported and the kernels loaded
        progress(f"reading {csv_file}")
        parsed = _parse_in_thread(csv_file)
    from perfkit.history import report as historyreport
    from perfkit.history import series as history

    df = _read(results_dir, machine, repo, order_from, csv_file, json_file, progress, parsed)
    _warn_unreadable(df.attrs.get("unreadable", ()))
    _announce_compile()
    progress(f"analysing {len(df)} results")
    config = load_config(Path.cwd(), config_path)
    options = history.HistoryOptions(alpha=alpha, min_size=min_size)
    result = history.analyse(df, config, options)
    progress(
        f"writing {out_dir} ({fmt}{f', {len(result.changed)} plots' if fmt != 'json' else ''})"
    )
    files = historyreport.write(result, out_dir, fmt)
    if json_path:
        text = json.dumps(historyreport.to_dict(result), indent=2)
        if str(json_path) == "-":
            click.echo(text)
        else:
            write_text_atomic(json_path, text)
    if export:
        _export(result.frame, export)
    _notes(result)
    if str(json_path) != "-":
        _summary(result, files, top)
    progress("done")
    if cli_package.QUICK_EXIT:  # the process ends now: leave the run's objects to the exit
        _KEPT.append((df, result))
    return 0


def _read(
    results_dir: Path,
    machine: str | None,
    repo: Path | None,
    order_from: Path | None,
    csv_file: Path | None,
    json_file: Path | None,
    progress,
    parsed: Callable[[], object] | None = None,
) -> pd.DataFrame | history.Table:
    from perfkit.history import series as history

    if csv_file and parsed is not None:
        # the kernels are loaded while the other core finishes the parse; the columns are
        # then converted here (Python work, no longer contended)
        return seriesfile.read_csv_table(csv_file, parsed=_while_loading_kernels(parsed))
    if json_file:
        progress(f"reading {json_file}")
        return seriesfile.read_json(json_file)
    if not results_dir.is_dir():
        raise HistoryError(f"{results_dir}: no asv results directory (run asv first, or --csv)")
    order = commitorder.choose(repo, order_from)  # fails before any result is read
    progress(f"reading results (commit order: {order.source}, {len(order.positions)} commits)")
    df = _from_store(results_dir, repo, order_from, machine)  # None: no store, read JSON
    df = history.load(results_dir, order=order, machine=machine) if df is None else df
    if df.empty:
        where = f" for machine {machine}" if machine else ""
        raise HistoryError(f"{results_dir}: no results{where} for commits in {order.source}")
    return df


def _parse_in_thread(path: Path) -> Callable[[], object]:
    """Start parsing the CSV file ``path`` in a thread (pyarrow's parser, one core, without
    the GIL: :func:`perfkit.history.seriesfile.parse_plain_csv`); the function returned
    waits for it and gives what it gave (or raises what it raised). Started before numba
    is imported (0.25 s) and the kernels are loaded (0.2 s), so that on a machine with a
    core to spare the parse costs no time of its own."""
    out: dict[str, object] = {}

    def work() -> None:
        try:
            out["table"] = seriesfile.parse_plain_csv(path, use_threads=False)
        except BaseException as exc:  # re-raised in the calling thread
            out["error"] = exc

    thread = threading.Thread(target=work, name="perfkit-read", daemon=True)
    thread.start()

    def result() -> object:
        thread.join()
        if "error" in out:
            raise out["error"]  # type: ignore[misc]
        return out["table"]

    return result


def _while_loading_kernels(parsed: Callable[[], object]) -> object:
    """``parsed()`` after loading the cached change-point kernels in this thread (numba's
    first call), while the parse goes on in its own. With a cold or no numba cache the
    kernels compile (minutes) later, after the file has been read and checked."""
    from perfkit.history import changepoint, ranksegment

    if ranksegment.cache_state() == "warm":
        changepoint.load_kernels()
    return parsed()


def _from_store(
    results_dir: Path, repo: Path | None, order_from: Path | None, machine: str | None
) -> pd.DataFrame | None:
    """The table from the history store beside the results (refreshed first) when there
    is one and commits are ordered by git, as the store orders them; else None."""
    from perfkit.history import store

    git_repo = repo if repo is not None else (Path.cwd() if order_from is None else None)
    if git_repo is None or not store.exists(results_dir):
        return None
    return store.load_history(results_dir, repo=git_repo, machine=machine)


def _warn_unreadable(unreadable) -> None:
    if not unreadable:
        return
    named = ", ".join(f"{p} ({why})" for p, why in unreadable[:3])
    more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
    click.echo(
        f"perfkit: warning: skipped {len(unreadable)} result file(s) that cannot be read: "
        f"{named}{more} (all listed in history.json)",
        err=True,
    )


def _announce_compile() -> None:
    from perfkit.history import ranksegment

    state = ranksegment.cache_state()
    if state == "cold":
        click.echo(
            "perfkit: compiling the change-point kernels (numba, once per install; "
            f"{COMPILE_TIME}), cached for later runs",
            err=True,
        )
    elif state == "disabled":
        click.echo(
            "perfkit: note: no writable numba cache directory (read-only HOME?): the "
            f"change-point kernels compile on every run ({COMPILE_TIME}); "
            "set NUMBA_CACHE_DIR to a writable directory",
            err=True,
        )


def _export(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix.lower() == ".csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _notes(result: history.HistoryResult) -> None:
    from perfkit.history import changepoint

    for commit in result.skipped_commits[:5]:
        click.echo(
            f"perfkit: warning: results for commit {commit[:12]} skipped: "
            "not in the commit order (rebased away?)",
            err=True,
        )
    if len(result.skipped_commits) > 5:
        click.echo(
            f"perfkit: warning: {len(result.skipped_commits) - 5} more commits skipped "
            "(listed in history.json)",
            err=True,
        )
    if result.too_short:
        need = changepoint.min_points(result.options.min_size)
        click.echo(
            f"perfkit: note: {len(result.too_short)} series too short to analyse "
            f"(fewer than {need} points; listed in history.json)",
            err=True,
        )


def _pct(ratio: float) -> str:
    return f"{(ratio - 1.0) * 100.0:+6.1f}%" if ratio == ratio else "   n/a "


def _summary(result: history.HistoryResult, files: HistoryFiles, top: int) -> None:
    from perfkit.history import report as historyreport

    n_cps = sum(len(s.change_points) for s in result.series)
    click.echo(
        f"{len(result.series)} series, {n_cps} change points in {len(result.changed)} "
        f"series, {len(result.events)} shared shifts (alpha {result.options.alpha})"
    )
    grouped = historyreport.in_events(result)
    lines: list[str] = []  # shared shifts first, then single change points, biggest first
    for e in result.events:
        kind = "ENVIRONMENT?" if e.environment_change else "shared shift"
        why = f"  [{e.reasons[0]}]" if e.reasons else ""
        lines.append(
            f"  {kind:<12} {e.commit[:12]:<12} {_pct(e.median_ratio)} median, "
            f"{e.size}/{e.measured} series ({e.regressions} slower/worse, "
            f"{e.improvements} better), suites: {', '.join(e.suites[:5])}"
            f"{' ...' if len(e.suites) > 5 else ''}{why}"
        )
    for s, cp in historyreport.ranked(result):
        if (s.series, str(cp.commit)) in grouped:
            continue
        mark = f"  ({historyreport.provisional_note(cp)})" if cp.provisional else ""
        lines.append(
            f"  {cp.verdict.value:<12} {str(cp.commit)[:12]:<12} {_pct(cp.ratio)}  "
            f"p={cp.p_value:.2g}  {s.series}{mark}"
        )
    for line in lines[:top]:
        click.echo(line)
    rest = lines[top:]
    if rest:
        click.echo(f"  ... and {len(rest)} more (ranked in history.json / index.html)")
    if files.html is not None:
        click.echo(f"report: {files.html}")
    elif files.json is not None:
        click.echo(f"report: {files.json}")
