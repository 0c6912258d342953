"""End to end on a copy of this project: a real asv run saved as a baseline, then
`perfkit check` on unchanged code passes (exit 0) and on an injected slowdown fails
(exit 1) naming the benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfkit.cli import main

from .conftest import git

pytestmark = pytest.mark.slow
BENCH = r"^sync\.BlockProcessingRate\.time_validate_chain$"
NAME = "sync.BlockProcessingRate.time_validate_chain"


@pytest.fixture
def project(project: Path) -> Path:
    """The copy judged at a 25 % threshold: the injected effects are 1.6-2x, and identical
    code on a 2-core machine at load 8-10 once came out a (confirmed) regression at 5 %."""
    (project / "perfkit.toml").write_text("[stats]\nthreshold = 0.25\n")
    git(project, "add", "perfkit.toml")
    git(project, "commit", "-qm", "judge at 25 %")
    return project


def test_gate_passes_unchanged_code_and_fails_an_injected_slowdown(
    project: Path, monkeypatch, capsys
):
    monkeypatch.chdir(project)
    protocol = ["--same-python", "--bench", BENCH, "--rounds", "4", "--extra-rounds", "4"]
    save = ["baseline", "save", "main", "--run", *protocol[:-2]]  # no --extra-rounds: no comparison
    assert main([*save, "--baselines", "baselines"]) == 0
    saved = json.loads(next((project / "baselines").glob("main--*.json")).read_text())
    assert list(saved["benchmarks"]) == [NAME] and len(saved["benchmarks"][NAME]["runs"]) == 4

    assert (
        main(["check", "--baseline", "main", *protocol, "--no-profile", "--out", "reports/same"])
        == 0
    )
    assert "gate: PASSED" in capsys.readouterr().out

    # the slowdown: the validation call site now validates the chain twice
    chain_py = project / "workloads" / "perfkit_workloads" / "chain.py"
    source = chain_py.read_text()
    call = "    return int(\n        validate_range("
    assert call in source
    twice = "validate_range(chain.headers, chain.hashes, chain.tx_start, chain.tx_count, chain.txs, lo, hi)"
    chain_py.write_text(source.replace(call, f"    {twice}\n{call}"))
    git(project, "commit", "-qam", "validate twice")
    # On a heavily loaded machine the honest verdict can be "inconclusive"; a user would
    # measure again with more processes, so the test does too (never on a wrong verdict).
    for rounds in ("4", "8"):
        code = main(
            [
                "check",
                "--baseline",
                "main",
                "--same-python",
                "--bench",
                BENCH,
                "--rounds",
                rounds,
                "--extra-rounds",
                rounds,
                "--no-profile",
                "--out",
                "reports/slow",
            ]
        )
        out, err = capsys.readouterr()
        if "inconclusive" not in out:
            break
    assert code == 1, err
    assert "gate: FAILED" in out and NAME in out
    assert "measuring: spent" in out  # what the protocol spent, against its budget
    report = json.loads((project / "reports" / "slow" / "report.json").read_text())
    spend = report["spend"]
    assert spend["sides"] == 1 and 0 < spend["processes"] <= spend["budget"]
    assert spend["rounds"][0][0] == NAME and spend["rounds"][0][1] >= int(rounds)
    (reg,) = report["regressions"]
    assert (
        reg["benchmark_name"] == NAME
        and reg["severity"] == "Critical"
        and reg["change_percent"] > 50
    )
    assert any(
        "1 confirmed" in w for w in report["warnings"]
    )  # measured again next to the baseline's commit
    assert main(["gate", "reports/slow/report.json"]) == 1
    assert main(["gate", "reports/same"]) == 0


def test_a_baseline_from_other_hardware_has_its_commit_measured_here(
    project: Path, monkeypatch, capsys
):
    """Stored timings from another CPU say nothing about this one: `check` measures the
    baseline's commit here, interleaved; `--remeasure-base never` keeps them, with a warning."""
    monkeypatch.chdir(project)
    protocol = ["--same-python", "--bench", BENCH, "--rounds", "2", "--extra-rounds", "0"]
    save = ["baseline", "save", "main", "--run", *protocol[:-2]]  # no --extra-rounds: no comparison
    assert main([*save, "--baselines", "baselines"]) == 0
    path = next((project / "baselines").glob("main--*.json"))
    saved = json.loads(path.read_text())
    saved["environment_info"]["cpu_model_name"] = "Elsewhere CPU 9000"
    path.write_text(json.dumps(saved))

    main(["check", "--baseline", "main", *protocol, "--no-profile", "--out", "reports/other"])
    out = capsys.readouterr().out
    report = json.loads((project / "reports" / "other" / "report.json").read_text())
    assert "measured here" in report["base_label"] and "Elsewhere CPU 9000" in out
    assert any("was measured here, interleaved" in w for w in report["warnings"])
    (bench,) = report["benchmarks"]
    assert (
        bench["name"] == NAME
        and bench["evidence"]["n_base_samples"] == bench["evidence"]["n_head_samples"] == 20
    )
    assert (project / "reports" / "other" / "measure" / "base").is_dir()

    main(
        [
            "check",
            "--baseline",
            "main",
            *protocol,
            "--remeasure-base",
            "never",
            "--no-profile",
            "--out",
            "reports/stored",
        ]
    )
    report = json.loads((project / "reports" / "stored" / "report.json").read_text())
    assert (
        "(stored)" in report["base_label"]
        and not (project / "reports" / "stored" / "measure" / "base").exists()
    )
    assert any("other hardware" in w and "Elsewhere CPU 9000" in w for w in report["warnings"])


