"""matplotlib figures for index.html, rendered with the Agg backend straight to base64 PNG
``data:`` URIs, so the page needs no other file (and no pyplot global state is touched).

- ``distribution``: one benchmark's samples, base vs head, one box + points per measuring
  process when the process boundaries are known (the unit of evidence), else per side.
- ``forest``: every compared benchmark's change with its interval, capped at ``MAX_FOREST``
  rows (regressions and improvements first, then the most changed) for large runs.
Labels are drawn with mathtext off, so a ``$`` in a benchmark name is just a character.
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from perfkit.model import Comparison, Measurement, Verdict
from perfkit.report import escape, figures

MAX_FOREST = 80
MAX_DISTRIBUTIONS = 12  # 0.15-0.2 s of CPU each (matplotlib), whatever the size of the run
BASE_COLOUR, HEAD_COLOUR = "#1565c0", "#c62828"
COLOURS = {
    Verdict.REGRESSION: "#c62828",
    Verdict.IMPROVEMENT: "#2e7d32",
    Verdict.INCONCLUSIVE: "#e0a100",
    Verdict.UNCHANGED: "#78909c",
}
_STYLE = {
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_SCALES = {
    "seconds": ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")),
    "bytes": ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B")),
}


@dataclass(frozen=True)
class Plot:
    uri: str  # data:image/png;base64,...
    alt: str
    note: str = ""  # e.g. "the 80 most changed of 3,000 benchmarks"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs for exotic names are not an error
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _scale(unit: str, typical: float) -> tuple[float, str]:
    options = _SCALES.get(unit)
    if not options:
        return 1.0, unit
    return next(((s, n) for s, n in options if abs(typical) >= s), options[-1])


def _groups(m: Measurement) -> list[tuple[float, ...]]:
    return [run for run in m.runs if run] if m.runs_known else [m.samples]


def distribution(c: Comparison, base: Measurement | None, head: Measurement | None) -> Plot | None:
    """Samples per process, base (blue) then head (red); None without samples on both sides."""
    if base is None or head is None or not base.samples or not head.samples:
        return None
    groups = {"base": _groups(base), "head": _groups(head)}
    scale, unit = _scale(c.unit, sorted(base.samples)[len(base.samples) // 2])
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(min(10.0, 3.6 + 0.3 * sum(map(len, groups.values()))), 2.8))
        ax = fig.add_subplot()
        ticks, labels, start = [], [], 0.0
        for (label, m), colour in zip(
            (("base", base), ("head", head)), (BASE_COLOUR, HEAD_COLOUR), strict=True
        ):
            n = len(groups[label])
            _draw_side(ax, [[x / scale for x in g] for g in groups[label]], start, colour)
            ticks.append(start + (n - 1) / 2)
            labels.append(
                f"{label}: {n} processes"
                if m.runs_known
                else f"{label}: {len(m.samples)} samples\n(processes not recorded)"
            )
            start += n + 0.8
        ax.set_xticks(ticks, labels)
        ax.set_ylabel(unit)
        ax.set_title(f"{escape.plain(c.name, 90)}\n{figures.change(c)}", fontsize=9)
        return Plot(_png(fig), f"samples per process, base vs head: {escape.plain(c.name)}")


def _draw_side(ax, groups: list[list[float]], start: float, colour: str) -> None:
    """A box per process (quartiles, median, whiskers to the furthest sample within 1.5
    IQR, as matplotlib's boxplot draws them) and its samples as points, each kind of
    mark one artist for all processes: per-process artists cost milliseconds each."""
    positions = np.arange(len(groups), dtype=float) + start
    stats = np.array([_box(g) for g in groups])  # rows: low, q1, median, q3, high
    low, q1, median, q3, high = stats.T
    ax.bar(
        positions,
        q3 - q1,
        width=0.6,
        bottom=q1,
        color=colour + "22",
        edgecolor=colour,
        linewidth=1,
        zorder=2,
    )
    ax.hlines(median, positions - 0.3, positions + 0.3, colors=colour, lw=2, zorder=2.5)
    ax.vlines(np.r_[positions, positions], np.r_[low, q3], np.r_[q1, high], colors=colour, lw=1)
    ax.hlines(
        np.r_[low, high],
        np.r_[positions, positions] - 0.15,
        np.r_[positions, positions] + 0.15,
        colors=colour,
        lw=1,
    )
    xs: list[float] = []
    ys: list[float] = []
    for pos, g in zip(positions.tolist(), groups, strict=True):
        offsets = [0.0] if len(g) == 1 else [-0.2 + 0.4 * k / (len(g) - 1) for k in range(len(g))]
        xs += [pos + o for o in offsets]
        ys += g
    ax.plot(np.array(xs), np.array(ys), "o", color=colour, alpha=0.6, ms=3, zorder=3)


def _box(group: list[float]) -> tuple[float, float, float, float, float]:
    """Whisker ends, quartiles and median of one process's samples (matplotlib's rule)."""
    x = np.asarray(group, dtype=float)
    q1, median, q3 = np.percentile(x, [25, 50, 75])
    iqr = q3 - q1
    low = x[x >= q1 - 1.5 * iqr].min()
    high = x[x <= q3 + 1.5 * iqr].max()
    return float(min(low, q1)), float(q1), float(median), float(q3), float(max(high, q3))


def _forest_rows(comparisons: Sequence[Comparison], cap: int) -> list[Comparison]:
    rows = [
        c
        for c in comparisons
        if c.evidence is not None and figures.finite(c.evidence.ratio) and c.evidence.ratio > 0
    ]
    if len(rows) <= cap:
        return rows
    notable = {Verdict.REGRESSION: 0, Verdict.IMPROVEMENT: 1}
    ranked = sorted(
        rows, key=lambda c: (notable.get(c.verdict, 2), -abs(math.log(c.evidence.ratio)))
    )
    return ranked[:cap]


def forest(comparisons: Sequence[Comparison], cap: int = MAX_FOREST) -> Plot | None:
    """Change with its interval per benchmark, largest increase on top."""
    rows = _forest_rows(comparisons, cap)
    if not rows:
        return None
    total = len(_forest_rows(comparisons, len(comparisons)))
    rows = sorted(rows, key=lambda c: c.evidence.ratio)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(9.5, 0.24 * len(rows) + 1.3))
        ax = fig.add_subplot()
        by_colour: dict[str, tuple[list, list, list]] = {}  # one artist per colour, not per row
        for i, c in enumerate(rows):
            ev = c.evidence
            intervals, points, ys = by_colour.setdefault(
                COLOURS.get(c.verdict, "#78909c"), ([], [], [])
            )
            lo, hi = (figures.ratio_pct(x) for x in (ev.ci_low, ev.ci_high))
            if lo is not None and hi is not None:
                intervals.append((i, lo, hi))
            points.append(figures.ratio_pct(ev.ratio))
            ys.append(i)
        for colour, (intervals, points, ys) in by_colour.items():
            if intervals:
                y, lo, hi = zip(*intervals, strict=True)
                ax.hlines(y, lo, hi, colors=colour, lw=2, capstyle="butt")
            ax.plot(points, ys, "o", color=colour, ms=4)
        threshold = rows[0].evidence.threshold * 100
        if figures.finite(threshold):
            ax.axvspan(-threshold, threshold, color="#9e9e9e", alpha=0.15, lw=0)
        ax.axvline(0, color="#333", lw=0.8)
        # the names as one text artist per row beside the axis, not 80 ticks (a tick is
        # five artists: its lines, labels and grid line)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        labels = ax.get_yaxis_transform()
        for i, c in enumerate(rows):
            ax.text(
                -0.01,
                i,
                escape.plain(c.name, 70),
                transform=labels,
                fontsize=7,
                ha="right",
                va="center",
            )
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(
            "change of head vs base (%), with its interval; grey band: practical threshold"
        )
        note = (
            ""
            if len(rows) == total
            else f"the {len(rows)} most notable of {total:,} compared benchmarks"
        )
        return Plot(_png(fig), "change with interval for every compared benchmark", note)


def distributions(
    comparisons: Sequence[Comparison],
    samples: Mapping[str, tuple[Measurement | None, Measurement | None]],
    limit: int = MAX_DISTRIBUTIONS,
) -> dict[str, Plot]:
    """A distribution plot for the regressions, then the improvements, up to ``limit``."""
    out: dict[str, Plot] = {}
    for c in comparisons:
        if len(out) >= limit:
            break
        plot = distribution(c, *samples.get(c.name, (None, None)))
        if plot:
            out[c.name] = plot
    return out
