"""comment.md: the pull-request summary. Verdict and score first, regressions next, the full
table last and collapsed; trimmed to GitHub's comment limit by cutting the full table only.
Every user-controlled string is rendered inert (no markup, no mentions, no references)."""

from __future__ import annotations

import math
import re

from perfkit.model import Comparison, Report, Verdict
from perfkit.report.json_report import PATH_KINDS, artifact_path, ranked_regressions

MARKER = "<!-- perfkit-report -->"
GITHUB_LIMIT = 65536
_SPECIAL = re.compile(r"([\\`*_{}\[\]()+\-.!|~>])")


def inert(text: str) -> str:
    """Plain text for Markdown/HTML: escape markup, break @mentions and #refs, one line."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    # a zero-width space after @ and # keeps GitHub from linking mentions and references
    return text.replace("@", "@\u200b").replace("#", "#\u200b").replace(":", "&#58;")


def pct(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:+.1f} %"


def change(c: Comparison) -> str:
    ev = c.evidence
    if ev is None:
        return "n/a"
    return f"{pct(c.change_percent)} [{pct((ev.ci_low - 1) * 100)}, {pct((ev.ci_high - 1) * 100)}]"


def _link(label: str, path: str | None, base_url: str | None) -> str:
    if not path:
        return ""
    url = f"{base_url.rstrip('/')}/{path}" if base_url else path
    return f"[{label}](<{url.replace('>', '%3E').replace(' ', '%20')}>)"


def _regression_line(c: Comparison, base_url: str | None) -> str:
    parts = [f"- **{inert(c.name)}**: {change(c)} ({c.severity.value if c.severity else '?'})"]
    if c.top_frames:
        parts.append(f"top grown frame: {inert(c.top_frames[0])}")
    links = [_link(label, artifact_path(c, key), base_url) for key, label in
             zip(PATH_KINDS, ("flamegraph", "CPU profile", "memory profile"), strict=True)]  # fmt: skip
    if any(links):
        parts.append(" · ".join(x for x in links if x))
    if c.memory:
        m = c.memory
        parts.append(f"heap peak (memray) {m.base_peak_bytes:,} → {m.head_peak_bytes:,} B")
    return "; ".join(parts)


def _row(c: Comparison) -> str:
    ev = c.evidence
    p = f"{ev.p_adjusted:.2g}" if ev else ""
    runs = f"{ev.n_base_runs}/{ev.n_head_runs}" if ev else ""
    return f"| {inert(c.name)} | {c.verdict.value} | {change(c)} | {p} | {runs} |"


def render_comment(report: Report, *, artifact_url: str | None = None, limit: int = GITHUB_LIMIT) -> str:
    g = report.gate
    head = [MARKER,
            f"## {'✅' if g.passed else '❌'} perfkit: gate {'passed' if g.passed else 'FAILED'} — "
            f"performance score {g.score:.1f} / 100 (minimum {g.min_score:g})",
            "", f"{inert(report.base_label)} → {inert(report.head_label)}"]  # fmt: skip
    for reason in g.reasons:
        head.append(f"- {inert(reason)}")
    body: list[str] = []
    regs = ranked_regressions(report)
    if regs:
        body += ["", f"### Regressions ({len(regs)})"] + [_regression_line(c, artifact_url) for c in regs]
    for verdict, title in ((Verdict.IMPROVEMENT, "Improvements"),):
        items = report.by_verdict(verdict)
        if items:
            body += ["", f"### {title} ({len(items)})"] + [f"- {inert(c.name)}: {change(c)}" for c in items]
    unsure = report.by_verdict(Verdict.INCONCLUSIVE)
    if unsure:
        body += ["", f"### Inconclusive ({len(unsure)})",
                 "Too noisy to tell at the threshold; the smallest change each could detect:"]
        body += [f"- {inert(c.name)}: {change(c)}, detectable ≥ {c.evidence.min_detectable * 100:.0f} %"
                 for c in unsure if c.evidence]  # fmt: skip
    broken = [c for c in report.comparisons
              if c.verdict in (Verdict.MISSING, Verdict.FAILED, Verdict.NOT_COMPARABLE)]  # fmt: skip
    if broken:
        body += ["", f"### Missing, failed or not comparable ({len(broken)})"]
        body += [f"- {inert(c.name)}: {c.verdict.value.replace('_', ' ')} — {inert(c.message)}" for c in broken]
    if report.warnings:
        body += ["", "### Warnings"] + [f"- {inert(w)}" for w in report.warnings]
    if artifact_url:
        body += ["", f"Full report: {_link('index.html', 'index.html', artifact_url)}"]
    return _with_table(head + body, report, limit)


def _with_table(lines: list[str], report: Report, limit: int) -> str:
    top = "\n".join(lines)
    rows = [_row(c) for c in report.comparisons]
    table_head = ["", "<details><summary>All benchmarks</summary>", "",
                  "| benchmark | verdict | change [CI] | p (adj.) | processes |", "|---|---|---|---|---|"]  # fmt: skip
    tail = ["", "</details>", ""]
    budget = limit - len(top) - len("\n".join(table_head + tail)) - 200
    kept: list[str] = []
    for row in rows:
        if budget - len(row) - 1 < 0:
            break
        kept.append(row)
        budget -= len(row) + 1
    cut = len(rows) - len(kept)
    note = ["", f"*{cut} more row(s) cut to stay within GitHub's comment size limit.*"] if cut else []
    text = "\n".join(lines + table_head + kept + note + tail)
    return text[:limit]
