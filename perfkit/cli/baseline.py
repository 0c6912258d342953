"""perfkit baseline save|list|show."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit import baseline as baselines
from perfkit import gitrepo
from perfkit.cli.common import ASV_RESULTS, load_side, make_sides, repo_root
from perfkit.cli.options import (
    baselines_option,
    config_option,
    get_config,
    make_protocol,
    measure_options,
    progress_printer,
    side_options,
)
from perfkit.errors import ConfigError
from perfkit.ingest.asv import load_results
from perfkit.measure import asvrun
from perfkit.measure.environment import collect
from perfkit.measure.protocol import measure


@click.group("baseline")
def command() -> None:
    """Save, list and show stored baselines (baselines/NAME--MACHINE.json)."""


@command.command("save")
@click.argument("name")
@click.option(
    "--from", "source", help="A results file (asv, pyperf, pytest-benchmark, perfkit run)."
)
@click.option(
    "--commit",
    help="Take the asv results of this commit (default: HEAD); with --from, the commit to record.",
)
@click.option(
    "--run",
    "run_now",
    is_flag=True,
    help="Measure the working tree now (fresh processes, as `check` does; no extra rounds: "
    "they need a comparison). The measuring options below need it.",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    default=ASV_RESULTS,
    show_default=True,
    help="asv results directory (not with --run).",
)
@measure_options
@side_options
@config_option
@baselines_option
def save(
    name,
    source,
    commit,
    run_now,
    results,
    bench,
    rounds,
    repeat,
    warmup,
    launch,
    asv_config,
    machine,
    same_python,
    config_path,
    baselines_dir,
) -> None:
    """Save baseline NAME for this machine, atomically: from the asv results of a
    commit (default), from a results file (--from), or measured now (--run)."""
    import contextlib

    baselines.check_name(name)
    _refuse_ignored(run_now, source)
    machine = asvrun.current_machine(machine)
    env: dict[str, str] = {}
    if run_now:
        protocol = make_protocol(rounds, 0, 1.0, repeat, warmup, bench, launch, machine)
        workdir = (
            Path(click.get_current_context().meta.get("workdir") or ".asv/perfkit-runs") / name
        )
        config, progress = get_config(config_path), progress_printer()
        with contextlib.ExitStack() as stack:
            made = make_sides(
                stack,
                [("head", None)],
                asv_config=asv_config,
                same_python=same_python,
                workdir=workdir / "sides",
                config=config,
                progress=progress,
            )
            measured = measure(made.sides, workdir, protocol, config=config, progress=progress)
        commit = made.sides[0].commit
        measurements, env = measured["head"], {**collect(), **made.provenance["head"]}
    elif source:
        side = load_side(
            source, "base", machine=None, results_dir=results, baselines_dir=baselines_dir
        )
        measurements, env = side.measurements, side.env
        commit = commit or next((m.commit for m in measurements if m.commit), None)
    else:
        commit = gitrepo.resolve(repo_root(), commit or "HEAD")
        measurements = load_results(results, commit=commit, machine=machine)
        env = collect()
    b = baselines.build(name, machine, measurements, commit=commit, environment_info=env)
    path = baselines.save(b, baselines_dir)
    click.echo(
        f"saved baseline {name!r} ({len(b.measurements)} benchmarks, commit "
        f"{(commit or '?')[:8]}, machine {machine}) to {path}"
    )


def _refuse_ignored(run_now: bool, source: str | None) -> None:
    """Exit 2 on an option this way of saving would ignore (every option works or is refused)."""
    ctx = click.get_current_context()
    given = {
        p.name: p.opts[0]
        for p in ctx.command.params
        if ctx.get_parameter_source(p.name) not in (None, click.core.ParameterSource.DEFAULT)
    }
    measuring = (
        "bench",
        "rounds",
        "repeat",
        "warmup",
        "launch",
        "asv_config",
        "same_python",
        "config_path",
    )
    if run_now and source:
        raise ConfigError("--run and --from are two ways to save: give one")
    ignored = (
        [o for n, o in given.items() if n in ("results", "commit")]
        if run_now
        else [o for n, o in given.items() if n in measuring]
    )
    if source and "results" in given and Path(source).is_file():
        ignored.append("--results")
    if ignored:
        need = "without --run" if run_now else "with --run"
        raise ConfigError(f"{', '.join(ignored)}: only {need} (nothing else reads it)")


@command.command("list")
@baselines_option
def list_(baselines_dir) -> None:
    """List stored baselines."""
    infos = baselines.list_baselines(baselines_dir)
    if not infos:
        click.echo(f"no baselines in {baselines_dir}/")
        return
    for i in infos:
        click.echo(
            f"{i.name:20} {i.machine:20} {(i.commit or '?')[:8]}  {i.created_at}  "
            f"{i.benchmarks} benchmarks  {i.path}"
        )


@command.command("show")
@click.argument("name")
@click.option("--machine", help="Machine (default: this one, or the only one stored).")
@baselines_option
def show(name, machine, baselines_dir) -> None:
    """Show one baseline: header and a line per benchmark (median, processes, samples)."""
    b, notes = baselines.find(name, machine or asvrun.current_machine(), baselines_dir)
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"baseline {b.name} · machine {b.machine} · commit {b.commit} · {b.created_at}")
    for m in sorted(b.measurements, key=lambda m: m.name):
        s = sorted(m.samples)
        status = (
            m.error
            and f"failed: {m.error}"
            or (
                "skipped"
                if m.skipped
                else f"median {s[len(s) // 2]:.6g} {m.unit}"
                if s
                else "no samples"
            )
        )
        click.echo(f"  {m.name}  {status}  ({len(m.runs)} processes, {len(s)} samples)")
