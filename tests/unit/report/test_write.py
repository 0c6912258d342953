"""write_report and the renderer registry: every file, atomically, from the registry."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from perfkit.errors import ConfigError
from perfkit.report import html as html_module
from perfkit.report import (
    registered,
    render,
    render_comment,
    render_terminal,
    report_from_json,
    write_report,
)

from .sample import comparison, evidence, fixed_report, samples


def test_writes_the_three_files_and_nothing_else(tmp_path: Path):
    out = tmp_path / "reports" / "run"
    paths = write_report(fixed_report(), out, samples())
    assert set(paths) == {"report.json", "comment.md", "index.html"}
    assert sorted(p.name for p in out.iterdir()) == ["comment.md", "index.html", "report.json"]
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths.values())
    assert report_from_json(paths["report.json"]).gate == fixed_report().gate
    assert paths["comment.md"].read_text(encoding="utf-8") == render_comment(fixed_report())
    assert all(oct(p.stat().st_mode & 0o777) == oct(0o644) for p in paths.values())


def test_a_failing_renderer_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch):
    write_report(fixed_report(), tmp_path)
    before = (tmp_path / "index.html").read_bytes()

    def boom(self, report, samples):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(html_module.HtmlRenderer, "render", boom)
    with pytest.raises(RuntimeError):
        write_report(dataclasses.replace(fixed_report(), head_label="other"), tmp_path)
    assert (tmp_path / "index.html").read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_a_lone_surrogate_in_a_name_does_not_stop_the_report(tmp_path: Path):
    report = dataclasses.replace(
        fixed_report(), comparisons=(comparison("bad\ud800name", *_reg()),)
    )
    paths = write_report(report, tmp_path)
    assert "bad\\ud800name" in paths["report.json"].read_text()  # exact in JSON (an escape)
    assert report_from_json(paths["report.json"]).comparisons[0].name == "bad\ud800name"
    paths["index.html"].read_text(encoding="utf-8")  # valid UTF-8


def _reg():
    from perfkit.model import Verdict

    return Verdict.REGRESSION, evidence(1.2)


def test_renderers_come_from_the_registry():
    names = {r.name: r.filename for r in registered()}
    assert names == {
        "json": "report.json",
        "markdown": "comment.md",
        "html": "index.html",
        "terminal": None,
    }
    report = fixed_report()
    assert render("terminal", report) == render_terminal(report)
    assert json.loads(render("json", report))["schema"] == "perfkit-report"
    with pytest.raises(
        ConfigError, match="unknown report format 'pdf' \\(known: html, json, markdown, terminal\\)"
    ):
        render("pdf", report)
