"""matplotlib figures for the HTML report, as base64 PNG data URIs (no external files)."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from perfkit.model import Comparison, Measurement, Verdict  # noqa: E402

MAX_FOREST = 60
COLOURS = {Verdict.REGRESSION: "#c62828", Verdict.IMPROVEMENT: "#2e7d32",
           Verdict.INCONCLUSIVE: "#f9a825", Verdict.UNCHANGED: "#607d8b"}  # fmt: skip


def _data_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _short(name: str, n: int = 70) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def forest(comparisons: Sequence[Comparison]) -> str | None:
    """Change with its interval for every compared benchmark (the most changed first)."""
    rows = [c for c in comparisons if c.evidence is not None and math.isfinite(c.evidence.ratio)]
    if not rows:
        return None
    rows = sorted(rows, key=lambda c: -abs(math.log(c.evidence.ratio)))[:MAX_FOREST][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.2))
    for i, c in enumerate(rows):
        ev = c.evidence
        colour = COLOURS.get(c.verdict, "#607d8b")
        ax.plot([(ev.ci_low - 1) * 100, (ev.ci_high - 1) * 100], [i, i], color=colour, lw=2)
        ax.plot([(ev.ratio - 1) * 100], [i], "o", color=colour, ms=4)
    t = rows[0].evidence.threshold * 100
    for x in (-t, t):
        ax.axvline(x, color="#999", ls=":", lw=1)
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_yticks(range(len(rows)), [_short(c.name) for c in rows], fontsize=7)
    ax.set_xlabel("change of the raw value, head vs base (%), with its interval")
    title = "All compared benchmarks" if len(rows) < MAX_FOREST else f"The {MAX_FOREST} most changed benchmarks"
    ax.set_title(title, fontsize=10)
    return _data_uri(fig)


def distribution(c: Comparison, base: Measurement | None, head: Measurement | None) -> str | None:
    """Samples of each process, base vs head, for one benchmark."""
    if base is None or head is None or not base.samples or not head.samples:
        return None
    fig, ax = plt.subplots(figsize=(6, 2.6))
    for side, m, colour in ((0, base, "#1565c0"), (1, head, "#c62828")):
        for k, run in enumerate(m.runs):
            offset = side + (k - (len(m.runs) - 1) / 2) * 0.6 / max(len(m.runs), 1)
            ax.plot([offset] * len(run), run, "o", color=colour, alpha=0.6, ms=3)
    ax.set_xticks([0, 1], [f"base ({len(base.runs)} processes)", f"head ({len(head.runs)} processes)"])
    ax.set_ylabel(c.unit)
    ax.set_title(_short(c.name, 80), fontsize=9)
    return _data_uri(fig)


def distributions(comparisons: Sequence[Comparison],
                  samples: Mapping[str, tuple[Measurement | None, Measurement | None]],
                  limit: int = 24) -> dict[str, str]:  # fmt: skip
    out = {}
    notable = [c for c in comparisons if c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)]
    for c in notable[:limit]:
        uri = distribution(c, *samples.get(c.name, (None, None)))
        if uri:
            out[c.name] = uri
    return out
