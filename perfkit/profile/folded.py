"""Folded stacks (py-spy ``--format raw``): parse, cut at the measured region, normalise
per call, and diff base against head."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from perfkit.errors import ProfilerError

REGION = "measured_region ("

Stack = tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """Samples per stack (root first, starting below the measured region) for one side."""

    stacks: Mapping[Stack, float]
    calls: int  # body calls made while sampling
    rate: int  # samples per second

    @property
    def total(self) -> float:
        return float(sum(self.stacks.values()))

    def per_call(self) -> dict[Stack, float]:
        """Seconds per body call spent in each stack."""
        return {s: n / self.rate / max(self.calls, 1) for s, n in self.stacks.items()}


def _clean(frame: str, prefixes: Iterable[str]) -> str:
    for prefix in prefixes:
        frame = frame.replace(prefix, "")
    return frame


def parse(text: str, *, source: str, strip_prefixes: Iterable[str] = ()) -> dict[Stack, float]:
    """Stacks inside the measured region; everything else (imports, setup, JIT) is dropped."""
    prefixes = [p.rstrip("/") + "/" for p in strip_prefixes]
    stacks: dict[Stack, float] = defaultdict(float)
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = float(count)
        except ValueError:
            raise ProfilerError(f"{source}: line {lineno} is not a folded stack") from None
        frames = stack.split(";")
        cut = next((i for i, f in enumerate(frames) if f.startswith(REGION)), None)
        if cut is None:
            continue
        body = tuple(_clean(f, prefixes) for f in frames[cut + 1 :]) or ("(region)",)
        stacks[body] += n
    return dict(stacks)


def self_time(per_call: Mapping[Stack, float]) -> dict[str, float]:
    """Time per call by leaf frame (where the time was spent, not who called)."""
    out: dict[str, float] = defaultdict(float)
    for stack, t in per_call.items():
        out[stack[-1]] += t
    return dict(out)


@dataclass(frozen=True)
class GrownFrame:
    frame: str
    base_seconds: float  # self time per call
    head_seconds: float

    @property
    def delta(self) -> float:
        return self.head_seconds - self.base_seconds


def top_grown(base: Profile, head: Profile, n: int = 5) -> list[GrownFrame]:
    """Frames whose self time per call grew most from base to head, largest first."""
    b, h = self_time(base.per_call()), self_time(head.per_call())
    frames = [GrownFrame(f, b.get(f, 0.0), h.get(f, 0.0)) for f in b.keys() | h.keys()]
    grown = [g for g in frames if g.delta > 0]
    return sorted(grown, key=lambda g: (-g.delta, g.frame))[:n]
