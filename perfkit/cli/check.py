"""perfkit check: the main job — measure the working tree, compare with a stored baseline,
write the report and return the gate's exit code."""

from __future__ import annotations

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
    profile_report,
    progress_printer,
    protocol_options,
    repo_root,
)  # fmt: skip
from perfkit.cli.gate import print_gate
from perfkit.cli.profile import make_options, profile_options
from perfkit.environment import collect
from perfkit.measure import Side, measure


@click.command("check")
@click.option("--baseline", "name", default="main", show_default=True, help="Stored baseline name.")
@click.option("--baselines", "baselines_dir", type=click.Path(path_type=Path),
              default=baselines.DEFAULT_DIR, show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path("reports/latest"), show_default=True)
@click.option("--profile/--no-profile", default=True, show_default=True,
              help="Profile each regression (py-spy, memray) at the baseline's commit and here.")
@profile_options
@protocol_options
@config_option
def command(name, baselines_dir, out, profile, seconds, rate, native, no_memory, bench, rounds,
            final_rounds, extra_rounds, repeat, warmup, launch, config_path) -> int:  # fmt: skip
    """Run the suites on the working tree, compare with the baseline, report, gate.

    Exit 0 when the gate passes, 1 on a regression or a score below the bar, 2 on bad input.
    """
    config = get_config(config_path)
    protocol = make_protocol(rounds, extra_rounds, final_rounds, repeat, warmup, bench, launch)
    machine, progress = asvrun.current_machine(), progress_printer()
    base, notes = baselines.find(name, machine, baselines_dir)
    root = repo_root()
    head = Side("head", gitrepo.resolve(root, "HEAD"), root)
    if gitrepo.is_dirty(root):
        notes.append("the working tree has uncommitted changes: they are what was measured")
    progress(f"baseline {base.name!r}: {len(base.measurements)} benchmarks, commit {(base.commit or '?')[:8]}")
    measured = measure([head], out / "measure", protocol, config=config,
                       reference=base.measurements, progress=progress)["head"]  # fmt: skip
    base_ms = list(base.measurements)
    if protocol.bench:  # a filtered run compares only what it measured
        measured_names = {m.name for m in measured}
        base_ms = [m for m in base_ms if m.name in measured_names]
    report = analyse(base_ms, measured, config,
                     base_label=f"baseline {base.name}@{(base.commit or '?')[:8]}",
                     head_label=f"working tree @{head.commit[:8]}",
                     base_env=base.environment_info, head_env=collect(), warnings=notes)  # fmt: skip
    if profile:
        report = profile_report(report, out, base.commit, head.commit,
                                make_options(seconds, rate, native, no_memory))  # fmt: skip
    emit_report(report, out, samples_by_name(base_ms, measured))
    return print_gate(report.gate)
