from __future__ import annotations

import pytest

from perfkit.errors import ConfigError
from perfkit.measure import continuous


def test_results_dir_comes_from_asv_conf_with_comments(tmp_path):
    (tmp_path / "asv.conf.json").write_text(
        '{\n  // asv allows comments\n  "version": 1,\n  "results_dir": "out/res"\n}\n'
    )
    assert continuous.results_dir_of(tmp_path) == (tmp_path / "out" / "res").resolve()


def test_results_dir_defaults_to_results(tmp_path):
    (tmp_path / "asv.conf.json").write_text('{"version": 1}')
    assert continuous.results_dir_of(tmp_path) == (tmp_path / "results").resolve()


@pytest.mark.parametrize("text", [None, "{broken"])
def test_missing_or_broken_asv_conf_is_a_config_error(tmp_path, text):
    if text is not None:
        (tmp_path / "asv.conf.json").write_text(text)
    with pytest.raises(ConfigError) as err:
        continuous.results_dir_of(tmp_path)
    assert "asv.conf.json" in str(err.value) and "\n" not in str(err.value)
