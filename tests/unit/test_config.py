"""The configuration file: defaults, perfkit.toml, [tool.perfkit], one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.config import Config, load_config
from perfkit.errors import ConfigError
from perfkit.model import BenchmarkKind, Direction, Measurement


def test_defaults_without_any_file(tmp_path: Path):
    c = load_config(tmp_path)
    assert c == Config() and c.stats.threshold == 0.05 and c.gate.min_score == 75


def test_perfkit_toml_wins_over_pyproject(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.perfkit.stats]\nthreshold = 0.2\n")
    assert load_config(tmp_path).stats.threshold == 0.2
    (tmp_path / "perfkit.toml").write_text(
        '[stats]\nthreshold = 0.03\n[stats.thresholds]\n"sync" = 0.1\n"sync.Block*" = 0.2\n'
        '[gate]\nmin_score = 80\nallow = ["x*"]\n[direction]\n"*.track_lat*" = "lower"\n'
    )
    c = load_config(tmp_path)
    assert c.stats.threshold == 0.03 and c.gate.min_score == 80 and c.allowed("x1")
    assert c.threshold_for("sync.BlockRate.time_x") == 0.2  # the longest pattern wins
    assert c.threshold_for("sync.Other.time_x") == 0.1 and c.threshold_for("actor.A.time") == 0.03
    m = Measurement(
        name="s.C.track_latency",
        benchmark="s.C.track_latency",
        kind=BenchmarkKind.TRACK,
        unit="ms/s",
        direction=Direction.HIGHER_IS_BETTER,
    )
    assert c.direction_for(m) is Direction.LOWER_IS_BETTER


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[stats]\nthreshold = 2\n", "stats.threshold"),
        ("[stats]\ntreshold = 0.1\n", "unknown key"),
        ("[gate]\nmin_score = 101\n", "gate.min_score"),
        ("[gate]\nmax_regressions = -1\n", "max_regressions"),
        ("[severity]\nmajor = 0.3\ncritical = 0.2\n", "below severity.critical"),
        ("[bogus]\n", "unknown section"),
        ('[direction]\n"x" = "up"\n', "higher"),
        ("[stats\n", "invalid TOML"),
        ("[gate]\nallow = 'x'\n", "list"),
    ],
)
def test_bad_config_is_one_line_naming_the_file(tmp_path: Path, text: str, words: str):
    path = tmp_path / "perfkit.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert words in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_explicit_missing_config_file_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path, tmp_path / "nope.toml")
