"""index.html: one self-contained page (no CDN), rendered by Jinja2 with autoescaping."""

from __future__ import annotations

import math
from collections.abc import Mapping

from jinja2 import Environment, PackageLoader

from perfkit.model import ArtifactKind, Comparison, Measurement, Report, Verdict
from perfkit.report import plots
from perfkit.report.json_report import ranked_regressions
from perfkit.report.markdown import change

_ENV = Environment(loader=PackageLoader("perfkit", "templates"), autoescape=True)


def _fmt(x: float | None) -> str:
    return "" if x is None or not math.isfinite(x) else f"{x:+.1f}"


def _num(x: float | None) -> str:
    return "NaN" if x is None or not math.isfinite(x) else repr(float(x))


def _diff_path(c: Comparison) -> str | None:
    return next((a.path for a in c.artifacts if a.kind is ArtifactKind.DIFF_FLAMEGRAPH), None)


def render_html(report: Report, samples: Mapping[str, tuple[Measurement | None, Measurement | None]] | None = None) -> str:
    env_keys = sorted(set(report.environment_info.get("base", {})) | set(report.environment_info.get("head", {})))
    return _ENV.get_template("report.html.j2").render(
        report=report, regressions=ranked_regressions(report),
        counts=[(v.value.replace("_", " "), len(report.by_verdict(v))) for v in Verdict if report.by_verdict(v)],
        plots=plots.distributions(report.comparisons, samples or {}), forest=plots.forest(report.comparisons),
        change=change, fmt=_fmt, num=_num, diff_path=_diff_path, env_keys=env_keys,
    )  # fmt: skip
