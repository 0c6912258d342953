"""perfkit run: measure HEAD (and optionally BASE) with the interleaved protocol."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import click

from perfkit import baseline as baselines
from perfkit.cli.common import emit_report, make_sides
from perfkit.cli.options import (
    config_option,
    get_config,
    make_protocol,
    progress_printer,
    protocol_options,
    side_options,
    threshold_option,
)
from perfkit.errors import ConfigError
from perfkit.measure import asvrun
from perfkit.measure.environment import collect
from perfkit.measure.protocol import Protocol, measure_spent
from perfkit.verdict.analysis import analyse, samples_by_name


@click.command("run")
@click.option(
    "--base", "base_rev", help="Also measure this commit (e.g. the merge base) and compare."
)
@click.option("--head", "head_rev", help="Commit to measure (default: the working tree).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/run"),
    show_default=True,
)
@click.option(
    "--shard",
    "shard_spec",
    metavar="K/N",
    help="Measure only slice K of N (balanced by each benchmark's time); `perfkit merge` joins the slices.",
)
@click.option(
    "--shard-weights",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Baseline or run file whose timings balance the shards (default: the stored baseline "
    "'main' of this machine, if any).",
)
@threshold_option
@protocol_options
@side_options
@config_option
def command(
    base_rev,
    head_rev,
    out,
    shard_spec,
    shard_weights,
    threshold,
    bench,
    rounds,
    budget,
    extra_rounds,
    repeat,
    warmup,
    launch,
    asv_config,
    machine,
    same_python,
    config_path,
) -> int:
    """Measure with perfkit's protocol: each side built into its own environment (or
    --same-python), fresh processes, base and head interleaved, extra rounds for
    suspects. Writes OUT/head.json (and OUT/base.json plus the report when --base is
    given)."""
    if threshold is not None and not base_rev:
        raise ConfigError("--threshold judges head against base: it needs --base")
    config = get_config(config_path, threshold)
    protocol = make_protocol(rounds, extra_rounds, budget, repeat, warmup, bench, launch, machine)
    machine, progress = asvrun.current_machine(machine), progress_printer()
    wanted = [("base", base_rev)] if base_rev else []
    wanted.append(("head", head_rev))
    with contextlib.ExitStack() as stack:
        made = make_sides(
            stack,
            wanted,
            asv_config=asv_config,
            same_python=same_python,
            workdir=out / "sides",
            config=config,
            progress=progress,
        )
        sides = made.sides
        if shard_spec:
            protocol = _my_shard(shard_spec, shard_weights, sides, out, protocol, machine, progress)
        got = measure_spent(sides, out / "measure", protocol, config=config, progress=progress)
        measured = got.sides
    env = collect()
    envs = {s.label: {**env, **made.provenance[s.label]} for s in sides}
    for side in sides:
        b = baselines.build(
            f"run-{side.label}",
            machine,
            measured[side.label],
            commit=side.commit,
            environment_info=envs[side.label],
        )
        baselines.save(b, out) if b.measurements else None
        path = baselines.path_for(b.name, machine, out)
        path.replace(out / f"{side.label}.json") if path.exists() else None
    if not base_rev:
        click.echo(f"measured {len(measured['head'])} benchmarks: {out / 'head.json'}")
        return 0
    base, head = measured["base"], measured["head"]
    report = analyse(
        base,
        head,
        config,
        base_label=f"base {sides[0].commit[:8]}",
        head_label=f"head {sides[1].commit[:8]}",
        base_env=envs["base"],
        head_env=envs["head"],
    )
    report = dataclasses.replace(report, spend=got.spend)
    emit_report(report, out, samples_by_name(base, head))
    return 0


def _my_shard(
    spec_text: str,
    weights_file: Path | None,
    sides,
    out: Path,
    protocol: Protocol,
    machine: str,
    progress,
) -> Protocol:
    """The protocol narrowed to this shard's benchmarks; the whole plan recorded in OUT."""
    import dataclasses
    import re

    from perfkit.measure import shard

    spec = shard.parse(spec_text)
    head = sides[-1]
    names = asvrun.discover(
        head.tree,
        head.commit,
        out / "discover",
        python=head.python,
        config=head.config,
        machine=machine,
        log=out / "discover.log",
    )
    if protocol.bench:  # --bench narrows the suite before it is split
        names = [n for n in names if any(re.search(r, n) for r in protocol.bench)]
    known = shard.weights(_weight_source(weights_file, machine))
    assignment = shard.plan(names, spec.count, known)
    shard.write_record(
        out,
        spec,
        assignment,
        machine=machine,
        head_commit=head.commit,
        base_commit=sides[0].commit if len(sides) == 2 else None,
    )
    mine = sorted(n for n, k in assignment.items() if k == spec.index)
    progress(
        f"shard {spec}: {len(mine)} of {len(names)} benchmarks"
        + (
            f" (balanced by the timings of {len(known)})"
            if known
            else " (no timings: balanced by count)"
        )
    )
    if not mine:
        raise click.UsageError(
            f"shard {spec} has no benchmarks (the suite has {len(names)}); use fewer shards"
        )
    return dataclasses.replace(protocol, bench=tuple(f"^{re.escape(n)}$" for n in mine))


def _weight_source(path: Path | None, machine: str):
    if path is not None:
        return baselines.read(path).measurements
    from perfkit.errors import PerfkitError

    try:
        return baselines.find("main", machine, baselines.DEFAULT_DIR)[0].measurements
    except PerfkitError:  # no stored baseline: balance by count
        return ()
