"""``perfkit bisect BENCHMARK GOOD BAD``: the commit that moved a benchmark, confirmed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from perfkit import gitrepo
from perfkit.history import bisect
from perfkit.measure import commitrange


@click.command("bisect")
@click.argument("benchmark")
@click.argument("good")
@click.argument("bad")
@click.option("--repo", type=click.Path(path_type=Path), default=Path("."), show_default=True)
@click.option(
    "--same-python",
    is_flag=True,
    help="Bisect in temporary worktrees in this Python (default: `asv find` with asv's envs).",
)
@click.option("--invert", is_flag=True, help="asv find: look for a decrease, not an increase.")
@click.option(
    "--rounds",
    type=int,
    default=4,
    show_default=True,
    help="Processes per side when confirming the commit against its parent.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--config",
    "asv_config",
    type=click.Path(path_type=Path),
    default=None,
    help="The project's asv.conf.json (default: found in --repo as users keep it).",
)
def command(
    benchmark: str,
    good: str,
    bad: str,
    repo: Path,
    same_python: bool,
    invert: bool,
    rounds: int,
    as_json: bool,
    asv_config: Path | None,
) -> int:
    """Find the first commit of GOOD..BAD where BENCHMARK changed, then confirm it."""
    good_full, bad_full = gitrepo.resolve(repo, good), gitrepo.resolve(repo, bad)
    if same_python:
        revs = commitrange.commits(repo, f"{good_full}..{bad_full}")
        found = bisect.search(revs, good_full, bisect.MeasuredLevel(repo, benchmark))
        commit, parent, increase, steps = found.commit, found.parent, found.increase, found.steps
        method = "perfkit bisection"
    else:
        commit = bisect.asv_find(repo, good_full, bad_full, benchmark, invert=invert)
        parent, increase, steps = gitrepo.resolve(repo, f"{commit}^"), not invert, ()
        method = "asv find"
    click.echo(
        f"{method}: first changed commit {commit[:12]} (parent {parent[:12]}); confirming", err=True
    )
    with tempfile.TemporaryDirectory(prefix="perfkit-bisect-") as work:
        comparison = bisect.confirm(
            repo,
            benchmark,
            parent,
            commit,
            Path(work),
            rounds=rounds,
            same_python=True if same_python else None,
            asv_config=asv_config,
        )
    ok = bisect.confirmed(comparison, increase)
    _print(benchmark, commit, parent, method, comparison, ok, steps, as_json)
    return 0 if ok else 1


def _print(benchmark, commit, parent, method, comparison, ok, steps, as_json) -> None:
    ev = comparison.evidence if comparison is not None else None
    if as_json:
        click.echo(
            json.dumps(
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
                    "steps": [{"commit": c, "level": v} for c, v in steps],
                },
                indent=2,
            )
        )
        return
    state = "confirmed" if ok else "NOT confirmed"
    click.echo(f"{benchmark}: {commit[:12]} ({method}) {state}")
    if ev is not None:
        click.echo(
            f"  vs parent {parent[:12]}: {comparison.verdict.value}, ratio {ev.ratio:.3f} "
            f"[{ev.ci_low:.3f}, {ev.ci_high:.3f}], p={ev.p_value:.2g}"
        )
