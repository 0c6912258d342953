"""perfkit's measuring protocol: interleaved rounds of fresh processes, then extra rounds
only for the suspects.

Why: on a shared machine one process's timings say little about the next process (a
fresh interpreter can run 1.3-1.8x slower for its whole life) and the machine drifts by
several percent within minutes. So

1. every round runs each benchmark once per side in a fresh process, alternating the
   order of the sides (A B, B A, A B, ...) so drift hits both sides alike and round k of
   the base can be paired with round k of the head;
2. after ``rounds`` rounds the statistics decide; every suspect (a regression or an
   improvement to confirm, or an inconclusive benchmark whose estimate is at least half
   the threshold) gets ``extra_rounds`` more rounds on every side that can still be
   measured, and the verdict is taken again on all rounds. Confirmation kills the false
   alarms a lucky process causes, and the extra processes give the power to catch small
   real changes;
3. a benchmark still open after that (inconclusive, could cross the threshold, and near
   enough to a verdict that a few more processes can settle it) gets ``final_rounds``
   more. Most changes are settled by then, so this costs little and goes where a verdict
   is nearest.

Each round is one asv invocation with its own results directory, so the samples of
every process stay apart (asv itself concatenates its rounds).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from perfkit.config import Config
from perfkit.ingest.asv import read_result_file
from perfkit.measure import asvrun
from perfkit.measure.sides import Side
from perfkit.model import Comparison, Evidence, Measurement, Verdict
from perfkit.verdict.stats import compare, measured_together

Progress = Callable[[str], None]
LAUNCH_METHODS = ("forkserver", "spawn")


@dataclass(frozen=True)
class Protocol:
    # Even numbers of rounds, so each side runs first in a round equally often (on this
    # machine the side measured first in a round came out ~1 % faster on average).
    rounds: int = 4  # first-stage processes per benchmark and side
    extra_rounds: int = 4  # more processes for suspects (0 disables the later stages)
    final_rounds: int = 2  # more still for the ones left open after them (0: none)
    # samples per process: a neighbour slows a process down in bursts, and the better half
    # of 10 samples sheds more of them than that of 5 (on stored data 10 -> 5 samples cost
    # more detections than 10 -> 8 processes, for less CPU: README "Measuring protocol")
    repeat: int = 10
    # asv --launch-method: "forkserver" imports the suite once per round and forks a
    # process per benchmark, about a third less CPU than "spawn"; use "spawn" for suites
    # that start threads at import time
    launch: str = "forkserver"
    # asv warmup_time per process (negative: asv's own, 0.1 s). Without it a round costs an
    # eighth less CPU at 10 samples per process (a fifth at 5),
    # but the first of 5 samples came out 36-73 % slow for 5 of the 12
    # evaluation bodies and later ones alternated (README "Measuring protocol")
    warmup: float = -1.0
    bench: tuple[str, ...] = ()  # asv --bench regexes (empty: everything)
    machine: str | None = None  # asv --machine (None: as asv resolves it, by host name)

    def __post_init__(self) -> None:
        for name in ("rounds", "repeat"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("extra_rounds", "final_rounds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.launch not in LAUNCH_METHODS:
            raise ValueError(
                f"launch must be one of {', '.join(LAUNCH_METHODS)}, got {self.launch!r}"
            )


class _Accumulator:
    """Collects the per-round result files of one side into Measurements with runs."""

    def __init__(self, session: str) -> None:
        self.session = session
        self.first: dict[str, Measurement] = {}
        self.runs: dict[str, list[tuple[float, ...]]] = {}

    def add(self, measurements: Sequence[Measurement], wanted: set[str] | None) -> None:
        for m in measurements:
            if wanted is not None and m.name not in wanted:
                continue  # asv wrote a placeholder for a parameter combination not selected
            if m.name not in self.first or (m.error and not self.first[m.name].error):
                self.first[m.name] = m
            if m.ok:
                self.runs.setdefault(m.name, []).append(m.samples)

    def measurements(self) -> list[Measurement]:
        out = []
        for name, m in self.first.items():
            runs = tuple(self.runs.get(name, ()))
            if m.error is None and not m.skipped and not runs:
                m = replace(m, error="no samples in any round")
            out.append(replace(m, runs=runs, runs_known=True, session=self.session))
        return out


def _round_order(sides: Sequence[Side], k: int) -> Sequence[Side]:
    return sides if k % 2 == 0 else list(reversed(sides))


def run_rounds(
    sides: Sequence[Side],
    rounds: range,
    workdir: Path,
    protocol: Protocol,
    acc: dict[str, _Accumulator],
    *,
    names: Sequence[str] | None = None,
    progress: Progress = lambda _msg: None,
) -> None:
    bench = asvrun.selection_regex(names) if names is not None else protocol.bench
    wanted = set(names) if names is not None else None
    for k in rounds:
        for side in _round_order(sides, k):
            t0 = time.monotonic()
            progress(f"round {k + 1}: measuring {side.label} ({side.commit[:8]})")
            out_dir = workdir / side.label / f"round-{k:03d}"
            result = asvrun.run_round(
                side.tree,
                side.commit,
                out_dir,
                python=side.python,
                config=side.config,
                machine=protocol.machine,
                bench=bench,
                repeat=protocol.repeat,
                launch=protocol.launch,
                warmup=protocol.warmup,
                log=workdir / f"asv-{side.label}.log",
            )
            fresh = [
                m
                for m in read_result_file(result.result_file)
                if m.started_at is None or m.started_at >= result.started_at
            ]
            acc[side.label].add(fresh, wanted)
            progress(f"round {k + 1}: {side.label} done in {time.monotonic() - t0:.0f} s")


def _could_cross(ev: Evidence, *, one_session: bool) -> bool:
    """The estimate is at least half the threshold: more processes could take it past.
    Across sessions the session shift keeps the smallest detectable change near 13-15 %
    whatever the processes say, so there the estimate must be half of that."""
    reach = (
        math.log1p(ev.threshold)
        if one_session
        else math.log1p(max(ev.threshold, ev.min_detectable))
    )
    return abs(math.log(ev.ratio)) >= reach / 2


def is_suspect(c: Comparison, *, one_session: bool = True) -> bool:
    """Worth more processes: a flagged change (to confirm it), or an inconclusive one that
    could cross the threshold or whose first rounds were too disturbed to tell anything
    (they could detect only 3x the threshold or more: on a busy machine half the processes
    can be set aside, and the estimate of the rest says nothing). An inconclusive estimate
    near zero from calm rounds stays inconclusive: more processes would mostly confirm
    'no change'. Across sessions (``one_session`` False: a stored baseline) more
    processes cannot narrow the session shift: only estimates within reach of a verdict
    count there."""
    if c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT):
        return True
    if c.verdict is not Verdict.INCONCLUSIVE or c.evidence is None:
        return False
    ev = c.evidence
    return _could_cross(ev, one_session=one_session) or (
        one_session and ev.min_detectable >= 3 * ev.threshold
    )


def is_open(c: Comparison, *, one_session: bool = True) -> bool:
    """Still undecided after the extra rounds but within reach of a verdict: inconclusive,
    could cross, and the data could already detect a change under twice the threshold
    (two more processes a side narrow the interval by about a tenth: enough for a near
    miss, not for a disturbed benchmark)."""
    ev = c.evidence
    return (
        c.verdict is Verdict.INCONCLUSIVE
        and ev is not None
        and ev.min_detectable < 2 * ev.threshold
        and _could_cross(ev, one_session=one_session)
    )


def _pick(
    base: Sequence[Measurement],
    head: Sequence[Measurement],
    config: Config,
    rule: Callable[..., bool],
) -> list[str]:
    b, h = {m.name: m for m in base}, {m.name: m for m in head}
    return [
        c.name
        for c in compare(base, head, config)
        if rule(
            c,
            one_session=c.name in b
            and c.name in h
            and measured_together(b[c.name], h[c.name], config),
        )
    ]


def suspects(base: Sequence[Measurement], head: Sequence[Measurement], config: Config) -> list[str]:
    return _pick(base, head, config, is_suspect)


def still_open(
    base: Sequence[Measurement], head: Sequence[Measurement], config: Config
) -> list[str]:
    return _pick(base, head, config, is_open)


def measure(
    sides: Sequence[Side],
    workdir: Path,
    protocol: Protocol = Protocol(),
    *,
    config: Config | None = None,
    reference: Sequence[Measurement] = (),
    progress: Progress = lambda _msg: None,
) -> dict[str, list[Measurement]]:
    """Measure every side with the interleaved protocol; returns Measurements by side label.

    With two sides, suspects are judged base vs head. With one side, ``reference``
    (a stored baseline) plays the base: only the measured side gets extra rounds.
    """
    config = config or Config()
    session = uuid.uuid4().hex[:12]
    acc = {side.label: _Accumulator(session) for side in sides}
    run_rounds(sides, range(protocol.rounds), workdir, protocol, acc, progress=progress)
    result = {label: a.measurements() for label, a in acc.items()}
    stages = (
        (protocol.extra_rounds, suspects, "suspect(s)"),
        (protocol.final_rounds, still_open, "still open"),
    )
    done = protocol.rounds
    for n_rounds, pick, what in stages:
        if n_rounds == 0:
            break  # no second stage, no third
        if len(sides) == 2:
            base, head = (result[s.label] for s in sides)
        else:
            base, head = list(reference), result[sides[0].label]
        names = pick(base, head, config)
        if not names:
            break  # nothing left to settle
        progress(f"{len(names)} {what}: {n_rounds} more round(s) for them")
        run_rounds(
            sides,
            range(done, done + n_rounds),
            workdir,
            protocol,
            acc,
            names=names,
            progress=progress,
        )
        done += n_rounds
        result = {label: a.measurements() for label, a in acc.items()}
    return result
