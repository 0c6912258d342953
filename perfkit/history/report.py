"""History outputs: ``history.json``, one plot per changed series, an offline HTML page.

``write(result, out_dir)`` writes

* ``history.json`` — versioned: options, every series with its change points (index,
  commit, ratio and interval, p-value, verdict), too-short series, skipped commits;
* ``plots/<series>.png`` — for each series that changed: medians with their
  interquartile range, segment levels, change points marked, commits labelled;
* ``index.html`` — one self-contained page (plots embedded, no scripts or CDN) listing
  every series, changed ones first; every user-controlled string is escaped by Jinja2.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from perfkit.atomic import write_bytes_atomic, write_text_atomic
from perfkit.history.defaults import FORMATS
from perfkit.history.events import ShiftEvent
from perfkit.history.series import HistoryResult, SeriesResult, no_gc
from perfkit.model import ChangePoint, Verdict

if TYPE_CHECKING:
    import jinja2

SCHEMA_VERSION = 2  # 2: events, ranked change points, provisional, unreadable files
METHOD = "rank binary segmentation + drift-corrected window test (perfkit.history.changepoint)"


@dataclass(frozen=True)
class HistoryFiles:
    json: Path | None
    html: Path | None
    plots: tuple[Path, ...]


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def change_point_dict(cp: ChangePoint) -> dict[str, Any]:
    return {
        "index": cp.index,
        "commit": cp.commit,
        "ratio": _number(cp.ratio),
        "ci_low": _number(cp.ci_low),
        "ci_high": _number(cp.ci_high),
        "p_value": _number(cp.p_value),
        "verdict": str(cp.verdict),
        "points_after": cp.points_after,
        "provisional": cp.provisional,
    }


def provisional_note(cp: ChangePoint) -> str:
    """Why a change point is provisional: "N point(s) after" (the newest commits) or, for
    a step at the oldest commits of a series, "N point(s) before"; "" when it is not."""
    if not cp.provisional:
        return ""
    if cp.index < cp.points_after:
        return f"provisional: {cp.index} point(s) before"
    return f"provisional: {cp.points_after} point(s) after"


def event_dict(e: ShiftEvent) -> dict[str, Any]:
    return {
        "commit": e.commit,
        "series_changed": e.size,
        "series_measured": e.measured,
        "median_ratio": _number(e.median_ratio),
        "regressions": e.regressions,
        "improvements": e.improvements,
        "suites": list(e.suites),
        "machines": list(e.machines),
        "environment_change": e.environment_change,
        "reasons": list(e.reasons),
        "series": list(e.series),
    }


def ranked(result: HistoryResult) -> list[tuple[SeriesResult, ChangePoint]]:
    """Every change point, biggest step first (|log ratio|), then smallest p-value."""
    pairs = [(s, cp) for s in result.series for cp in s.change_points]
    return sorted(pairs, key=lambda sc: (-_size(sc[1].ratio), sc[1].p_value, sc[0].series))


def _size(ratio: float) -> float:
    return abs(math.log(ratio)) if math.isfinite(ratio) and ratio > 0 else 0.0


def in_events(result: HistoryResult) -> dict[tuple[str, str], str]:
    """(series, change-point commit) -> commit of the event it belongs to."""
    out = {}
    for e in result.events:
        members = set(e.series)
        for s in result.series:
            if s.series in members:
                for cp in s.change_points:
                    if abs(s.orders[cp.index] - e.order) <= 1:
                        out[(s.series, str(cp.commit))] = e.commit
    return out


def to_dict(result: HistoryResult) -> dict[str, Any]:
    o = result.options
    grouped = in_events(result)
    cps = {id(cp): change_point_dict(cp) for s in result.series for cp in s.change_points}
    return {
        "version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": METHOD,
        "options": {
            "alpha": o.alpha,
            "min_size": o.min_size,
            "window": o.window,
            "min_effect": o.min_effect,
            "confidence": o.confidence,
        },
        "series": [
            {
                "series": s.series,
                "name": s.name,
                "machine": s.machine,
                "environment": s.environment,
                "unit": s.unit,
                "direction": str(s.direction),
                "points": len(s.commits),
                "too_short": s.too_short,
                "first_commit": s.commits[0] if s.commits else None,
                "last_commit": s.commits[-1] if s.commits else None,
                "change_points": [cps[id(cp)] for cp in s.change_points],
            }
            for s in result.series
        ],
        "too_short": [s.series for s in result.too_short],
        "skipped_commits": list(result.skipped_commits),
        "order_source": result.order_source,
        "unreadable_files": [{"path": p, "reason": r} for p, r in result.unreadable],
        "events": [event_dict(e) for e in result.events],
        "change_points": [
            {
                "series": s.series,
                **cps[id(cp)],
                "event": grouped.get((s.series, str(cp.commit))),
            }
            for s, cp in ranked(result)
        ],
    }


def change_points_json(result: HistoryResult) -> str:
    """What ``perfkit history --json`` prints: per series, its change points."""
    data = {
        "series": [
            {
                "series": s.series,
                "too_short": s.too_short,
                "change_points": [
                    {
                        "index": cp.index,
                        "commit": cp.commit,
                        "verdict": str(cp.verdict),
                        "ratio": _number(cp.ratio),
                        "p_value": _number(cp.p_value),
                    }
                    for cp in s.change_points
                ],
            }
            for s in result.series
        ],
        "skipped_commits": list(result.skipped_commits),
    }
    return json.dumps(data, indent=2)


def slug(label: str) -> str:
    """A safe, unique file name stem for a series label."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_.")[:80] or "series"
    return f"{base}-{hashlib.sha1(label.encode()).hexdigest()[:8]}"


