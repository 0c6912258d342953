"""index.html: self-contained, escaped, with its summary, cards, plots and table."""

from __future__ import annotations

import dataclasses
import re

from perfkit.model import Verdict
from perfkit.report import render_html
from perfkit.report.html import CSP

from .inspect_html import parse
from .sample import HOSTILE, HOSTILE_NAME, MAIN_REGRESSION, bulk, fixed_report, samples

PAGE = render_html(fixed_report(), samples())
TREE = parse(PAGE)


def test_page_is_self_contained_behind_a_strict_policy():
    (meta,) = [
        m for m in TREE.tags("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    assert meta.attrs["content"] == CSP
    policy = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"
    assert policy["script-src"] == "'unsafe-inline'" and policy["style-src"] == "'unsafe-inline'"
    for el in TREE.elements:
        for attr in ("src", "href"):
            value = el.attrs.get(attr)
            if value is not None:
                assert value.startswith("data:image/png;base64,") or not re.match(
                    r"^[a-zA-Z][\w+.-]*:|^//", value
                ), value
    assert not TREE.tags("link") and "http://" not in PAGE and "https://" not in PAGE


def test_hostile_text_is_only_ever_text():
    scripts = TREE.tags("script")
    assert len(scripts) == 1 and "window" not in scripts[0].text.replace(
        "window.", ""
    )  # only perfkit's own
    assert (
        "<script>alert(1)</script>" not in PAGE and "&lt;script&gt;alert(1)&lt;/script&gt;" in PAGE
    )
    assert not any(k.startswith("on") for el in TREE.elements for k in el.attrs)
    names = [td.text for td in TREE.tags("td") if "name" in (td.attrs.get("class") or "")]
    assert HOSTILE_NAME in names  # shown exactly as written
    assert any(HOSTILE in li.text for li in TREE.tags("li"))  # warnings and reasons too


def test_summary_shows_gate_score_counts_labels_and_warnings():
    gate = next(p for p in TREE.tags("p") if p.attrs.get("id") == "gate")
    assert " ".join(gate.text.split()) == "Gate FAILED · performance score 61.5 / 100 (minimum 75)"
    chips = {b.attrs["data-verdict"]: b.text for b in TREE.tags("button")}
    assert chips["regression"] == "3regression" and chips["unchanged"] == "2unchanged"
    assert (
        next(s for s in TREE.tags("span") if s.attrs.get("id") == "head-label").text
        == f"head {HOSTILE}"
    )
    assert (
        len(
            next(u for u in TREE.tags("ul") if u.attrs.get("id") == "warnings")
            .text.strip()
            .splitlines()
        )
        >= 1
    )


def test_table_has_every_comparison_with_its_evidence_and_sort_keys():
    rows = TREE.tags("tr")
    body = [r for r in rows if r.attrs.get("data-verdict")]
    assert len(body) == len(fixed_report().comparisons)
    assert [r.attrs["data-verdict"] for r in body[:3]] == ["regression"] * 3  # attention first
    main = next(r for r in body if MAIN_REGRESSION in r.text)
    for text in (
        "+31.0 %",
        "[+25.8 %, +36.2 %]",
        "0.001",
        "5.0 %",
        "3.0 %",
        "8/8",
        "24/24",
        "12.5 ms",
        "16.38 ms",
    ):
        assert text in main.text, text
    keys = [td.attrs["data-v"] for td in TREE.tags("td") if "data-v" in td.attrs]
    assert "31.000000000000007" in keys and all(k == "" or float(k) == float(k) for k in keys)


def test_regression_cards_link_and_preview_their_profiles():
    hrefs = [a.attrs["href"] for a in TREE.tags("a")]
    assert "profiles/sync.Block-1a2b3c4d/flamegraph-diff.html" in hrefs
    assert "profiles/sync.Block-1a2b3c4d/memory-head.html" in hrefs
    assert "javascript%3Aalert%281%29/x%20y.html" in hrefs  # a hostile path stays a relative path
    frames = {f.attrs["title"]: f.attrs["src"] for f in TREE.tags("iframe")}
    assert frames["differential flamegraph"] == "profiles/sync.Block-1a2b3c4d/flamegraph-diff.html"
    assert "heap peak 976.6 KiB → 4.768 MiB, allocations 2 → 4" in PAGE


def test_plots_are_embedded_for_regressions_with_samples_and_for_all_benchmarks():
    alts = [img.attrs["alt"] for img in TREE.tags("img")]
    assert alts.count(f"samples per process, base vs head: {MAIN_REGRESSION}") == 1
    assert sum(a.startswith("samples per process") for a in alts) == 2  # only those with samples
    assert "change with interval for every compared benchmark" in alts
    assert all(
        img.attrs["src"].startswith("data:image/png;base64,iVBOR") for img in TREE.tags("img")
    )


def test_without_samples_or_comparisons_the_page_still_renders():
    report = fixed_report()
    assert "<img" not in render_html(dataclasses.replace(report, comparisons=()))
    page = render_html(report)
    assert "samples per process" not in page and "change with interval" in page


def test_hundreds_of_benchmarks_cap_the_forest_and_keep_every_row():
    report = fixed_report()
    report = dataclasses.replace(report, comparisons=report.comparisons + tuple(bulk(300)))
    tree = parse(render_html(report))
    assert len([r for r in tree.tags("tr") if r.attrs.get("data-verdict")]) == len(
        report.comparisons
    )
    assert "Showing the 80 most notable of 307 compared benchmarks." in " ".join(
        p.text for p in tree.tags("p")
    )


def test_verdict_filter_offers_each_verdict_present():
    options = [o.attrs["value"] for o in TREE.tags("option")]
    present = {c.verdict.value for c in fixed_report().comparisons}
    assert set(options) == present | {""} and Verdict.SKIPPED.value not in options


def test_thousands_of_regressions_cap_the_cards_and_keep_every_row():
    from perfkit.model import Severity
    from perfkit.report.html import CARD_LIMIT

    from .sample import comparison, evidence

    regs = [
        comparison(
            f"r.B.time_{i:04d}",
            Verdict.REGRESSION,
            evidence(1.1 + i / 1e4),
            severity=Severity.MAJOR,
        )
        for i in range(CARD_LIMIT + 150)
    ]
    imps = [
        comparison(f"i.B.time_{i:04d}", Verdict.IMPROVEMENT, evidence(0.9 - i / 1e4))
        for i in range(CARD_LIMIT + 1)
    ]
    report = dataclasses.replace(fixed_report(), comparisons=tuple(regs + imps))
    tree = parse(render_html(report))
    cards = [d for d in tree.tags("div") if "card" in (d.attrs.get("class") or "").split()]
    heads = [" ".join(s.text.split()) for s in tree.tags("span") if s.attrs.get("class") == "name"]
    assert len(cards) == 2 * CARD_LIMIT
    assert heads[0] == "r.B.time_0249" and "r.B.time_0000" not in heads  # the worst first
    assert "i.B.time_0100" in heads and "i.B.time_0000" not in heads  # the largest first
    text = " ".join(" ".join(p.text.split()) for p in tree.tags("p"))
    assert f"The {CARD_LIMIT} worst are shown; 150 more regressions are in the table below." in text
    assert f"The {CARD_LIMIT} largest are shown; 1 more improvement is in the table below." in text
    h2 = [" ".join(h.text.split()) for h in tree.tags("h2")]
    assert f"Regressions ({CARD_LIMIT + 150})" in h2 and f"Improvements ({CARD_LIMIT + 1})" in h2
    rows = [r for r in tree.tags("tr") if r.attrs.get("data-verdict")]
    assert len(rows) == len(regs) + len(imps)
