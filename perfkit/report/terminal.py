"""The terminal summary: what regressed and why the gate says what it says, in plain text.

No ANSI escapes unless ``color=True`` (the CLI passes ``use_color(sys.stdout)``: a tty, no
``NO_COLOR``, not ``TERM=dumb``). Names go through ``escape.plain``, so a benchmark name
cannot inject escape sequences into the terminal. Long lists are capped: the worst
``REGRESSION_LIMIT`` regressions and ``LIST_LIMIT`` entries of every other list, then a
count (the full lists stay in the report).
"""

from __future__ import annotations

import os
from typing import TextIO

from perfkit.ingest.jsonfile import shown
from perfkit.model import Comparison, Report, Spend, Verdict
from perfkit.report import escape, figures, ranking
from perfkit.report.renderer import Samples, register

LIST_LIMIT = 15  # items shown per non-regression list
REGRESSION_LIMIT = 40  # regressions shown (worst first); a suite-wide shift lists thousands
COLOURS = {"red": "31", "green": "32", "yellow": "33", "bold": "1"}


def use_color(stream: TextIO) -> bool:
    """Colour only for a terminal that wants it (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _paint(text: str, colour: str, on: bool) -> str:
    return f"\x1b[{COLOURS[colour]}m{text}\x1b[0m" if on else text


def _name(name: str) -> str:
    """A benchmark name on one line, its control characters shown as escapes (``\\n``,
    ``\\x1b``) so two hostile names stay apart and nothing reaches the terminal raw."""
    return escape.plain(shown(name))


def _capped(lines: list[str], total: int) -> list[str]:
    return (
        lines
        if total <= LIST_LIMIT
        else [*lines[:LIST_LIMIT], f"    … {total - LIST_LIMIT} more in the report"]
    )


def _regressions(report: Report, color: bool) -> list[str]:
    out = []
    ranked = ranking.ranked_regressions(report)
    for c in ranked[:REGRESSION_LIMIT]:
        sev = c.severity.value if c.severity else "?"
        out.append(f"  {_paint(f'{sev:<8}', 'red', color)} {figures.change(c):<30} {_name(c.name)}")
        if c.top_frames:
            out.append(f"  {'':<8} top grown frame: {escape.plain(c.top_frames[0], 200)}")
    if len(ranked) > REGRESSION_LIMIT:
        out.append(f"    … {len(ranked) - REGRESSION_LIMIT} more regressions in the report")
    return out


def _listing(title: str, comps: list[Comparison], line, colour: str, color: bool) -> list[str]:
    if not comps:
        return []
    body = [line(c) for c in comps[:LIST_LIMIT]]
    return [_paint(f"{title} ({len(comps)})", colour, color), *_capped(body, len(comps))]


def spend_line(s: Spend) -> str:
    """One line: the processes the protocol spent against its budget, and what it left open."""
    line = f"measuring: spent {s.processes} of {s.budget} processes"
    if s.rounds:
        most = max(n for _name, n in s.rounds)
        line += f" ({s.first_rounds}-{most} a side per benchmark, at most {s.max_rounds})"
    if s.stopped_at_budget:
        n = len(s.stopped_at_budget)
        line += f"; {n} benchmarks stopped at the budget, still inconclusive"
    if s.stopped_at_cap:
        line += f"; {len(s.stopped_at_cap)} still inconclusive after {s.max_rounds} a side"
    return line


def render_terminal(report: Report, *, color: bool = False) -> str:
    g = report.gate
    counts = ranking.summary(report)
    verdict = _paint("passed" if g.passed else "FAILED", "green" if g.passed else "red", color)
    lines = [
        f"perfkit: {escape.plain(report.base_label, 120)} -> {escape.plain(report.head_label, 120)}",
        f"score {g.score:.1f}/100 (minimum {g.min_score:g}) · gate {verdict} · {counts}",
    ]
    if report.spend is not None:
        lines.append(spend_line(report.spend))
    regs = _regressions(report, color)
    if regs:
        lines += [
            _paint(f"Regressions ({len(report.by_verdict(Verdict.REGRESSION))})", "red", color),
            *regs,
        ]
    lines += _listing(
        "Improvements",
        ranking.ranked_improvements(report),
        lambda c: f"  {figures.change(c):<39} {_name(c.name)}",
        "green",
        color,
    )
    lines += _listing(
        "Inconclusive (smallest detectable change)",
        list(report.by_verdict(Verdict.INCONCLUSIVE)),
        lambda c: (
            f"  {figures.fraction(c.evidence.min_detectable if c.evidence else None):<39} "
            f"{_name(c.name)}"
        ),
        "yellow",
        color,
    )
    lines += _listing(
        "Missing, failed or not comparable",
        ranking.broken(report),
        lambda c: (
            f"  {ranking.label(c.verdict).upper():<15} {_name(c.name)}: "
            f"{escape.plain(c.message, 200)}"
        ),
        "red",
        color,
    )
    if report.warnings:
        lines += [
            _paint("Warnings", "yellow", color),
            *(f"  {escape.plain(w, 300)}" for w in report.warnings),
        ]
    return "\n".join(lines)


class TerminalRenderer:
    name = "terminal"
    filename = None

    def render(self, report: Report, samples: Samples) -> str:
        return render_terminal(report)


register(TerminalRenderer())
