"""Render a Report for people and machines: report.json, comment.md, index.html, terminal.

Renderers sit in a registry keyed by the file they produce; write_report writes each
atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from perfkit.atomic import write_text_atomic
from perfkit.model import Measurement, Report
from perfkit.report.html import render_html
from perfkit.report.json_report import dumps, report_from_json, report_to_dict
from perfkit.report.markdown import render_comment
from perfkit.report.terminal import render_terminal

Samples = Mapping[str, tuple[Measurement | None, Measurement | None]]

RENDERERS: dict[str, Callable[[Report, Samples], str]] = {
    "report.json": lambda report, _samples: dumps(report),
    "comment.md": lambda report, _samples: render_comment(report),
    "index.html": render_html,
}

__all__ = ["RENDERERS", "render_comment", "render_terminal", "report_from_json", "report_to_dict", "write_report"]


def write_report(report: Report, out_dir: Path, samples: Samples | None = None) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return {name: write_text_atomic(out_dir / name, render(report, samples or {}))
            for name, render in RENDERERS.items()}  # fmt: skip
