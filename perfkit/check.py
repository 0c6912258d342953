"""The main job as a library function: measure the working tree, compare it with a
stored baseline, confirm what looks like a regression next to the baseline's commit,
profile what regressed. ``perfkit check`` only parses options, calls :func:`check`,
writes the report and prints the gate.

    from perfkit.check import check
    result = check(project, config, protocol, baseline, out=Path("reports/latest"))
    result.report.gate.passed
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfkit import gitrepo
from perfkit.config import Config
from perfkit.errors import BaselineError
from perfkit.measure import asvrun
from perfkit.measure.asvconfig import AsvProject
from perfkit.measure.environment import collect, hardware_differences
from perfkit.measure.materialise import Materialised, materialise
from perfkit.measure.protocol import Protocol, measure, measure_spent
from perfkit.model import Baseline, Comparison, Measurement, Report, Verdict
from perfkit.verdict.analysis import analyse, samples_by_name
from perfkit.verdict.stats import compare

if TYPE_CHECKING:
    from perfkit.profile import Options

Progress = Callable[[str], None]
REMEASURE = ("auto", "always", "never")


@dataclass(frozen=True)
class CheckResult:
    report: Report
    samples: dict[str, tuple[Measurement | None, Measurement | None]]  # for the report's plots


def check(
    project: AsvProject,
    config: Config,
    protocol: Protocol,
    base: Baseline,
    *,
    out: Path,
    remeasure_base: str = "auto",
    same_python: bool | None = None,
    profile: Options | None = None,  # None: no profiles
    notes: Sequence[str] = (),
    progress: Progress = lambda _m: None,
) -> CheckResult:
    """The working tree of ``project`` against ``base``. ``remeasure_base``: ``always``
    measures the baseline's commit here, interleaved with the tree; ``never`` uses its
    stored timings; ``auto`` measures it when it was taken on other hardware, and
    otherwise for the benchmarks that differ from the stored timings (regressions,
    improvements, inconclusive ones estimated worse than their threshold), to confirm them."""
    if remeasure_base not in REMEASURE:
        raise ValueError(f"remeasure_base must be one of {REMEASURE}")
    notes, root, here = list(notes), project.root, collect()
    if gitrepo.is_dirty(root):
        notes.append("the working tree has uncommitted changes: they are what was measured")
    progress(
        f"baseline {base.name!r}: {len(base.measurements)} benchmarks, commit {(base.commit or '?')[:8]}"
    )
    remeasure = _remeasure(remeasure_base, base, here, root, notes)

    def make(stack: contextlib.ExitStack, wanted: list, workdir: Path) -> Materialised:
        return materialise(
            stack,
            project,
            wanted,
            same_python=same_python,
            workdir=workdir,
            import_name=config.import_name,
            progress=progress,
        )

    with contextlib.ExitStack() as stack:
        # stored timings from other hardware say nothing here: measure both sides now
        wanted = [("base", base.commit), ("head", None)] if remeasure else [("head", None)]
        made = make(stack, wanted, out / "sides")
        head = made.sides[-1]
        got = measure_spent(
            made.sides,
            out / "measure",
            protocol,
            config=config,
            reference=() if remeasure else base.measurements,
            progress=progress,
        )
    measured = got.sides
    base_ms, head_ms = measured["base"] if remeasure else list(base.measurements), measured["head"]
    if protocol.bench and not remeasure:  # a filtered run compares only what it measured
        measured_names = {m.name for m in head_ms}
        base_ms = [m for m in base_ms if m.name in measured_names]
    head_env = {**collect(), **made.provenance["head"]}  # the load while measuring
    if not remeasure and remeasure_base == "auto":
        base_ms, head_ms = _confirm(
            base, base_ms, head_ms, root, make, out, protocol, config, notes, progress
        )
    where = "measured here" if remeasure else "stored"
    report = analyse(
        base_ms,
        head_ms,
        config,
        base_label=f"baseline {base.name}@{(base.commit or '?')[:8]} ({where})",
        head_label=f"working tree @{head.commit[:8]}",
        base_env={**head_env, **made.provenance["base"]} if remeasure else base.environment_info,
        head_env=head_env,
        warnings=notes,
    )
    report = replace(report, spend=got.spend)  # the main measuring's, not the confirmation's
    if profile is not None:
        from perfkit.profile import profile_regressions

        report = profile_regressions(
            report,
            out,
            root,
            project.benchmark_subdir,
            base.commit,
            head.commit,
            options=profile,
            pythons=made.built_pythons,
            progress=progress,
        )
    return CheckResult(report, samples_by_name(base_ms, head_ms))


def _remeasure(
    mode: str, base: Baseline, here: dict[str, str], root: Path, notes: list[str]
) -> bool:
    """Whether to measure the baseline's commit here; says why in ``notes``."""
    differs = hardware_differences(base.environment_info, here)
    if mode == "never" or (mode == "auto" and not differs):
        if differs:
            notes.append(
                f"baseline {base.name!r} was taken on other hardware ({'; '.join(differs)}): "
                "its stored timings differ for reasons other than the code"
            )
        return False
    why = (
        f"taken on other hardware ({'; '.join(differs)})"
        if differs
        else "asked for with --remeasure-base always"
    )
    if not base.commit or not gitrepo.has_commit(root, base.commit):
        if mode == "always":
            raise BaselineError(
                f"baseline {base.name!r}: its commit {base.commit or '(none recorded)'} "
                "is not in this clone (fetch it, or unshallow the clone)"
            )
        notes.append(
            f"baseline {base.name!r} was {why}, and its commit {(base.commit or '?')[:8]} is not in this "
            "clone: compared with its stored timings, which differ for reasons other than the code"
        )
        return False
    notes.append(
        f"baseline {base.name!r} was {why}: its commit {base.commit[:8]} was measured here, "
        "interleaved with the working tree"
    )
    return True


