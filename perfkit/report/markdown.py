"""comment.md: the pull-request summary.

Layout: a hidden marker line, the gate verdict and score on one line, the labels and
counts, why the gate failed, then regressions (change with interval, severity, top grown
frame, artifact links), improvements, inconclusive ones (with the smallest change the data
could have detected), missing/failed/not-comparable with their messages, warnings, the link
to the full report, and the full table collapsed in ``<details>``.

The text stays within ``limit`` characters (GitHub rejects comments over 65,536): space goes
to the regressions first, then to the other sections, and the full table takes what is left
(saying how many rows were cut). Regressions are shortened (links and frames dropped) only
if they alone would not fit, and cut only as a last resort with a note. Every
user-controlled string goes through ``escape.markdown``.
"""

from __future__ import annotations

from perfkit.errors import ConfigError
from perfkit.model import Comparison, Report, Verdict
from perfkit.report import escape, figures, ranking
from perfkit.report.profile_paths import KEYS, LABELS, profile_path
from perfkit.report.renderer import Samples, register
from perfkit.report.section import Section, first_items, fit

MARKER = "<!-- perfkit-report -->"
GITHUB_LIMIT = 65536
NAME_LIMIT = 300  # characters of a name shown (the full name is in report.json)
TEXT_LIMIT = 500  # characters of a message or warning shown
# who gets the room first when the comment would exceed the limit
PRIORITY = (
    "regressions",
    "reasons",
    "broken",
    "warnings",
    "link",
    "improvements",
    "inconclusive",
    "table",
)
TABLE_HEAD = (
    "| benchmark | verdict | change [interval] | p (adj.) | processes base/head |",
    "|---|---|---|---|---|",
)


def md(text: object, limit: int = NAME_LIMIT) -> str:
    return escape.markdown(text, limit)


def _link(label: str, path: str, base_url: str | None) -> str:
    target = escape.url_path(path)
    url = f"{base_url.rstrip('/')}/{target}" if base_url else target
    return f"[{label}]({url})"


def check_artifact_url(url: str | None) -> str | None:
    """An http(s) URL without characters that would end a Markdown link (or None)."""
    if url is None:
        return None
    if not url.startswith(("https://", "http://")) or any(ch in url for ch in " \t\r\n<>()[]`\"'"):
        raise ConfigError(
            f"artifact URL {escape.plain(url, 80)!r}: expected an http(s) URL without spaces, quotes, brackets or parentheses"
        )
    return url


def regression_item(c: Comparison, base_url: str | None, compact: bool = False) -> str:
    sev = c.severity.value if c.severity else "severity unknown"
    line = f"- **{md(c.name)}**: {figures.change(c)} ({sev}{figures.direction_note(c, '; ', '')})"
    if compact:
        return line
    parts = [line]
    if c.top_frames:
        parts.append(f"top grown frame: {md(c.top_frames[0])}")
    links = [_link(LABELS[k], p, base_url) for k in KEYS if (p := profile_path(c, k))]
    if links:
        parts.append(" · ".join(links))
    if c.memory:
        m = c.memory
        parts.append(f"heap peak (memray) {m.base_peak_bytes:,} → {m.head_peak_bytes:,} B")
    return "; ".join(parts)


def _regressions(report: Report, base_url: str | None, limit: int) -> Section:
    regs = ranking.ranked_regressions(report)
    confidence = figures.confidence(regs[0].evidence) if regs else ""
    return Section(
        title=f"### Regressions ({len(regs)})",
        intro=(f"Change of head vs base with its {confidence} interval, most severe first.",),
        items=first_items((regression_item(c, base_url) for c in regs), limit),
        compact_items=first_items(
            (regression_item(c, base_url, compact=True) for c in regs), limit
        ),
        more="{n} more regression(s) are listed in the full report.",
        total=len(regs),
    )


def _reasons(report: Report) -> Section:
    return Section(
        title="",
        items=tuple(f"- {md(r, TEXT_LIMIT)}" for r in report.gate.reasons),
        more="- …and {n} more reason(s) in the full report.",
    )


def _improvements(report: Report, limit: int) -> Section:
    imps = ranking.ranked_improvements(report)
    items = (f"- {md(c.name)}: {figures.change(c)}{figures.direction_note(c)}" for c in imps)
    return Section(
        title=f"### Improvements ({len(imps)})",
        items=first_items(items, limit),
        total=len(imps),
    )


