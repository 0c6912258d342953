"""comment.md: layout, links, the size limit, and user text rendered inert.

Inertness is checked on what a Markdown renderer makes of the comment (markdown-it with
tables and raw HTML allowed, as on GitHub), not on the source text alone."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from perfkit.errors import ConfigError
from perfkit.model import Severity, Verdict
from perfkit.report import GITHUB_LIMIT, MARKER, render_comment
from perfkit.report.escape import ZWJ, markdown, one_line

from .inspect_html import parse
from .sample import HOSTILE, HOSTILE_NAME, comparison, evidence, fixed_report

RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
SECTIONS = [
    "### Regressions",
    "### Improvements",
    "### Inconclusive",
    "### Missing, failed or not comparable",
    "### Warnings",
    "Full report:",
    "<details>",
]


def html_of(md: str):
    return parse(RENDERER.render(md))


def test_layout_verdict_first_then_sections_in_order():
    text = render_comment(fixed_report())
    lines = text.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == "## ❌ perfkit: gate FAILED — performance score 61.5 / 100 (minimum 75)"
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert "3 regressions · 1 failed · 1 missing · 1 not comparable · 1 improvement" in lines[3]
    assert text.endswith("</details>\n")


def test_a_passing_gate_says_so():
    report = fixed_report()
    report = dataclasses.replace(
        report, gate=dataclasses.replace(report.gate, passed=True, score=97.25, reasons=())
    )
    assert (
        render_comment(report)
        .splitlines()[1]
        .startswith("## ✅ perfkit: gate passed — performance score 97.2")
    )


def test_regression_lines_carry_interval_severity_frame_and_links():
    text = render_comment(fixed_report())
    line = next(x for x in text.splitlines() if "BlockProcessingRate" in x and x.startswith("- **"))
    assert "+31.0 % [+25.8 %, +36.2 %] (Critical)" in line
    assert (
        "top grown frame: validate\\_chain \\(workloads/perfkit\\_workloads/chain\\.py\\)" in line
    )
    assert "[flamegraph](profiles/sync.Block-1a2b3c4d/flamegraph-diff.html)" in line
    assert "[memory profile](profiles/sync.Block-1a2b3c4d/memory-head.html)" in line
    assert "(Major; higher is better)" in text  # a throughput drop reads the right way
    assert "smallest detectable change 3.0 %" in text
    assert "sync\\.Broken\\.time\\_x: failed — head&#58; ValueError&#58; boom" in text


def test_links_go_under_the_artifact_url_when_given():
    text = render_comment(fixed_report(), artifact_url="https://example.org/runs/7/")
    assert (
        "[flamegraph](https://example.org/runs/7/profiles/sync.Block-1a2b3c4d/flamegraph-diff.html)"
        in text
    )
    assert "[index.html](https://example.org/runs/7/index.html)" in text


def test_artifact_paths_cannot_become_scripts_or_break_the_link():
    tree = html_of(render_comment(fixed_report()))
    hrefs = [a.attrs["href"] for a in tree.tags("a")]
    assert "javascript%3Aalert%281%29/x%20y.html" in hrefs
    assert all(not re.match(r"^[a-z]+:", h) for h in hrefs), hrefs  # every link is relative


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://x.org/a b", "https://x.org/)[", "ftp://x"]
)
def test_a_dubious_artifact_url_is_refused(url: str):
    with pytest.raises(ConfigError):
        render_comment(fixed_report(), artifact_url=url)


def test_hostile_text_renders_inert():
    md = render_comment(fixed_report())
    tree = html_of(md)
    allowed = {
        "h2",
        "h3",
        "p",
        "ul",
        "li",
        "strong",
        "a",
        "code",
        "em",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "details",
        "summary",
    }
    assert {e.tag for e in tree.elements} <= allowed
    assert not any("bold" in e.text for e in tree.tags("strong") if "actor.X" not in e.text)
    assert not any(e.tag == "code" and "tick" in e.text for e in tree.elements)
    rows = _cells_per_row(tree)
    assert len(rows) == 13 and all(n == 5 for n in rows), rows  # the pipe in a name split no cell
    assert "@octocat" not in md and f"@{ZWJ}octocat" in md
    assert not re.search(r"(?<!&)#\d", md) and "\nnewline" not in md  # &#58; is the entity for ":"
    shown = next(e.text for e in tree.tags("strong") if "actor.X" in e.text)
    assert shown.replace(ZWJ, "") == one_line(HOSTILE_NAME)  # shown as written, nothing lost


def _cells_per_row(tree) -> list[int]:
    rows: list[int] = []
    for e in tree.elements:
        if e.tag == "tr":
            rows.append(0)
        elif e.tag in ("td", "th"):
            rows[-1] += 1
    return rows


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
    | st.text(alphabet="<>&*_`|[]()!#@:\\~$^=-+.'\"/ \nhttps:/wGH-123x", max_size=60)
)
def test_escaped_text_renders_as_exactly_itself(text: str):
    html = RENDERER.render(f"- {markdown(text)}\n")
    tree = parse(html)
    assert {e.tag for e in tree.elements} <= {"ul", "li"}
    rendered = tree.tags("li")[0].text if tree.tags("li") else ""
    assert rendered.replace(ZWJ, "") == one_line(text).replace(ZWJ, "")


def test_mentions_references_and_autolinks_are_broken():
    out = markdown("@team #12 GH-7 https://evil.example www.evil.example :smile:")
    assert "@team" not in out and "#12" not in out and "GH-7" not in out
    assert "https://" not in out and "www." not in out and ":smile:" not in out


# --- the size limit ----------------------------------------------------------------------


def test_three_thousand_benchmarks_keep_every_regression_and_cut_the_table():
    report = fixed_report(3000)
    text = render_comment(report, limit=GITHUB_LIMIT)
    assert len(text) <= GITHUB_LIMIT
    assert "### Regressions (3)" in text and text.count("\n- **") == 3
    kept = len(re.findall(r"^\| bulk\\\.B\d{5}", text, re.M))
    cut = int(
        re.search(
            r"\*(\d+) more row\(s\) cut to stay within GitHub's comment size limit", text
        ).group(1)
    )
    assert 0 < kept < 3000 and kept + cut == 3000
    assert text.rstrip().endswith("</details>")
    assert GITHUB_LIMIT - len(text) < 500  # the table used the room


def many_regressions(n: int):
    regs = [
        comparison(
            f"sync.R{i:05d}.time_{'r' * 60}",
            Verdict.REGRESSION,
            evidence(1.2),
            severity=Severity.MAJOR,
            top_frames=("frame_" + "f" * 50,),
            artifacts=fixed_report().comparisons[1].artifacts,
        )
        for i in range(n)
    ]
    report = fixed_report(200)
    return dataclasses.replace(report, comparisons=tuple(regs) + report.comparisons)


def test_regressions_too_long_for_the_limit_are_shortened_not_dropped():
    report = many_regressions(250)
    text = render_comment(report)
    assert len(text) <= GITHUB_LIMIT
    assert all(f"sync\\.R{i:05d}" in text for i in range(250))
    assert "sync\\.BlockProcessingRate\\.time\\_validate\\_chain" in text


def test_only_a_limit_too_small_for_the_regressions_cuts_them_and_says_so():
    text = render_comment(many_regressions(1000))
    assert len(text) <= GITHUB_LIMIT
    assert re.search(r"\d+ more regression\(s\) are listed in the full report", text)


@settings(max_examples=25, deadline=None)
@given(st.integers(1500, 70000), st.integers(0, 400))
def test_the_limit_always_holds(limit: int, extra: int):
    text = render_comment(fixed_report(extra), limit=limit)
    assert len(text) <= limit and text.startswith(MARKER)


def test_long_names_are_shortened_in_the_comment_only():
    name = "x" * 5000
    report = fixed_report()
    report = dataclasses.replace(
        report,
        comparisons=(
            comparison(name, Verdict.REGRESSION, evidence(1.5), severity=Severity.CRITICAL),
        ),
    )
    text = render_comment(report)
    assert "x" * 299 + "…" in text and "x" * 301 not in text
    assert HOSTILE not in text


def test_when_room_is_short_broken_benchmarks_and_warnings_win_over_improvements():
    imps = [
        comparison(f"actor.I{i:04d}.time_{'i' * 60}", Verdict.IMPROVEMENT, evidence(0.8))
        for i in range(2000)
    ]
    report = fixed_report()
    report = dataclasses.replace(report, comparisons=report.comparisons + tuple(imps))
    text = render_comment(report)
    assert len(text) <= GITHUB_LIMIT
    assert (
        "### Missing, failed or not comparable (3)" in text and "sync\\.Changed\\.time\\_x" in text
    )
    assert "### Warnings" in text and "Full report:" in text
    assert re.search(
        r"- …and \d+ more in the full report\.", text
    )  # improvements cut, and it says so
    assert "### Inconclusive" not in text or "CachePerformanceAnalysis" in text


def test_an_empty_run_still_says_what_happened():
    report = dataclasses.replace(fixed_report(), comparisons=(), warnings=())
    text = render_comment(report)
    assert "nothing compared" in text and "<details>" not in text and "### " not in text
    assert text.startswith(MARKER + "\n## ❌ perfkit: gate FAILED")


ITEMS = st.lists(st.text(alphabet="ab -|", min_size=0, max_size=30), max_size=60)


@settings(max_examples=300, deadline=None)
@given(ITEMS, st.booleans(), st.integers(0, 400), st.integers(0, 400))
def test_formatting_only_the_first_items_changes_no_section(items, compact, limit, budget):
    """Sections of a large run hold only the items that could fit in the comment
    (``first_items``) and their total; every budget within the limit gets the same text."""
    from perfkit.report.section import Section, first_items

    budget = min(budget, limit)
    shorter = [i[: len(i) // 2] for i in items] if compact else None
    whole = Section("### T", tuple(items), ("intro",), compact_items=shorter and tuple(shorter))
    first = Section(
        "### T",
        first_items(items, limit),
        ("intro",),
        compact_items=shorter and first_items(shorter, limit),
        total=len(items),
    )
    assert first.fit(budget) == whole.fit(budget)
    assert len(first.items) <= len(items)
