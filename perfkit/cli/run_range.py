"""``perfkit run-range A..B``: measure every commit of a range (fills the history)."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit.cli.options import (
    REPEAT_HELP,
    asv_config_option,
    bench_option,
    machine_option,
    progress_printer,
    repo_option,
)
from perfkit.errors import ConfigError
from perfkit.measure import commitrange

SAME_PYTHON_RESULTS = Path(".asv/results")
SAME_PYTHON_REPEAT = 10


@click.command("run-range")
@click.argument("rev_range")
@repo_option
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Results directory, with --same-python (default: {SAME_PYTHON_RESULTS}); asv's own "
    "mode writes where asv.conf.json's results_dir says, so the two are refused together.",
)
@click.option(
    "--same-python",
    is_flag=True,
    help="Measure each commit in a temporary worktree in this Python (no environments).",
)
@bench_option
@click.option(
    "--repeat",
    type=int,
    default=None,
    help=f"{REPEAT_HELP} Default: {SAME_PYTHON_REPEAT} with --same-python, the suite's own "
    "otherwise.",
)
@click.option("--rerun", is_flag=True, help="Measure commits that already have results too.")
@asv_config_option
@machine_option
def command(
    rev_range: str,
    repo: Path,
    results_dir: Path | None,
    same_python: bool,
    bench: tuple[str, ...],
    repeat: int | None,
    rerun: bool,
    asv_config: Path | None,
    machine: str | None,
) -> int:
    """Measure the commits of REV_RANGE (A..B, oldest first), skipping measured ones.

    Without --same-python this is `asv run A..B --skip-existing-commits --record-samples`
    (one environment per commit, built by asv). Exit 0 when every commit was measured,
    1 when one failed, 2 on bad input."""
    if repeat is not None and repeat < 1:
        raise ConfigError(f"--repeat must be at least 1, got {repeat}")
    if results_dir is not None and not same_python:
        raise ConfigError(
            "--results is for --same-python; asv's own mode writes to asv.conf.json's results_dir"
        )
    revs = commitrange.commits(repo, rev_range)
    if not same_python:
        return commitrange.asv_range(
            repo,
            rev_range,
            bench=bench,
            skip_existing=not rerun,
            repeat=repeat,
            config=asv_config,
            machine=machine,
        )
    results_dir = results_dir or SAME_PYTHON_RESULTS
    done = commitrange.same_python(
        repo,
        revs,
        results_dir.resolve(),
        bench=bench,
        repeat=repeat or SAME_PYTHON_REPEAT,
        rerun=rerun,
        config=asv_config,
        machine=machine,
        progress=progress_printer(),
    )
    click.echo(
        f"{len(done.measured)} measured, {len(done.skipped)} already measured, "
        f"{len(done.failed)} failed (results in {results_dir})"
    )
    return 1 if done.failed else 0