def _differs(c: Comparison) -> bool:
    if c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT):
        return True
    # what the score counts against an inconclusive benchmark (verdict/score.py)
    return (
        c.verdict is Verdict.INCONCLUSIVE
        and c.evidence is not None
        and (c.worse_fraction or 0.0) > c.evidence.threshold
    )


def _confirm(
    base: Baseline,
    base_ms: list[Measurement],
    head_ms: list[Measurement],
    root: Path,
    make,
    out: Path,
    protocol: Protocol,
    config: Config,
    notes: list[str],
    progress: Progress,
) -> tuple[list[Measurement], list[Measurement]]:
    """Measure the baseline's commit again for the benchmarks that differ from its stored
    timings, interleaved with the working tree, and judge those on the fresh pairs.

    Stored timings are from another session: a neighbour on the host's memory bus or a
    lower clock made a dozen benchmarks 1.25-1.95x worse for a while (measured on this
    project's VM), and threaded benchmarks measured on a busy host came out 30-38 %
    "better" two minutes later on a quieter one, which no statistic can tell from a code
    change. Measured side by side, such a shift hits both commits; a real change stays."""
    # regressions, improvements, and inconclusive benchmarks estimated worse than their
    # threshold: the score counts their estimate, so an unconfirmed shift of the machine
    # could fail the gate
    flagged = [c.name for c in compare(base_ms, head_ms, config) if _differs(c)]
    if not flagged:
        return base_ms, head_ms
    what = f"{len(flagged)} benchmark(s) differing from the stored timings"
    if not base.commit or not gitrepo.has_commit(root, base.commit):
        notes.append(
            f"{what} could not be confirmed: the baseline's commit "
            f"{(base.commit or '?')[:8]} is not in this clone"
        )
        return base_ms, head_ms
    progress(
        f"{what}: measuring the baseline's commit {base.commit[:8]} again for them, interleaved"
    )
    with contextlib.ExitStack() as stack:
        sides = make(
            stack, [("base", base.commit), ("head", None)], out / "confirm" / "sides"
        ).sides
        fresh = measure(
            sides,
            out / "confirm",
            replace(protocol, bench=tuple(asvrun.selection_regex(flagged))),
            config=config,
            progress=progress,
        )
    wanted = set(flagged)
    new_base = {m.name: m for m in fresh["base"] if m.name in wanted}
    new_head = {m.name: m for m in fresh["head"] if m.name in wanted}
    base_ms = [new_base.get(m.name, m) for m in base_ms]
    head_ms = [new_head.get(m.name, m) for m in head_ms]
    judged = [c for c in compare(base_ms, head_ms, config) if c.name in wanted]
    kept = [c.name for c in judged if c.verdict is Verdict.REGRESSION]
    better = sum(c.verdict is Verdict.IMPROVEMENT for c in judged)
    notes.append(
        f"{what} were measured again next to the baseline's commit {base.commit[:8]}: "
        f"{len(kept)} confirmed as regressions"
        + (f" ({', '.join(kept)})" if kept else "")
        + (f", {better} as improvements" if better else "")
    )
    return base_ms, head_ms
