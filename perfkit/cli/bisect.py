"""``perfkit bisect BENCHMARK GOOD BAD``: the commit that moved a benchmark, confirmed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from perfkit import gitrepo
from perfkit.cli.options import (
    ROUNDS_HELP,
    config_option,
    get_config,
    json_option,
    progress_printer,
    repo_option,
    side_options,
    threshold_option,
    write_json,
)
from perfkit.errors import ConfigError
from perfkit.history import bisect
from perfkit.measure import commitrange


@click.command("bisect")
@click.argument("benchmark")
@click.argument("good")
@click.argument("bad")
@repo_option
@click.option(
    "--invert",
    is_flag=True,
    help="asv find: look for a decrease, not an increase (the --same-python bisection "
    "finds the direction from GOOD and BAD itself, so the two are refused together).",
)
@click.option(
    "--rounds",
    type=int,
    default=4,
    show_default=True,
    help=ROUNDS_HELP + " Used to confirm the commit against its parent.",
)
@json_option
@threshold_option
@side_options
@config_option
def command(
    benchmark: str,
    good: str,
    bad: str,
    repo: Path,
    invert: bool,
    rounds: int,
    json_path: Path | None,
    threshold: float | None,
    asv_config: Path | None,
    machine: str | None,
    same_python: bool | None,
    config_path: Path | None,
) -> int:
    """Find the first commit of GOOD..BAD where BENCHMARK changed, then confirm it: the
    commit and its parent measured with perfkit's protocol and judged with its statistics
    (perfkit.toml or --settings, and --threshold). With --same-python the search bisects
    in temporary worktrees in this Python; otherwise it is `asv find` with asv's
    environments. Exit 0 confirmed, 1 not confirmed, 2 bad input."""
    if invert and same_python:
        raise ConfigError(
            "--invert is for `asv find`; the --same-python bisection finds the direction itself"
        )
    config = get_config(config_path, threshold)
    progress = progress_printer()
    good_full, bad_full = gitrepo.resolve(repo, good), gitrepo.resolve(repo, bad)
    if same_python:
        revs = commitrange.commits(repo, f"{good_full}..{bad_full}")
        progress(f"bisecting {len(revs)} commits in this Python")
        found = bisect.search(
            revs, good_full, bisect.MeasuredLevel(repo, benchmark), progress=progress
        )
        commit, parent, increase, steps = found.commit, found.parent, found.increase, found.steps
        method = "perfkit bisection"
    else:
        progress(f"asv find {good_full[:8]}..{bad_full[:8]} {benchmark}")
        commit = bisect.asv_find(
            repo,
            good_full,
            bad_full,
            benchmark,
            invert=invert,
            asv_config=asv_config,
            machine=machine,
            progress=progress,
        )
        parent, increase, steps = gitrepo.resolve(repo, f"{commit}^"), not invert, ()
        method = "asv find"
    progress(f"{method}: first changed commit {commit[:12]} (parent {parent[:12]}); confirming")
    with tempfile.TemporaryDirectory(prefix="perfkit-bisect-") as work:
        comparison = bisect.confirm(
            repo,
            benchmark,
            parent,
            commit,
            Path(work),
            rounds=rounds,
            same_python=same_python,
            asv_config=asv_config,
            config=config,
            machine=machine,
            progress=progress,
        )
    ok = bisect.confirmed(comparison, increase)
    to_stdout = json_path is not None and str(json_path) == "-"
    _print(benchmark, commit, parent, method, comparison, ok, to_stdout)
    if json_path is not None:
        write_json(json_path, _json(benchmark, commit, parent, method, comparison, ok, steps))
    return 0 if ok else 1


def _json(benchmark, commit, parent, method, comparison, ok, steps) -> str:
    ev = comparison.evidence if comparison is not None else None
    return json.dumps(
        {
            "benchmark": benchmark,
            "commit": commit,
            "parent": parent,
            "method": method,
            "confirmed": ok,
            "verdict": comparison.verdict.value if comparison else None,
            "ratio": ev.ratio if ev else None,
            "ci_low": ev.ci_low if ev else None,
            "ci_high": ev.ci_high if ev else None,
            "p_value": ev.p_value if ev else None,
            "threshold": ev.threshold if ev else None,
            "steps": [{"commit": c, "level": v} for c, v in steps],
        },
        indent=2,
    )


def _print(benchmark, commit, parent, method, comparison, ok, to_stderr: bool) -> None:
    """The result in two lines (on stderr when stdout carries the JSON)."""
    ev = comparison.evidence if comparison is not None else None
    state = "confirmed" if ok else "NOT confirmed"
    click.echo(f"{benchmark}: {commit[:12]} ({method}) {state}", err=to_stderr)
    if ev is not None:
        click.echo(
            f"  vs parent {parent[:12]}: {comparison.verdict.value}, ratio {ev.ratio:.3f} "
            f"[{ev.ci_low:.3f}, {ev.ci_high:.3f}], p={ev.p_value:.2g}, "
            f"threshold {ev.threshold * 100:g} %",
            err=to_stderr,
        )
