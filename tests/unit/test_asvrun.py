"""Translating perfkit's full names into asv --bench selections."""

from __future__ import annotations

import re

from perfkit.measure.asvrun import selection_regex


def asv_name(bench: str, values: list[str]) -> str:
    return f"{bench}({', '.join(values)})" if values else bench


def test_plain_and_parameterised_names_select_exactly_one_combination():
    cases = {
        "s.time_x": ("s.time_x", []),
        "s.C.time_y(n=1, policy='drop, newest')": ("s.C.time_y", ["1", "'drop, newest'"]),
        "s.C.time_z(t=(1, 2), k=[3, 4])": ("s.C.time_z", ["(1, 2)", "[3, 4]"]),
    }
    for full, (bench, values) in cases.items():
        (regex,) = selection_regex([full])
        assert re.search(regex, asv_name(bench, values))
        assert not re.search(regex, asv_name(bench, [*values[:-1], "999"])) or not values
        assert not re.search(regex, asv_name(bench + "_other", values))
