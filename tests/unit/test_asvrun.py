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


def test_a_missing_machine_is_added_atomically_keeping_the_others(tmp_path, monkeypatch):
    """asv rewrites its machine file in place; shards started together on one host read it
    half-written. perfkit adds the entry itself: whole file, other entries kept, readable
    by asv's own loader."""
    import json
    import threading

    from asv import util
    from asv.machine import Machine

    from perfkit.measure import asvrun

    path = tmp_path / ".asv-machine.json"
    path.write_text(json.dumps({"version": 1, "other": {"machine": "other", "cpu": "x"}}))
    monkeypatch.setattr(asvrun, "MACHINE_FILE", path)
    names = [f"runner-{i}" for i in range(6)]
    threads = [threading.Thread(target=asvrun.ensure_machine, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = util.load_json(str(path), api_version=Machine.api_version)
    assert set(data) == {"other", *names}
    assert data["runner-3"]["machine"] == "runner-3" and data["runner-3"]["num_cpu"]
    assert asvrun.current_machine("runner-5") == "runner-5"
