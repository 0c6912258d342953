"""Render a Report for people and machines: report.json, comment.md, index.html and a
terminal summary.

Renderers implement the small ``Renderer`` protocol (``perfkit.report.renderer``) and
register themselves; ``write_report`` writes every renderer that has a file name, each
atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

from pathlib import Path

from perfkit.atomic import write_bytes_atomic
from perfkit.model import Report
from perfkit.report import html, json_report, markdown, terminal  # noqa: F401  (registers renderers)
from perfkit.report.html import render_html
from perfkit.report.json_report import (
    SCHEMA,
    VERSION,
    dumps,
    report_from_dict,
    report_from_json,
    report_to_dict,
)
from perfkit.report.markdown import GITHUB_LIMIT, MARKER, render_comment
from perfkit.report.renderer import Renderer, Samples, file_renderers, get, register, registered
from perfkit.report.terminal import render_terminal, use_color

FILE_MODE = 0o644

__all__ = [
    "GITHUB_LIMIT", "MARKER", "SCHEMA", "VERSION", "Renderer", "Samples", "dumps", "get", "register",
    "registered", "render", "render_comment", "render_html", "render_terminal", "report_from_dict",
    "report_from_json", "report_to_dict", "use_color", "write_report",
]  # fmt: skip


def render(fmt: str, report: Report, samples: Samples | None = None) -> str:
    """``report`` in the registered format ``fmt`` ("json", "markdown", "html", "terminal")."""
    return get(fmt).render(report, samples or {})


def write_report(report: Report, out_dir: Path, samples: Samples | None = None) -> dict[str, Path]:
    """Write report.json, comment.md and index.html into ``out_dir`` (created if needed);
    return {file name: path}. Each file is replaced atomically, so a reader (or a crash)
    sees the old file or the new one, never half of one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for renderer in file_renderers():
        text = renderer.render(report, samples or {})
        # "replace": a lone surrogate in a name must not abort writing the report
        path = write_bytes_atomic(out_dir / renderer.filename, text.encode("utf-8", "replace"))
        path.chmod(FILE_MODE)  # the temporary file was private (0600); reports are for sharing
        paths[renderer.filename] = path
    return paths
