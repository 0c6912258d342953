"""index.html: one self-contained page rendered by Jinja2 (autoescape always on).

The template gets view records whose text is already formatted but not escaped (Jinja
escapes it); links to artifacts are percent-encoded relative paths; plots are ``data:``
PNGs. A Content-Security-Policy lets the page run only its own inline script and style,
show only ``data:`` images and frame only local files (the flamegraph preview).
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from perfkit.model import Artifact, ArtifactKind, Comparison, Report
from perfkit.report import escape, figures, plots, ranking
from perfkit.report.profile_paths import KEYS, profile_path
from perfkit.report.renderer import Samples, register

CARD_LIMIT = 100  # cards per section (the worst first); every comparison stays in the table

_ENV = Environment(
    loader=PackageLoader("perfkit", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "frame-src 'self' file:; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Card:
    """A regression or improvement with what explains it."""

    comparison: Comparison
    change: str
    links: tuple[Link, ...]
    preview: Link | None  # the flamegraph to embed (the differential one when there is one)
    plot: plots.Plot | None
    memory: str


def _num(x: float | None) -> str:
    return repr(float(x)) if figures.finite(x) else ""


def _esc(text: str) -> str:
    """What Jinja's autoescape makes of a string (markupsafe's five characters), without a
    Markup object per value: 22,000 table rows are 500,000 values."""
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_NO_EVIDENCE = '<td class="num" data-v=""></td>' * 9


def _cells(c: Comparison) -> str:
    """The nine numeric cells of a comparison: its evidence formatted, with numeric sort
    keys (``data-v``). Numbers need no escaping; what holds a unit or ``<`` is escaped."""
    ev = c.evidence
    if ev is None:
        return _NO_EVIDENCE
    change, unit = c.change_percent, c.unit
    runs, samples = ev.n_base_runs + ev.n_head_runs, ev.n_base_samples + ev.n_head_samples
    return (
        f'<td class="num" data-v="{_num(change)}">{figures.pct(change) if figures.finite(change) else ""}</td>'
        f'<td class="num" data-v="{_num(figures.ratio_pct(ev.ci_low))}">{figures.interval(ev)}</td>'
        f'<td class="num" data-v="{_num(ev.p_adjusted)}">{_esc(figures.p_value(ev.p_adjusted))}</td>'
        f'<td class="num" data-v="{_num(ev.threshold)}">{figures.fraction(ev.threshold)}</td>'
        f'<td class="num" data-v="{_num(ev.min_detectable)}">{figures.fraction(ev.min_detectable)}</td>'
        f'<td class="num" data-v="{_num(runs)}">{ev.n_base_runs}/{ev.n_head_runs}</td>'
        f'<td class="num" data-v="{_num(samples)}">{ev.n_base_samples}/{ev.n_head_samples}</td>'
        f'<td class="num" data-v="{_num(ev.base_location)}">{_esc(figures.quantity(ev.base_location, unit))}</td>'
        f'<td class="num" data-v="{_num(ev.head_location)}">{_esc(figures.quantity(ev.head_location, unit))}</td>'
    )


def rows_html(comparisons: list[Comparison]) -> Markup:
    """The table's rows in one pass, each value escaped as the template would escape it."""
    out = []
    for c in comparisons:
        v = _esc(c.verdict.value)
        verdict = ranking.label(c.verdict) + (f" ({c.severity.value})" if c.severity else "")
        out.append(
            f'<tr class="{v}" data-verdict="{v}"><td class="name">{_esc(c.name)}</td>'
            f'<td>{_esc(verdict)}</td>{_cells(c)}<td class="muted why">{_esc(c.message)}</td></tr>\n'
        )
    return Markup("".join(out))


def _link(a: Artifact) -> Link:
    label = a.description or (f"{a.kind.value} ({a.side})" if a.side else a.kind.value)
    return Link(label, escape.url_path(a.path))


def _links(c: Comparison) -> tuple[Link, ...]:
    return tuple(_link(a) for a in c.artifacts)


def _memory(c: Comparison) -> str:
    m = c.memory
    if m is None:
        return ""
    return (
        f"heap peak {figures.quantity(m.base_peak_bytes, 'bytes')} → {figures.quantity(m.head_peak_bytes, 'bytes')}, "
        f"allocations {m.base_allocations:,} → {m.head_allocations:,} (memray, one call of the body)"
    )


def _preview(c: Comparison) -> Link | None:
    path = profile_path(c, KEYS[0])
    if path is None:
        return None
    diff = any(a.kind is ArtifactKind.DIFF_FLAMEGRAPH and a.path == path for a in c.artifacts)
    return Link("differential flamegraph" if diff else "flamegraph", escape.url_path(path))


def card(c: Comparison, plot: plots.Plot | None) -> Card:
    return Card(
        c,
        f"{figures.change(c)}{figures.direction_note(c)}",
        _links(c),
        _preview(c),
        plot,
        _memory(c),
    )


def _environment(report: Report) -> list[tuple[str, str, str, bool]]:
    base, head = report.environment_info.get("base", {}), report.environment_info.get("head", {})
    keys = sorted(set(base) | set(head))
    return [(k, base.get(k, ""), head.get(k, ""), base.get(k) != head.get(k)) for k in keys]


def render_html(report: Report, samples: Samples | None = None) -> str:
    regs, imps = ranking.ranked_regressions(report), ranking.ranked_improvements(report)
    carded = [*regs[:CARD_LIMIT], *imps[:CARD_LIMIT]]
    dist = plots.distributions(carded, samples or {})
    rows = ranking.table_order(report.comparisons)
    return _ENV.get_template("report.html.j2").render(
        report=report,
        csp=CSP,
        counts=[(v.value, ranking.label(v), n) for v, n in ranking.counts(report)],
        regressions=[card(c, dist.get(c.name)) for c in regs[:CARD_LIMIT]],
        improvements=[card(c, dist.get(c.name)) for c in imps[:CARD_LIMIT]],
        n_regressions=len(regs),
        n_improvements=len(imps),
        plots_cut=max(0, len(carded) - plots.MAX_DISTRIBUTIONS),
        forest=plots.forest(report.comparisons),
        n_rows=len(rows),
        rows_html=rows_html(rows),
        environment=_environment(report),
        confidence=figures.confidence(
            next((c.evidence for c in report.comparisons if c.evidence), None)
        ),
    )


class HtmlRenderer:
    name = "html"
    filename = "index.html"

    def render(self, report: Report, samples: Samples) -> str:
        return render_html(report, samples)


register(HtmlRenderer())
