"""The flamegraph pages in a real headless Chromium, offline: they render, request nothing
external, log no error, and respond to a click (zoom) and to search."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.profile.flamegraph import write_flamegraph

from .browser import open_local

pytestmark = pytest.mark.slow
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"

BASE = {
    ("run (bench.py)", "run_kernel_a (kernels.py)"): 0.010,
    ("run (bench.py)", "run_kernel_b (kernels.py)"): 0.010,
    ("run (bench.py)", "<script>alert(1)</script> (evil.py)"): 0.001,
}
HEAD = {**BASE, ("run (bench.py)", "run_kernel_a (kernels.py)"): 0.020}


@pytest.mark.parametrize("diff", [True, False], ids=["differential", "single"])
def test_flamegraph_renders_offline_and_zooms(tmp_path: Path, diff: bool):
    page_path = write_flamegraph(
        tmp_path / "fg.html", "bench <b>x</b>", HEAD, BASE if diff else None
    )
    with open_local(page_path) as (page, log):
        frames = page.locator(".f")
        assert frames.count() >= 4
        assert page.locator("h1").inner_text() == "bench <b>x</b>"  # escaped, not markup
        assert (
            page.locator("text=<script>alert(1)</script> (evil.py)").count() <= 1
        )  # shown as text
        assert (
            page.evaluate("document.querySelectorAll('script:not([id]):not([type])').length") == 1
        )
        kernel_a = page.locator(".f", has_text="run_kernel_a")
        width_before = kernel_a.bounding_box()["width"]
        kernel_a.click()
        assert kernel_a.bounding_box()["width"] > width_before * 1.5  # zoomed in
        assert "run_kernel_a" in page.locator("#info").inner_text()
        page.click("#reset")
        page.fill("#search", "kernel_b")
        assert page.locator(".f.match").count() == 1
        assert "1 matching frame" in page.locator("#info").inner_text()
        page.fill("#search", "")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"flamegraph-{'diff' if diff else 'single'}.png"))
    assert not log.external_requests
    assert not log.console_errors and not log.page_errors
