"""The terminal summary: one line per notable benchmark, plain text."""

from __future__ import annotations

from perfkit.model import Report, Verdict
from perfkit.report.json_report import ranked_regressions
from perfkit.report.markdown import change


def render_terminal(report: Report) -> str:
    g = report.gate
    counts = ", ".join(f"{len(report.by_verdict(v))} {v.value}" for v in Verdict if report.by_verdict(v))
    lines = [f"perfkit: {report.base_label} -> {report.head_label}",
             f"score {g.score:.1f}/100 · {counts or 'nothing compared'}"]  # fmt: skip
    for c in ranked_regressions(report):
        frame = f"  [{c.top_frames[0]}]" if c.top_frames else ""
        lines.append(f"  REGRESSION {c.severity.value if c.severity else ''}: {c.name}  {change(c)}{frame}")
    for c in report.by_verdict(Verdict.IMPROVEMENT):
        lines.append(f"  improvement: {c.name}  {change(c)}")
    for v in (Verdict.FAILED, Verdict.MISSING, Verdict.NOT_COMPARABLE):
        for c in report.by_verdict(v):
            lines.append(f"  {v.value.upper()}: {c.name}: {c.message}")
    for w in report.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)
