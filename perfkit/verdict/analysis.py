"""From two sets of Measurements to a Report: compare, score, gate, environment warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from perfkit.baseline import now_iso
from perfkit.config import Config
from perfkit.measure.environment import compare_environments, tuning_warnings
from perfkit.model import Measurement, Report
from perfkit.verdict.score import gate
from perfkit.verdict.stats import compare_with_notes


def analyse(
    base: Sequence[Measurement],
    head: Sequence[Measurement],
    config: Config,
    *,
    base_label: str,
    head_label: str,
    base_env: Mapping[str, str] | None = None,
    head_env: Mapping[str, str] | None = None,
    warnings: Sequence[str] = (),
) -> Report:
    comparisons, run_notes = compare_with_notes(base, head, config)
    notes = [*warnings, *run_notes]
    if base_env and head_env:
        notes += compare_environments(dict(base_env), dict(head_env))
    if head_env:
        notes += tuning_warnings(dict(head_env))
    return Report(
        generated_at=now_iso(),
        base_label=base_label,
        head_label=head_label,
        comparisons=comparisons,
        gate=gate(comparisons, config),
        environment_info={"base": dict(base_env or {}), "head": dict(head_env or {})},
        warnings=tuple(dict.fromkeys(notes)),
    )


def samples_by_name(
    base: Sequence[Measurement], head: Sequence[Measurement]
) -> dict[str, tuple[Measurement | None, Measurement | None]]:
    """What the report's plots need: both sides' measurements under each full name."""
    b = {m.name: m for m in base}
    h = {m.name: m for m in head}
    return {name: (b.get(name), h.get(name)) for name in b.keys() | h.keys()}
