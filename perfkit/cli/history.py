"""``perfkit history``: change points over the commit history of every benchmark."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import click
import pandas as pd

from perfkit import history, historyreport, seriesfile
from perfkit.config import load_config
from perfkit.errors import ConfigError, HistoryError


@click.command("history")
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
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="git repository whose history orders the commits.",
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
    "as_json",
    is_flag=True,
    help="Print, per series, the index and commit of each change point as JSON.",
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
    default=history.HistoryOptions.alpha,
    show_default=True,
    help="Significance level per series (chance of a false change point in noise).",
)
@click.option(
    "--min-size",
    type=int,
    default=history.HistoryOptions.min_size,
    show_default=True,
    help="Fewest commits in a segment.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="perfkit.toml to use (benchmark directions).",
)
def command(
    results_dir: Path, machine: str | None, repo: Path, csv_file: Path | None,
    json_file: Path | None, as_json: bool, export: Path | None, out_dir: Path,
    alpha: float, min_size: int, config_path: Path | None,
) -> int:  # fmt: skip
    """Find the commits where each benchmark's level changed."""
    if csv_file and json_file:
        raise ConfigError("give --csv or --json-series, not both")
    if export and export.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigError(f"--export {export}: the file name must end in .csv or .parquet")
    start = time.monotonic()

    def progress(msg: str) -> None:
        click.echo(f"[{time.monotonic() - start:5.1f}s] {msg}", err=True)

    progress("reading results")
    df = _read(results_dir, machine, repo, csv_file, json_file)
    progress(f"analysing {len(df)} results")
    config = load_config(Path.cwd(), config_path)
    options = history.HistoryOptions(alpha=alpha, min_size=min_size)
    result = history.analyse(df, config, options)
    progress(f"writing {out_dir} ({len(result.changed)} plots)")
    files = historyreport.write(result, out_dir)
    if export:
        _export(result.frame, export)
    for commit in result.skipped_commits:
        click.echo(f"perfkit: warning: results for commit {commit[:12]} skipped: "
                   "not in the history of the repository (rebased away?)", err=True)  # fmt: skip
    for s in result.too_short:
        click.echo(f"perfkit: note: {s.series}: too short ({len(s.commits)} points)", err=True)
    if as_json:
        click.echo(historyreport.change_points_json(result))
    else:
        _summary(result, files)
    return 0


def _read(
    results_dir: Path, machine: str | None, repo: Path, csv_file: Path | None,
    json_file: Path | None,
) -> pd.DataFrame:  # fmt: skip
    if csv_file:
        return seriesfile.read_csv(csv_file)
    if json_file:
        return seriesfile.read_json(json_file)
    if not results_dir.is_dir():
        raise HistoryError(f"{results_dir}: no asv results directory (run asv first, or --csv)")
    df = history.load(results_dir, repo=repo, machine=machine)
    if df.empty:
        where = f" for machine {machine}" if machine else ""
        raise HistoryError(f"{results_dir}: no results{where} for commits in {repo}'s history")
    return df


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


def _summary(result: history.HistoryResult, files: historyreport.HistoryFiles) -> None:
    click.echo(f"{len(result.series)} series, {len(result.changed)} with change points "
               f"(alpha {result.options.alpha})")  # fmt: skip
    for s in result.changed:
        for cp in s.change_points:
            pct = (cp.ratio - 1.0) * 100.0
            click.echo(f"  {cp.verdict.value:<11} {str(cp.commit)[:12]:<12} {pct:+6.1f}%  "
                       f"p={cp.p_value:.2g}  {s.series}")  # fmt: skip
    click.echo(f"report: {files.html}")
