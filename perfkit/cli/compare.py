"""perfkit compare BASE HEAD: statistical verdicts between two measured sides."""

from __future__ import annotations

from pathlib import Path

import click

from perfkit.cli.common import (
    ASV_RESULTS,
    commit_of,
    emit_report,
    load_side,
    profile_report,
)
from perfkit.cli.options import (
    baselines_option,
    config_option,
    get_config,
    json_option,
    make_options,
    profile_options,
    threshold_option,
)
from perfkit.measure import asvrun
from perfkit.verdict.analysis import analyse, samples_by_name


@click.command("compare")
@click.argument("base")
@click.argument("head")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/compare"),
    show_default=True,
    help="Report directory.",
)
@json_option
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    default=ASV_RESULTS,
    show_default=True,
    help="asv results directory (for commit hashes).",
)
@baselines_option
@click.option(
    "--profile/--no-profile",
    default=False,
    show_default=True,
    help="Profile each regression (py-spy, memray) at both commits (off by default: compare "
    "reads results; `check` profiles by default).",
)
@threshold_option
@profile_options
@config_option
def command(
    base,
    head,
    out,
    json_path,
    results,
    baselines_dir,
    profile,
    threshold,
    seconds,
    rate,
    native,
    no_memory,
    config_path,
) -> int:
    """Compare BASE with HEAD and write report.json, comment.md and index.html.

    Each side is a baseline name, an asv results file, a pyperf or pytest-benchmark
    JSON file, a perfkit run file (base.json/head.json), or an asv commit hash found in
    the results directory. Exit code 0 (the gate is `perfkit gate`), 2 on bad input.
    """
    config = get_config(config_path, threshold)
    machine = (
        asvrun.current_machine() if not (Path(base).is_file() and Path(head).is_file()) else None
    )
    b = load_side(base, "base", machine=machine, results_dir=results, baselines_dir=baselines_dir)
    h = load_side(head, "head", machine=machine, results_dir=results, baselines_dir=baselines_dir)
    report = analyse(
        b.measurements,
        h.measurements,
        config,
        base_label=b.label,
        head_label=h.label,
        base_env=b.env,
        head_env=h.env,
        warnings=b.warnings + h.warnings,
    )
    if profile:
        report = profile_report(
            report,
            out,
            commit_of(b.measurements),
            commit_of(h.measurements),
            make_options(seconds, rate, native, no_memory),
        )
    emit_report(report, out, samples_by_name(b.measurements, h.measurements), json_path)
    return 0
