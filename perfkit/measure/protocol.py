"""perfkit's measuring protocol: interleaved rounds of fresh processes, then more rounds,
a few at a time, only for the benchmarks whose verdict is not settled yet.

Why: on a shared machine one process's timings say little about the next process (a
fresh interpreter can run 1.3-1.8x slower for its whole life) and the machine drifts by
several percent within minutes. So

1. every round runs each benchmark once per side in a fresh process, alternating the
   order of the sides (A B, B A, A B, ...) so drift hits both sides alike and round k of
   the base can be paired with round k of the head;
2. after ``rounds`` rounds the statistics decide; then, in steps of ``step`` rounds (two:
   each side first once), every benchmark whose verdict is not settled gets more rounds
   and the verdict is taken again on all of them (:func:`plan_step`). Settled means the
   interval says it all: inside (-T, T) (unchanged), or a flagged change whose interval
   lies wholly beyond the threshold once confirmed (flagged at the previous look too, on
   twice the first rounds). A flag is always confirmed by as many processes again (that
   kills the false alarms a lucky process causes). An inconclusive benchmark gets more
   while its estimate could reach a flag within ``REACH`` times its cap of processes
   (:func:`rounds_to_flag`), or while its rounds were too disturbed to tell anything; an
   estimate near zero from calm rounds gets no more (more processes would mostly confirm
   "no change");
3. a benchmark stops at ``rounds + extra_rounds`` rounds, and the run stops when its
   processes reach ``budget`` times those of the first rounds: when the budget cannot
   cover every open benchmark, a step goes first to the flags still to confirm, then to
   the inconclusive ones nearest a flag (fewest processes needed), and last to confirmed
   flags still straddling the threshold.

Optional stopping (looking again after every step and stopping on what one sees) inflates
false alarms when a benchmark may stop *on a flag*: here one stops early only on
"unchanged" (which cannot raise a false alarm) or on a flag confirmed on twice the first
rounds whose interval, widened for the number of looks (Bonferroni), lies beyond the
threshold;
every other flag is judged once more at its last look. docs/measuring.md has the
simulation (stored runs and a noise model) that shows false alarms stay at the nominal
rate.

Each round is one asv invocation with its own results directory, so the samples of
every process stay apart (asv itself concatenates its rounds).
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scipy.special import ndtri  # not scipy.stats: its import alone costs ~0.5 s

from perfkit.config import Config
from perfkit.ingest.asv import read_result_file
from perfkit.measure import asvrun, preload
from perfkit.measure.sides import Side
from perfkit.model import Comparison, Direction, Evidence, Measurement, Spend, Verdict
from perfkit.verdict.stats import compare, measured_together

Progress = Callable[[str], None]
LAUNCH_METHODS = ("forkserver", "spawn")
# an inconclusive benchmark is worth more rounds while its estimate could reach a flag within
# REACH times its cap of processes (chosen on resampled stored processes: docs/measuring.md)
REACH = 2.5


@dataclass(frozen=True)
class Protocol:
    # Even numbers of rounds, so each side runs first in a round equally often (on this
    # machine the side measured first in a round came out ~1 % faster on average).
    rounds: int = 4  # first-stage processes per benchmark and side
    # at most this many more processes per side for a benchmark whose verdict is not
    # settled, ``step`` at a time (0: no sequential stage)
    extra_rounds: int = 10
    # the run's processes at most this many times those of the first rounds (1: none more).
    # 3 and 10 (2 and 8 before 2026-12-07, when a process cost a third more CPU): even
    # when every process of the budget is spent, about 3x the CPU of asv's default
    # measuring of the 12-body evaluation suite (docs/measuring.md "CPU per process")
    budget: float = 3.0
    step: int = 2  # rounds per look of the sequential stage (2: each side first once)
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
    # with the forkserver, set numba's compiler up once per round in asv's server (when the
    # suite imported numba) instead of in every forked process: about 0.6 s of CPU less per
    # process (docs/measuring.md "CPU per process"; perfkit/measure/preload.py); with
    # either launch method, time perfkit's calibration loop around every sample
    preload: bool = True
    bench: tuple[str, ...] = ()  # asv --bench regexes (empty: everything)
    machine: str | None = None  # asv --machine (None: as asv resolves it, by host name)

    def __post_init__(self) -> None:
        for name in ("rounds", "repeat", "step"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.extra_rounds < 0:
            raise ValueError(f"extra_rounds must be >= 0, got {self.extra_rounds}")
        if not self.budget >= 1:  # NaN too
            raise ValueError(f"budget must be >= 1 (times the first rounds), got {self.budget}")
        if self.launch not in LAUNCH_METHODS:
            raise ValueError(
                f"launch must be one of {', '.join(LAUNCH_METHODS)}, got {self.launch!r}"
            )

    @property
    def max_rounds(self) -> int:
        """Processes per side one benchmark can get in all."""
        return self.rounds + self.extra_rounds

    @property
    def looks(self) -> int:
        """How many times the verdict of one benchmark can be taken."""
        return 1 + math.ceil(self.extra_rounds / self.step)


class _Accumulator:
    """Collects the per-round result files of one side into Measurements with runs."""

    def __init__(self, session: str) -> None:
        self.session = session
        self.first: dict[str, Measurement] = {}
        self.runs: dict[str, list[tuple[float, ...]]] = {}
        self.calibration: dict[str, list[tuple[float, ...]]] = {}

    def add(
        self,
        measurements: Sequence[Measurement],
        wanted: set[str] | None,
        calibration: dict[tuple[str, tuple[float, ...]], tuple[float, ...]] | None = None,
    ) -> None:
        for m in measurements:
            if wanted is not None and m.name not in wanted:
                continue  # asv wrote a placeholder for a parameter combination not selected
            if m.name not in self.first or (m.error and not self.first[m.name].error):
                self.first[m.name] = m
            if m.ok:
                self.runs.setdefault(m.name, []).append(m.samples)
                cal = (calibration or {}).get((m.benchmark, m.samples), ())
                self.calibration.setdefault(m.name, []).append(cal)

    def measurements(self) -> list[Measurement]:
        out = []
        for name, m in self.first.items():
            runs = tuple(self.runs.get(name, ()))
            if m.error is None and not m.skipped and not runs:
                m = replace(m, error="no samples in any round")
            cal = tuple(self.calibration.get(name, ()))
            if not any(cal):
                cal = ()
            out.append(
                replace(m, runs=runs, runs_known=True, session=self.session, calibration=cal)
            )
        return out


def _round_order(sides: Sequence[Side], k: int) -> Sequence[Side]:
    return sides if k % 2 == 0 else list(reversed(sides))


def _discovery_name(side: Side) -> str:
    """Where a side keeps asv's discovery between its rounds: one file per commit, tree,
    config and interpreter, so nothing else (another commit measured under the same label
    in the same folder) ever reuses it."""
    key = "\0".join(str(x) for x in (side.commit, side.tree, side.config, side.python))
    return f"asv-discovered-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


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
                preload=protocol.preload,
                discovered=workdir / side.label / _discovery_name(side),
                log=workdir / f"asv-{side.label}.log",
            )
            fresh = [
                m
                for m in read_result_file(result.result_file)
                if m.started_at is None or m.started_at >= result.started_at
            ]
            acc[side.label].add(fresh, wanted, preload.calibration(out_dir))
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
    could cross the threshold or whose rounds so far were too disturbed to tell anything
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


def _worse(c: Comparison) -> tuple[float, float, float, float]:
    """Direction-aware log estimate, interval ends and threshold of ``c`` (positive: worse)."""
    ev = c.evidence
    assert ev is not None
    sign = -1.0 if c.direction is Direction.HIGHER_IS_BETTER else 1.0
    ends = sorted((sign * math.log(ev.ci_low), sign * math.log(ev.ci_high)))
    return sign * math.log(ev.ratio), ends[0], ends[1], math.log1p(ev.threshold)


def clear_flag(c: Comparison, looks: int) -> bool:
    """A flagged change whose interval, widened for ``looks`` looks at the same benchmark
    (Bonferroni: the two-sided level split between them), lies wholly beyond the
    threshold: no further process is likely to move its verdict."""
    if c.verdict not in (Verdict.REGRESSION, Verdict.IMPROVEMENT) or c.evidence is None:
        return False
    _w, lo, hi, t = _worse(c)
    alpha = 1.0 - c.evidence.confidence
    widen = ndtri(1 - alpha / (2 * max(looks, 1))) / ndtri(1 - alpha / 2)
    mid, half = (lo + hi) / 2, (hi - lo) / 2 * widen
    return mid - half >= t if c.verdict is Verdict.REGRESSION else mid + half <= -t


def _flagged(v: Verdict | None) -> bool:
    return v in (Verdict.REGRESSION, Verdict.IMPROVEMENT)


def rounds_to_flag(c: Comparison, done: int) -> float:
    """About how many processes a side the benchmark needs for its interval to clear zero
    (a flag) at its present estimate: the interval narrows as one over the square root of
    the processes (inf for an estimate of exactly zero)."""
    w, lo, hi, _t = _worse(c)
    half = (hi - lo) / 2
    return math.inf if w == 0 else done * (half / w) ** 2


def _confirmed(c: Comparison, done: int, protocol: Protocol, before: Verdict | None) -> bool:
    """A flag seen at the previous look too, on at least twice the first rounds: the
    processes that confirm it are as many as those that found it (a memory-bound body's
    processes can differ 10x on a loaded machine; four of them can look like a change)."""
    return before is c.verdict and done >= 2 * protocol.rounds


def wants_more(
    c: Comparison,
    done: int,
    protocol: Protocol,
    *,
    one_session: bool = True,
    before: Verdict | None = None,
) -> bool:
    """Whether a benchmark with ``done`` rounds a side gets the next step: its verdict is
    not settled (see the module's docstring) and it is under ``protocol.max_rounds``.
    ``before``: its verdict at the previous look (a flag is confirmed when it was there
    already)."""
    ev = c.evidence
    if done >= protocol.max_rounds or ev is None:
        return False
    if not all(math.isfinite(x) and x > 0 for x in (ev.ratio, ev.ci_low, ev.ci_high)):
        return False  # no interval to narrow (the verdict says why)
    if _flagged(c.verdict):
        return not (_confirmed(c, done, protocol, before) and clear_flag(c, protocol.looks))
    if c.verdict is not Verdict.INCONCLUSIVE:
        return False
    if not one_session:
        return is_suspect(c, one_session=False)
    return rounds_to_flag(c, done) <= REACH * protocol.max_rounds or (
        ev.min_detectable >= 3 * ev.threshold
    )


def priority(c: Comparison, done: int, protocol: Protocol, before: Verdict | None = None) -> tuple:
    """Sort key of an open benchmark (smallest first) when the budget cannot cover all:
    flags not yet confirmed (:func:`_confirmed`), then inconclusive ones by the processes
    they need to reach a verdict (:func:`rounds_to_flag`, fewest first), then confirmed
    flags straddling the threshold."""
    tier = (2 if _confirmed(c, done, protocol, before) else 0) if _flagged(c.verdict) else 1
    return (tier, rounds_to_flag(c, done) if tier == 1 else done, c.name)


def plan_step(
    comparisons: Sequence[Comparison],
    done: Mapping[str, int],
    protocol: Protocol,
    *,
    room: int,
    together: Callable[[str], bool] = lambda _name: True,
    before: Mapping[str, Verdict] | None = None,
) -> list[str]:
    """The benchmarks that get the next ``protocol.step`` rounds: those that want more
    (:func:`wants_more`), by :func:`priority`, as many as ``room`` (processes per side
    the run may still spend) allows. ``together(name)``: the sides were measured in one
    session (False: a stored baseline, where only estimates within reach count);
    ``before``: the verdicts of the previous look (None: this is the first)."""
    was = dict(before or {})
    open_ = [
        c
        for c in comparisons
        if c.name in done
        and wants_more(
            c, done[c.name], protocol, one_session=together(c.name), before=was.get(c.name)
        )
    ]
    open_.sort(key=lambda c: priority(c, done[c.name], protocol, was.get(c.name)))
    fits = max(room, 0) // protocol.step
    return [c.name for c in open_[:fits]]


def first_stage_processes(n_benchmarks: int, protocol: Protocol) -> int:
    return n_benchmarks * protocol.rounds


def allowed_processes(n_benchmarks: int, protocol: Protocol) -> int:
    """Processes per side the whole run may spend (first rounds included)."""
    first = first_stage_processes(n_benchmarks, protocol)
    return first if protocol.extra_rounds == 0 else math.floor(first * protocol.budget + 1e-9)


def spend_of(
    done: Mapping[str, int],
    comparisons: Sequence[Comparison],
    protocol: Protocol,
    *,
    sides: int,
    stopped_by_budget: Sequence[str] = (),
) -> Spend:
    """What the run spent, against its budget; ``stopped_by_budget``: benchmarks that
    still wanted rounds when the run's budget ran out."""
    open_at_cap = [
        c.name
        for c in comparisons
        if c.verdict is Verdict.INCONCLUSIVE
        and done.get(c.name, 0) >= protocol.max_rounds
        and protocol.extra_rounds > 0
    ]
    left = set(stopped_by_budget)
    return Spend(
        sides=sides,
        first_rounds=protocol.rounds,
        max_rounds=protocol.max_rounds,
        processes=sum(done.values()) * sides,
        budget=allowed_processes(len(done), protocol) * sides,
        rounds=tuple(sorted(done.items())),
        stopped_at_budget=tuple(
            c.name for c in comparisons if c.name in left and c.verdict is Verdict.INCONCLUSIVE
        ),
        stopped_at_cap=tuple(open_at_cap),
    )


@dataclass(frozen=True)
class Measured:
    """Measurements by side label, and what the protocol spent on them."""

    sides: dict[str, list[Measurement]]
    spend: Spend


def measure(
    sides: Sequence[Side],
    workdir: Path,
    protocol: Protocol = Protocol(),
    *,
    config: Config | None = None,
    reference: Sequence[Measurement] = (),
    progress: Progress = lambda _msg: None,
) -> dict[str, list[Measurement]]:
    """Measure every side with the interleaved protocol; returns Measurements by side label
    (:func:`measure_spent` also says what was spent)."""
    return measure_spent(
        sides, workdir, protocol, config=config, reference=reference, progress=progress
    ).sides


def measure_spent(
    sides: Sequence[Side],
    workdir: Path,
    protocol: Protocol = Protocol(),
    *,
    config: Config | None = None,
    reference: Sequence[Measurement] = (),
    progress: Progress = lambda _msg: None,
) -> Measured:
    """Measure every side with the interleaved protocol, then the sequential stage.

    With two sides, verdicts are taken base vs head. With one side, ``reference``
    (a stored baseline) plays the base: only the measured side gets more rounds.
    """
    config = config or Config()
    session = uuid.uuid4().hex[:12]
    acc = {side.label: _Accumulator(session) for side in sides}
    run_rounds(sides, range(protocol.rounds), workdir, protocol, acc, progress=progress)

    def current() -> tuple[list[Measurement], list[Measurement]]:
        if len(sides) == 2:
            return acc[sides[0].label].measurements(), acc[sides[1].label].measurements()
        return list(reference), acc[sides[0].label].measurements()

    def more(names: list[str], rounds: range) -> None:
        run_rounds(sides, rounds, workdir, protocol, acc, names=names, progress=progress)

    done = {m.name: protocol.rounds for m in acc[sides[-1].label].measurements()}
    spend = sequential(current, more, done, protocol, config, sides=len(sides), progress=progress)
    return Measured({label: a.measurements() for label, a in acc.items()}, spend)


def sequential(
    current: Callable[[], tuple[Sequence[Measurement], Sequence[Measurement]]],
    more: Callable[[list[str], range], None],
    done: dict[str, int],
    protocol: Protocol,
    config: Config,
    *,
    sides: int = 2,
    progress: Progress = lambda _msg: None,
) -> Spend:
    """The sequential stage after the first rounds: judge (``current()``: base and head as
    measured so far), pick the open benchmarks (:func:`plan_step`), measure ``protocol.step``
    more rounds of them (``more(names, rounds)``), again, until none is open or the
    budget is spent. ``done`` (rounds a side so far, by benchmark) is updated in place;
    returns what was spent. Pure but for ``more``: the evaluation replays it on stored
    processes (tools/detection_eval.py --replay)."""
    allowed, k = allowed_processes(len(done), protocol), protocol.rounds
    short: list[str] = []
    before: dict[str, Verdict] | None = None
    while True:
        base, head = current()
        comparisons = compare(base, head, config)
        if protocol.extra_rounds == 0:
            break
        b, h = {m.name: m for m in base}, {m.name: m for m in head}

        def together(name: str, b=b, h=h) -> bool:
            return name in b and name in h and measured_together(b[name], h[name], config)

        room = allowed - sum(done.values())
        wanted = plan_step(
            comparisons, done, protocol, room=10**9, together=together, before=before
        )
        short = wanted[max(room, 0) // protocol.step :]
        names = wanted[: len(wanted) - len(short)]
        before = {c.name: c.verdict for c in comparisons}
        if not names:
            break
        progress(
            f"{len(names)} not settled: {protocol.step} more round(s) for them "
            f"({sum(done.values()) + len(names) * protocol.step} of {allowed} processes a side)"
        )
        more(names, range(k, k + protocol.step))
        k += protocol.step
        for name in names:
            done[name] += protocol.step
    return spend_of(done, comparisons, protocol, sides=sides, stopped_by_budget=short)