def test_a_regression_against_stored_timings_is_confirmed_next_to_the_baseline_commit(
    project: Path, monkeypatch, capsys
):
    """The machine was faster when the baseline was taken (a quiet host, a higher clock):
    against the stored timings unchanged code looks 1.6x slower. `check` measures the
    baseline's commit again for that benchmark, interleaved, and the regression goes;
    with `--remeasure-base never` the stored timings decide and the gate fails."""
    monkeypatch.chdir(project)
    # extra rounds for what stays unclear: at load 3.8 four rounds a side of the confirmation
    # (samples of one process 12 and 24 ms) left identical code inconclusive at +56 %, whose
    # estimate the score counts
    protocol = ["--same-python", "--bench", BENCH, "--rounds", "4", "--extra-rounds", "4"]
    save = ["baseline", "save", "main", "--run", *protocol[:-2]]  # no --extra-rounds: no comparison
    assert main([*save, "--baselines", "baselines"]) == 0
    path = next((project / "baselines").glob("main--*.json"))
    saved = json.loads(path.read_text())
    entry = saved["benchmarks"][NAME]
    entry["runs"] = [[x * 0.6 for x in run] for run in entry["runs"]]
    entry["started_at"] -= 86400  # the day before: another session
    path.write_text(json.dumps(saved))

    assert (
        main(["check", "--baseline", "main", *protocol, "--no-profile", "--out", "reports/shifted"])
        == 0
    )
    report = json.loads((project / "reports" / "shifted" / "report.json").read_text())
    assert any(
        "1 benchmark(s) differing from the stored timings" in w and "0 confirmed" in w
        for w in report["warnings"]
    )
    (bench,) = report["benchmarks"]
    # judged on the fresh pair measured side by side (paired when enough rounds were
    # undisturbed: not on a machine at load 12, where it came out unpaired, inconclusive)
    assert bench["verdict"] != "regression"
    assert (project / "reports" / "shifted" / "confirm" / "base").is_dir()
    capsys.readouterr()

    assert (
        main(
            [
                "check",
                "--baseline",
                "main",
                *protocol,
                "--remeasure-base",
                "never",
                "--no-profile",
                "--out",
                "reports/stored",
            ]
        )
        == 1
    )
    assert "gate: FAILED" in capsys.readouterr().out
