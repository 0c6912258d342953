"""perfkit check: the main job — measure the working tree, compare with a stored baseline,
write the report and return the gate's exit code."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit import baseline as baselines
from perfkit.cli.common import asv_project, emit_report
from perfkit.cli.options import (
    baselines_option,
    config_option,
    get_config,
    make_options,
    make_protocol,
    print_gate,
    profile_options,
    progress_printer,
    protocol_options,
    side_options,
    threshold_option,
)
from perfkit.measure import asvrun


@click.command("check")
@click.option("--baseline", "name", default="main", show_default=True, help="Stored baseline name.")
@baselines_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/latest"),
    show_default=True,
)
@click.option(
    "--remeasure-base",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Measure the baseline's commit here, interleaved with the working tree, instead of "
    "using its stored timings; auto: when it was taken on other hardware or another Python, "
    "and otherwise for the benchmarks that differ from the stored timings, to confirm them.",
)
@click.option(
    "--profile/--no-profile",
    default=True,
    show_default=True,
    help="Profile each regression (py-spy, memray) at the baseline's commit and here "
    "(on by default: check measures here anyway; `compare` profiles only when asked).",
)
@threshold_option
@profile_options
@protocol_options
@side_options
@config_option
def command(
    name,
    baselines_dir,
    out,
    remeasure_base,
    profile,
    threshold,
    seconds,
    rate,
    native,
    no_memory,
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
    """Run the suites on the working tree, compare with the baseline, report, gate.

    Exit 0 when the gate passes, 1 on a regression or a score below the bar, 2 on bad input.
    """
    from perfkit.check import check

    config = get_config(config_path, threshold)
    protocol = make_protocol(rounds, extra_rounds, budget, repeat, warmup, bench, launch, machine)
    machine = asvrun.current_machine(machine)
    base, notes = baselines.find(name, machine, baselines_dir)
    result = check(
        asv_project(asv_config),
        config,
        protocol,
        base,
        out=out,
        remeasure_base=remeasure_base,
        same_python=same_python,
        profile=make_options(seconds, rate, native, no_memory) if profile else None,
        notes=notes,
        progress=progress_printer(),
    )
    emit_report(result.report, out, result.samples)
    return print_gate(result.report.gate)
