"""``perfkit run-range A..B``: measure every commit of a range (fills the history)."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit.measure import commitrange


@click.command("run-range")
@click.argument("rev_range")
@click.option("--repo", type=click.Path(path_type=Path), default=Path("."), show_default=True)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path),
    default=Path(".asv/results"),
    show_default=True,
    help="Results directory (with --same-python; asv's own mode uses asv.conf.json's).",
)
@click.option(
    "--same-python",
    is_flag=True,
    help="Measure each commit in a temporary worktree in this Python (no environments).",
)
@click.option("--bench", "-b", multiple=True, help="asv --bench regex (repeatable).")
@click.option("--repeat", type=int, default=10, show_default=True, help="Samples per commit.")
@click.option("--rerun", is_flag=True, help="Measure commits that already have results too.")
@click.option(
    "--config",
    "asv_config",
    type=click.Path(path_type=Path),
    default=None,
    help="The project's asv.conf.json (default: found in --repo as users keep it).",
)
@click.option("--machine", default=None, help="asv machine name (default: as asv resolves it).")
def command(
    rev_range: str,
    repo: Path,
    results_dir: Path,
    same_python: bool,
    bench: tuple[str, ...],
    repeat: int,
    rerun: bool,
    asv_config: Path | None,
    machine: str | None,
) -> int:
    """Measure the commits of REV_RANGE (A..B, oldest first), skipping measured ones."""
    revs = commitrange.commits(repo, rev_range)
    if not same_python:
        return commitrange.asv_range(
            repo,
            rev_range,
            bench=bench,
            skip_existing=not rerun,
            config=asv_config,
            machine=machine,
        )
    done = commitrange.same_python(
        repo,
        revs,
        results_dir.resolve(),
        bench=bench,
        repeat=repeat,
        rerun=rerun,
        progress=lambda msg: click.echo(msg, err=True),
    )
    click.echo(
        f"{len(done.measured)} measured, {len(done.skipped)} already measured, "
        f"{len(done.failed)} failed (results in {results_dir})"
    )
    return 1 if done.failed else 0