def _plain(text: str) -> str:
    """Text for matplotlib with ``$`` escaped, so names never turn into math."""
    return text.replace("$", r"\$")


def plot_png(series: SeriesResult) -> bytes:
    """The series over its commits with IQR bars, segment levels and change points."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.arange(len(series.median))
    med = np.asarray(series.median)
    err = np.vstack([med - np.asarray(series.q25), np.asarray(series.q75) - med])
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    ax.errorbar(
        x,
        med,
        yerr=np.clip(err, 0, None),
        fmt="o",
        ms=3,
        lw=0.8,
        color="#345",
        ecolor="#9ab",
        label="median (IQR)",
    )
    bounds = [0, *[cp.index for cp in series.change_points], len(x)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        ax.hlines(np.median(med[a:b]), a - 0.5, b - 0.5, colors="#e80", lw=2)
    for cp in series.change_points:
        color = "#c22" if cp.verdict is Verdict.REGRESSION else "#2a2"
        ax.axvline(cp.index - 0.5, color=color, ls="--", lw=1.2)
        ax.annotate(
            f"{_plain(str(cp.commit)[:8])}\n{(cp.ratio - 1) * 100:+.1f}%",
            (cp.index - 0.5, 1.0),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="bottom",
            fontsize=8,
            color=color,
        )
    ticks = sorted(
        set(np.linspace(0, len(x) - 1, min(len(x), 12)).astype(int))
        | {cp.index for cp in series.change_points}
    )
    ax.set_xticks(ticks, [_plain(series.commits[i][:8]) for i in ticks], rotation=60, fontsize=7)
    ax.set_ylabel(_plain(series.unit) or "value")
    ax.set_xlabel("commit (history order)")
    ax.set_title(_plain(series.series[:120]), fontsize=9, pad=24)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _environment() -> jinja2.Environment:
    import jinja2  # only for the page: --format json does not load it

    return jinja2.Environment(
        loader=jinja2.PackageLoader("perfkit", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
    )


def render_html(result: HistoryResult, images: dict[str, str]) -> str:
    rows = sorted(result.series, key=lambda s: (not s.change_points, s.too_short, s.series))
    return (
        _environment()
        .get_template("history.html.j2")
        .render(
            result=result,
            rows=rows,
            images=images,
            method=METHOD,
            generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )


def write(result: HistoryResult, out_dir: Path | str, fmt: str = "all") -> HistoryFiles:
    """``history.json`` (``fmt`` json or all) and ``index.html`` with its plots (html or
    all) in ``out_dir``; a format not asked for is not rendered at all."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = html_path = None
    if fmt in ("json", "all"):
        # compact: the C encoder (an indent makes json use its pure-Python one, 10x slower)
        with no_gc():  # thousands of dicts over a heap holding the history: no passes
            text = json.dumps(to_dict(result), separators=(",", ":"))
        json_path = write_text_atomic(out / "history.json", text)
    plots, images = [], {}
    if fmt in ("html", "all"):
        for series in result.changed:
            png = plot_png(series)
            plots.append(write_bytes_atomic(out / "plots" / f"{slug(series.series)}.png", png))
            images[series.series] = base64.b64encode(png).decode("ascii")
        html_path = write_text_atomic(out / "index.html", render_html(result, images))
    return HistoryFiles(json_path, html_path, tuple(plots))
