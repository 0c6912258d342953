"""Render a Report for people and machines: report.json, comment.md, index.html and a
terminal summary.

Renderers implement the small ``Renderer`` protocol (``perfkit.report.renderer``) and
register themselves; ``write_report`` writes every renderer that has a file name, each
atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from perfkit import gcpause
from perfkit.atomic import write_bytes_atomic
from perfkit.model import Report

if TYPE_CHECKING:
    from perfkit.report.renderer import Samples

FILE_MODE = 0o644

# names re-exported lazily (PEP 562): reading a report.json (``perfkit gate``) must not
# import jinja2 and matplotlib, which only the HTML renderer needs
_LAZY = {
    "render_html": "html",
    "SCHEMA": "json_report",
    "VERSION": "json_report",
    "dumps": "json_report",
    "report_from_dict": "json_report",
    "report_from_json": "json_report",
    "report_to_dict": "json_report",
    "GITHUB_LIMIT": "markdown",
    "MARKER": "markdown",
    "render_comment": "markdown",
    "Renderer": "renderer",
    "Samples": "renderer",
    "register": "renderer",
    "registered": "renderer",
    "render_terminal": "terminal",
    "use_color": "terminal",
}
_RENDERERS = ("html", "json_report", "markdown", "terminal")  # each registers itself on import

__all__ = [*_LAZY, "file_renderers", "get", "render", "write_report"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"perfkit.report.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'perfkit.report' has no attribute {name!r}")


def _registered():
    import importlib

    from perfkit.report import renderer

    for module in _RENDERERS:
        importlib.import_module(f"perfkit.report.{module}")
    return renderer


def get(fmt: str):
    return _registered().get(fmt)


def file_renderers():
    return _registered().file_renderers()


def render(fmt: str, report: Report, samples: Samples | None = None) -> str:
    """``report`` in the registered format ``fmt`` ("json", "markdown", "html", "terminal")."""
    with gcpause.paused():  # its few cycles (matplotlib figures) wait for the next collection
        return get(fmt).render(report, samples or {})


def write_report(report: Report, out_dir: Path, samples: Samples | None = None) -> dict[str, Path]:
    """Write report.json, comment.md and index.html into ``out_dir`` (created if needed);
    return {file name: path}. Each file is replaced atomically, so a reader (or a crash)
    sees the old file or the new one, never half of one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for renderer in file_renderers():
        with gcpause.paused():  # its few cycles (matplotlib figures) wait for the next collection
            text = renderer.render(report, samples or {})
        # "replace": a lone surrogate in a name must not abort writing the report
        path = write_bytes_atomic(out_dir / renderer.filename, text.encode("utf-8", "replace"))
        path.chmod(FILE_MODE)  # the temporary file was private (0600); reports are for sharing
        paths[renderer.filename] = path
    return paths
