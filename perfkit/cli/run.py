"""perfkit run: measure HEAD (and optionally BASE) with the interleaved protocol."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from perfkit import asvrun
from perfkit import baseline as baselines
from perfkit.analysis import analyse, samples_by_name
from perfkit.cli.common import (
    config_option,
    emit_report,
    get_config,
    make_protocol,
    make_sides,
    progress_printer,
    protocol_options,
    side_options,
)  # fmt: skip
from perfkit.environment import collect
from perfkit.measure import measure


@click.command("run")
@click.option("--base", "base_rev", help="Also measure this commit (e.g. the merge base) and compare.")
@click.option("--head", "head_rev", help="Commit to measure (default: the working tree).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path("reports/run"), show_default=True)
@protocol_options
@side_options
@config_option
def command(base_rev, head_rev, out, bench, rounds, final_rounds, extra_rounds, repeat, warmup, launch,
            asv_config, machine, same_python, config_path) -> int:  # fmt: skip
    """Measure with perfkit's protocol: each side built into its own environment (or
    --same-python), fresh processes, base and head interleaved, extra rounds for
    suspects. Writes OUT/head.json (and OUT/base.json plus the report when --base is
    given)."""
    config = get_config(config_path)
    protocol = make_protocol(rounds, extra_rounds, final_rounds, repeat, warmup, bench, launch, machine)
    machine, progress = asvrun.current_machine(machine), progress_printer()
    wanted = [("base", base_rev)] if base_rev else []
    wanted.append(("head", head_rev))
    with contextlib.ExitStack() as stack:
        made = make_sides(stack, wanted, asv_config=asv_config, same_python=same_python, workdir=out / "sides",
                          config=config, progress=progress)  # fmt: skip
        sides = made.sides
        measured = measure(sides, out / "measure", protocol, config=config, progress=progress)
    env = collect()
    envs = {s.label: {**env, **made.provenance[s.label]} for s in sides}
    for side in sides:
        b = baselines.build(f"run-{side.label}", machine, measured[side.label],
                            commit=side.commit, environment_info=envs[side.label])  # fmt: skip
        baselines.save(b, out) if b.measurements else None
        path = baselines.path_for(b.name, machine, out)
        path.replace(out / f"{side.label}.json") if path.exists() else None
    if not base_rev:
        click.echo(f"measured {len(measured['head'])} benchmarks: {out / 'head.json'}")
        return 0
    base, head = measured["base"], measured["head"]
    report = analyse(base, head, config, base_label=f"base {sides[0].commit[:8]}",
                     head_label=f"head {sides[1].commit[:8]}", base_env=envs["base"], head_env=envs["head"])  # fmt: skip
    emit_report(report, out, samples_by_name(base, head))
    return 0