def _inconclusive(report: Report, limit: int) -> Section:
    found = report.by_verdict(Verdict.INCONCLUSIVE)
    items = (
        f"- {md(c.name)}: {figures.change(c)}; smallest detectable change "
        f"{figures.fraction(c.evidence.min_detectable if c.evidence else None)}"
        for c in found
    )
    return Section(
        title=f"### Inconclusive ({len(found)})",
        intro=(
            "Too noisy to tell at the threshold; the smallest change each could have detected is given.",
        ),
        items=first_items(items, limit),
        total=len(found),
    )


def _broken(report: Report, limit: int) -> Section:
    found = ranking.broken(report)
    items = (
        f"- {md(c.name)}: {ranking.label(c.verdict)} — {md(c.message or 'no message', TEXT_LIMIT)}"
        for c in found
    )
    return Section(
        title=f"### Missing, failed or not comparable ({len(found)})",
        items=first_items(items, limit),
        total=len(found),
    )


def _warnings(report: Report) -> Section:
    return Section(
        title="### Warnings", items=tuple(f"- {md(w, TEXT_LIMIT)}" for w in report.warnings)
    )


def _full_report(base_url: str | None) -> Section:
    if base_url:
        line = f"Full report: {_link('index.html', 'index.html', base_url)} · {_link('report.json', 'report.json', base_url)}"
    else:
        line = "Full report: `index.html` and `report.json` next to this comment."
    return Section(title="", items=(line,))


def table_row(c: Comparison) -> str:
    ev = c.evidence
    p = figures.p_value(ev.p_adjusted) if ev else ""
    runs = f"{ev.n_base_runs}/{ev.n_head_runs}" if ev else ""
    return f"| {md(c.name)} | {ranking.label(c.verdict)} | {figures.change(c)} | {p} | {runs} |"


def _table(report: Report, limit: int) -> Section:
    ordered = ranking.table_order(report.comparisons)
    return Section(
        title="",
        intro=(f"<details><summary>All benchmarks ({len(ordered)})</summary>", "", *TABLE_HEAD),
        items=first_items((table_row(c) for c in ordered), limit),
        outro=("", "</details>"),
        more="\n*{n} more row(s) cut to stay within GitHub's comment size limit; see the full report.*",
        total=len(ordered),
    )


def side_lines(report: Report) -> list[str]:
    """What each side measured (its provenance, when perfkit built the sides)."""
    out = []
    for label in ("base", "head"):
        env = report.environment_info.get(label, {})
        if "side.commit" not in env:
            continue
        packages = [
            f"{k.removeprefix('side.package.')} {v}"
            for k, v in env.items()
            if k.startswith("side.package.")
        ]
        out.append(
            f"- {label}: {md(env['side.commit'][:12])} in {md(env.get('side.environment', '?'))}"
            + "".join(f"; {md(p, TEXT_LIMIT)}" for p in packages)
        )
    return out


def _header(report: Report) -> str:
    g = report.gate
    mark, word = ("✅", "passed") if g.passed else ("❌", "FAILED")
    counts = ranking.summary(report)
    sides = side_lines(report)
    return "\n".join(
        [
            MARKER,
            f"## {mark} perfkit: gate {word} — performance score {g.score:.1f} / 100 (minimum {g.min_score:g})",
            "",
            f"{md(report.base_label)} → {md(report.head_label)} · {counts}",
            *(["", "Measured:", *sides] if sides else []),
        ]
    )


def render_comment(
    report: Report, *, artifact_url: str | None = None, limit: int = GITHUB_LIMIT
) -> str:
    """comment.md for ``report``, at most ``limit`` characters (see the module docstring)."""
    base_url = check_artifact_url(artifact_url)
    layout = {  # in reading order
        "reasons": _reasons(report),
        "regressions": _regressions(report, base_url, limit),
        "improvements": _improvements(report, limit),
        "inconclusive": _inconclusive(report, limit),
        "broken": _broken(report, limit),
        "warnings": _warnings(report),
        "link": _full_report(base_url),
        "table": _table(report, limit),
    }
    return fit(_header(report), layout, PRIORITY, limit) + "\n"


class MarkdownRenderer:
    name = "markdown"
    filename = "comment.md"

    def render(self, report: Report, samples: Samples) -> str:
        return render_comment(report)


register(MarkdownRenderer())
