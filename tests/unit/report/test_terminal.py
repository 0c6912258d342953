"""The terminal summary: plain unless asked, no escape sequences smuggled in by names."""

from __future__ import annotations

import dataclasses
import io

import pytest

from perfkit.model import Severity, Verdict
from perfkit.report import render_terminal, use_color

from .sample import MAIN_REGRESSION, comparison, evidence, fixed_report

ANSI = "\x1b["


def test_plain_by_default_and_coloured_on_request():
    report = fixed_report()
    plain, coloured = render_terminal(report), render_terminal(report, color=True)
    assert ANSI not in plain and ANSI in coloured
    assert plain.splitlines()[1].startswith(
        "score 61.5/100 (minimum 75) · gate FAILED · 3 regressions"
    )


def test_regressions_first_most_severe_first_with_their_frame():
    lines = render_terminal(fixed_report()).splitlines()
    start = lines.index("Regressions (3)")
    assert lines[start + 1].split()[0] == "Critical" and MAIN_REGRESSION in lines[start + 1]
    assert "top grown frame: validate_chain" in lines[start + 2]
    assert [x.split()[0] for x in lines[start + 3 : start + 5]] == [
        "Major",
        "Minor",
    ]  # Major has no profile


def test_names_cannot_inject_escape_sequences():
    evil = "sync.X.time_x(\x1b[2J\x1b]0;pwned\x07\r\x9b31m)"
    report = dataclasses.replace(
        fixed_report(),
        comparisons=(
            comparison(
                evil, Verdict.REGRESSION, evidence(1.3), severity=Severity.MAJOR, message="\x1b[31m"
            ),
            comparison(evil, Verdict.FAILED, None, message="boom\x1b[2K"),
        ),
        warnings=("warn\x1b[1A",),
    )
    text = render_terminal(report)
    assert not any(ch in text for ch in "\x1b\x07\r\x9b")
    # issue 16: a name is shown with its control characters escaped (two hostile names stay apart)
    assert "sync.X.time_x(\\x1b[2J\\x1b]0;pwned\\x07\\r\\x9b31m)" in text


def test_long_lists_are_capped_but_regressions_are_not():
    regs = [
        comparison(f"r{i}", Verdict.REGRESSION, evidence(1.3), severity=Severity.MAJOR)
        for i in range(40)
    ]
    imps = [comparison(f"i{i}", Verdict.IMPROVEMENT, evidence(0.7)) for i in range(40)]
    text = render_terminal(dataclasses.replace(fixed_report(), comparisons=tuple(regs + imps)))
    assert all(f" r{i}\n" in text + "\n" for i in range(40))
    assert (
        "… 25 more in the report" in text
        and sum(f" i{i}\n" in text + "\n" for i in range(40)) == 15
    )


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "env", "expected"),
    [
        (io.StringIO(), {}, False),
        (FakeTty(), {}, True),
        (FakeTty(), {"NO_COLOR": "1"}, False),
        (FakeTty(), {"TERM": "dumb"}, False),
    ],
)
def test_colour_only_for_a_terminal_that_wants_it(monkeypatch, stream, env, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert use_color(stream) is expected


def test_one_line_says_what_the_protocol_spent_and_what_it_left_open():
    from perfkit.model import Spend

    spend = Spend(2, 4, 12, 212, 300, (("a", 4), ("b", 12)), ("c", "d", "e", "f", "g"), ())
    text = render_terminal(dataclasses.replace(fixed_report(), spend=spend))
    line = next(x for x in text.splitlines() if x.startswith("measuring:"))
    assert line == (
        "measuring: spent 212 of 300 processes (4-12 a side per benchmark, at most 12); "
        "5 benchmarks stopped at the budget, still inconclusive"
    )
    assert "measuring:" not in render_terminal(fixed_report())
