"""perfkit gate REPORT: pass (0) or fail (1) on a report; fail closed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from perfkit.cli.options import config_option, get_config, print_gate
from perfkit.report import report_from_json
from perfkit.verdict.score import gate


@click.command("gate")
@click.argument("report", type=click.Path(path_type=Path))
@click.option("--min-score", type=float, help="Override gate.min_score (default 75).")
@click.option("--max-regressions", type=int, help="Override gate.max_regressions (default 0).")
@click.option(
    "--allow", multiple=True, help="Waive this benchmark pattern (fnmatch) from fail-closed checks."
)
@config_option
def command(report, min_score, max_regressions, allow, config_path) -> int:
    """Exit 0 when REPORT (report.json or its directory) passes the gate, 1 when it fails
    (regression, score below the bar, missing/failed/not-comparable benchmark, empty run),
    2 when the report cannot be read."""
    path = report / "report.json" if report.is_dir() else report
    config = get_config(config_path)
    overrides = {
        k: v
        for k, v in (("min_score", min_score), ("max_regressions", max_regressions))
        if v is not None
    }
    if allow:
        overrides["allow"] = tuple(config.gate.allow) + tuple(allow)
    if overrides:
        config = dataclasses.replace(config, gate=dataclasses.replace(config.gate, **overrides))
    return print_gate(gate(report_from_json(path).comparisons, config))
