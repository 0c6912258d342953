"""The matplotlib figures: PNG data URIs, per-process structure, hostile labels, caps."""

from __future__ import annotations

import base64
import io

import pytest
from matplotlib import image

from perfkit.model import Severity, Verdict
from perfkit.report import plots

from .sample import HOSTILE, bulk, comparison, evidence, measurement


def decode(uri: str):
    assert uri.startswith("data:image/png;base64,")
    return image.imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), format="png")


@pytest.mark.parametrize(
    "name", ["plain.time_x", HOSTILE, "$\\frac{1}{$ $x^$ $$", "a\u202eb\x1b[2J", "\ud800lone"]
)
def test_distribution_draws_any_name(name: str):
    c = comparison(name, Verdict.REGRESSION, evidence(1.3), severity=Severity.MAJOR)
    plot = plots.distribution(c, measurement(name, 1.0), measurement(name, 1.3))
    pixels = decode(plot.uri)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 200
    assert "\x1b" not in plot.alt and "\ud800" not in plot.alt


def test_distribution_needs_samples_on_both_sides():
    c = comparison("a.time_x", Verdict.REGRESSION, evidence(1.3))
    assert plots.distribution(c, None, measurement("a", 1.0)) is None
    empty = measurement("a", 1.0, runs=0)
    assert plots.distribution(c, empty, measurement("a", 1.0)) is None


def test_more_processes_make_a_wider_figure():
    c = comparison("a.time_x", Verdict.REGRESSION, evidence(1.3))
    narrow = decode(
        plots.distribution(c, measurement("a", 1.0, runs=2), measurement("a", 1.3, runs=2)).uri
    )
    wide = decode(
        plots.distribution(c, measurement("a", 1.0, runs=12), measurement("a", 1.3, runs=12)).uri
    )
    pooled = decode(
        plots.distribution(
            c,
            measurement("a", 1.0, runs=12, known=False),
            measurement("a", 1.3, runs=12, known=False),
        ).uri
    )
    assert wide.shape[1] > narrow.shape[1] and pooled.shape[1] < wide.shape[1]


def test_forest_keeps_every_regression_and_improvement_when_capped():
    notable = [comparison(f"r{i}", Verdict.REGRESSION, evidence(1.06)) for i in range(5)]
    notable += [comparison("imp", Verdict.IMPROVEMENT, evidence(0.9))]
    noisy = [comparison(f"n{i}", Verdict.INCONCLUSIVE, evidence(1.5 + i / 100)) for i in range(100)]
    rows = plots._forest_rows(noisy + bulk(300) + notable, cap=40)
    assert len(rows) == 40 and {c.name for c in notable} <= {c.name for c in rows}
    assert all(c.name.startswith("n") for c in rows if c not in notable)  # then the most changed


def test_forest_skips_comparisons_without_a_ratio_and_notes_the_cap():
    plot = plots.forest([comparison("none", Verdict.MISSING, None), *bulk(3)])
    assert plot.note == "" and decode(plot.uri).shape[0] > 50
    assert plots.forest([comparison("none", Verdict.MISSING, None)]) is None
    capped = plots.forest(bulk(10), cap=4)
    assert capped.note == "the 4 most notable of 10 compared benchmarks"


def test_distributions_stop_at_the_limit():
    comps = [comparison(f"r{i}", Verdict.REGRESSION, evidence(1.2)) for i in range(5)]
    samples = {c.name: (measurement(c.name, 1.0), measurement(c.name, 1.2)) for c in comps}
    assert list(plots.distributions(comps, samples, limit=3)) == ["r0", "r1", "r2"]
