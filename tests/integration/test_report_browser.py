"""index.html, the differential flamegraph and memray's HTML in headless Chromium (Debian's
/usr/bin/chromium driven by Playwright), from disk with every non-file request blocked:
they render, request nothing, log no error, respond to clicks; hostile benchmark names stay
text (no script they carry runs). Screenshots land in reports/screenshots/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.model import (
    Artifact,
    ArtifactKind,
    BenchmarkKind,
    Comparison,
    Direction,
    Evidence,
    GateDecision,
    Measurement,
    MemoryProfile,
    Report,
    Severity,
    Verdict,
)
from perfkit.profile.flamegraph import write_flamegraph
from perfkit.report import write_report

from .browser import open_local

pytestmark = pytest.mark.slow
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
HOSTILE = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"
HOSTILE_NAMES = [
    f"sync.Evil.time_x(n='{HOSTILE}')",
    "actor.Md.time_y(s='**bold** | pipe @octocat #1')",
    "system.Shell.time_z(cmd='$(rm -rf /) `id`')",
    'actor.Attr.time_q(v="\'><svg onload=window.__pwned=3>")',
    "actor.Newline.time_n(s='a\nb')",
]


def evidence(ratio: float, half: float = 0.03) -> Evidence:
    return Evidence(
        ratio,
        ratio * (1 - half),
        ratio * (1 + half),
        1e-4,
        1e-3,
        0.05,
        0.95,
        12,
        12,
        4,
        4,
        0.01,
        0.01 * ratio,
        0.04,
        True,
        "t",
    )


def comparison(name: str, verdict: Verdict, ratio: float, **kw) -> Comparison:
    return Comparison(
        name=name,
        benchmark=name.split("(")[0],
        kind=BenchmarkKind.TIME,
        unit="seconds",
        direction=Direction.LOWER_IS_BETTER,
        verdict=verdict,
        evidence=evidence(ratio),
        message=f"{verdict.value} {HOSTILE}",
        **kw,
    )


def measurement(name: str, scale: float) -> Measurement:
    runs = tuple(tuple(0.01 * scale * (1 + 0.01 * (i + j)) for j in range(3)) for i in range(4))
    return Measurement(
        name=name,
        benchmark=name,
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=runs,
        runs_known=True,
    )


def write_profiles(prof: Path) -> None:
    write_flamegraph(
        prof / "flamegraph-diff.html",
        f"bench {HOSTILE}",
        {("run (b.py)", "run_kernel_a (k.py)"): 0.02, ("run (b.py)", "run_kernel_b (k.py)"): 0.01},
        {("run (b.py)", "run_kernel_a (k.py)"): 0.01, ("run (b.py)", "run_kernel_b (k.py)"): 0.01},
    )
    capture = prof / "mem.bin"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "memray",
            "run",
            "-q",
            "-o",
            str(capture),
            "-c",
            "import numpy; x = numpy.ones(10**6)",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "memray",
            "flamegraph",
            "--no-web",
            "-o",
            str(prof / "memory-head.html"),
            str(capture),
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_profiles(out / "profiles" / "x")
    reg_name = HOSTILE_NAMES[0]
    reg = comparison(
        reg_name,
        Verdict.REGRESSION,
        1.4,
        severity=Severity.CRITICAL,
        top_frames=("run_kernel_a (k.py)",),
        memory=MemoryProfile(1000, 9000, 1, 3),
        artifacts=(
            Artifact(
                ArtifactKind.DIFF_FLAMEGRAPH, "profiles/x/flamegraph-diff.html", "diff", "diff"
            ),
            Artifact(
                ArtifactKind.MEMORY_FLAMEGRAPH, "profiles/x/memory-head.html", "head", "memray"
            ),
        ),
    )
    hostile = [
        comparison(n, Verdict.REGRESSION, 1.12, severity=Severity.MINOR) for n in HOSTILE_NAMES[1:]
    ]
    others = [
        comparison(f"actor.B{i:02d}.time_y", v, r)
        for i, (v, r) in enumerate(
            [(Verdict.UNCHANGED, 1.01), (Verdict.IMPROVEMENT, 0.8), (Verdict.INCONCLUSIVE, 1.07)]
            * 4
        )
    ]
    report = Report(
        "2026-11-24T00:00:00Z",
        f"base {HOSTILE}",
        "head",
        (reg, *hostile, *others),
        GateDecision(False, 60.0, 75.0, (f"1 regression(s): {reg_name}",)),
        environment_info={"base": {"cpu_model_name": HOSTILE}, "head": {"cpu_model_name": "x"}},
        warnings=(f"warning {HOSTILE}",),
    )
    samples = {reg_name: (measurement(reg_name, 1.0), measurement(reg_name, 1.4))}
    write_report(report, out, samples)
    return out


def column(page, index: int) -> list[str]:
    return page.locator("table#all tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].getAttribute('data-v'))"
    )


def numbers(keys: list[str]) -> list[float]:
    return [float(k) for k in keys if k]


def test_index_renders_offline_sorts_filters_and_stays_inert(report_dir: Path):
    with open_local(report_dir / "index.html") as (page, log):
        assert page.locator("#gate").inner_text().startswith("Gate FAILED")
        assert page.evaluate("window.__pwned") is None
        body = page.locator("table#all tbody").inner_text()
        for name in HOSTILE_NAMES:
            assert " ".join(name.split()) in " ".join(body.split())  # shown as text, whole
        assert page.locator("img[alt^='samples per process']").count() == 1
        assert page.locator("img[alt^='change with interval']").count() == 1
        assert page.evaluate(
            "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
        )
        frame = page.locator("iframe[title='differential flamegraph']")
        frame.scroll_into_view_if_needed()
        page.frame_locator("iframe[title='differential flamegraph']").locator(
            ".f", has_text="run_kernel_a"
        ).wait_for()

        header = page.locator("table#all th", has_text="change").first
        header.click()
        ascending = numbers(column(page, 2))
        assert ascending == sorted(ascending) and len(ascending) == 17
        header.click()
        descending = numbers(column(page, 2))
        assert descending == sorted(descending, reverse=True) and descending[0] == pytest.approx(
            40.0
        )
        by_name = page.locator("table#all th", has_text="benchmark")
        by_name.click()
        names = page.locator("table#all tbody tr td.name").all_inner_texts()
        assert names[0].startswith("actor.Attr") and names[-1].startswith("system.Shell")
        by_name.click()
        assert page.locator("table#all tbody tr td.name").all_inner_texts() == names[::-1]

        page.fill("#filter", "improvement")
        assert page.locator("table#all tbody tr:visible").count() == 4
        page.fill("#filter", "")
        page.select_option("#verdict", "regression")
        assert page.locator("table#all tbody tr:visible").count() == 5
        page.locator(".chip[data-verdict='inconclusive']").click()
        assert page.locator("table#all tbody tr:visible").count() == 4
        page.select_option("#verdict", "")
        page.evaluate("window.scrollTo(0, 0)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
        page.screenshot(path=str(SCREENSHOTS / "index-top.png"))
        assert page.evaluate("window.__pwned") is None
    assert not log.external_requests, log.external_requests
    assert not log.page_errors, log.page_errors
    assert not log.console_errors, log.console_errors


def test_diff_flamegraph_and_memray_pages_render_offline(report_dir: Path):
    with open_local(report_dir / "profiles" / "x" / "flamegraph-diff.html") as (page, log):
        frame = page.locator(".f", has_text="run_kernel_a")
        before = frame.bounding_box()["width"]
        frame.click()
        assert frame.bounding_box()["width"] > before
        assert page.evaluate("window.__pwned") is None
        page.screenshot(path=str(SCREENSHOTS / "flamegraph-diff-report.png"))
    assert not log.external_requests and not log.console_errors and not log.page_errors
    with open_local(report_dir / "profiles" / "x" / "memory-head.html") as (page, log):
        page.wait_for_timeout(500)
        assert page.locator("body").inner_text().strip()
        page.screenshot(path=str(SCREENSHOTS / "memray.png"))
    assert not log.external_requests, log.external_requests
    assert not log.page_errors, log.page_errors
