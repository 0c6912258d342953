"""perfkit run: measure HEAD (and optionally BASE) with the interleaved protocol."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from perfkit import asvrun, gitrepo
from perfkit import baseline as baselines
from perfkit.analysis import analyse, samples_by_name
from perfkit.cli.common import (
    config_option,
    emit_report,
    get_config,
    make_protocol,
    progress_printer,
    protocol_options,
    repo_root,
)  # fmt: skip
from perfkit.environment import collect
from perfkit.measure import Side, measure


def side_tree(stack: contextlib.ExitStack, root: Path, label: str, rev: str | None) -> Side:
    """HEAD measures the working tree as it is; any other commit gets a temporary worktree."""
    if rev is None:
        return Side(label, gitrepo.resolve(root, "HEAD"), root)
    commit = gitrepo.resolve(root, rev)
    return Side(label, commit, stack.enter_context(gitrepo.worktree(root, commit)))


@click.command("run")
@click.option("--base", "base_rev", help="Also measure this commit (e.g. the merge base) and compare.")
@click.option("--head", "head_rev", help="Commit to measure (default: the working tree at HEAD).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path("reports/run"), show_default=True)
@protocol_options
@config_option
def command(base_rev, head_rev, out, bench, rounds, final_rounds, extra_rounds, repeat, warmup, launch, config_path) -> int:
    """Measure with perfkit's protocol: fresh processes, base and head interleaved,
    extra rounds for suspects. Writes OUT/head.json (and OUT/base.json plus the report
    when --base is given)."""  # fmt: skip
    config = get_config(config_path)
    protocol = make_protocol(rounds, extra_rounds, final_rounds, repeat, warmup, bench, launch)
    root, machine, progress = repo_root(), asvrun.current_machine(), progress_printer()
    with contextlib.ExitStack() as stack:
        sides = [side_tree(stack, root, "head", head_rev)]
        if base_rev:
            sides.insert(0, side_tree(stack, root, "base", base_rev))
        measured = measure(sides, out / "measure", protocol, config=config, progress=progress)
    env = collect()
    for side in sides:
        b = baselines.build(f"run-{side.label}", machine, measured[side.label],
                            commit=side.commit, environment_info=env)  # fmt: skip
        baselines.save(b, out) if b.measurements else None
        path = baselines.path_for(b.name, machine, out)
        path.replace(out / f"{side.label}.json") if path.exists() else None
    if not base_rev:
        click.echo(f"measured {len(measured['head'])} benchmarks: {out / 'head.json'}")
        return 0
    base, head = measured["base"], measured["head"]
    report = analyse(base, head, config, base_label=f"base {sides[0].commit[:8]}",
                     head_label=f"head {sides[1].commit[:8]}", base_env=env, head_env=env)  # fmt: skip
    emit_report(report, out, samples_by_name(base, head))
    return 0
