"""Issue 18, the command line: ``--threshold`` reaches every verdict, every option works
or is refused (exit 2, one line), one meaning per option name (docs/cli.md is the real
``--help``), progress lines in ``continuous`` and ``bisect`` (``-q`` silences them).

Commands run in-process through ``perfkit.cli.main`` on small synthetic files; where a
command measures, only the measuring is replaced (by measurements 20 % apart, or by a
fake ``asv`` that prints asv's step lines), never the judging.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from perfkit import baseline as baselines
from perfkit.cli import main
from perfkit.measure import asvrun, shard
from perfkit.model import BenchmarkKind, Measurement

ROOT = Path(__file__).resolve().parents[2]
BENCH = "bench_x.time_x"
SLOWER = 1.2  # head is 20 % slower: a regression at a 5 % threshold, unchanged at 50 %


# ---------------------------------------------------------------- fixtures


def measured(level: float, *, name: str = BENCH, commit: str | None = None) -> Measurement:
    """Six processes of four samples, 1 % apart: a 20 % change is clear, 50 % is not reached."""
    return Measurement(
        name=name,
        benchmark=name,
        kind=BenchmarkKind.TIME,
        unit="seconds",
        runs=tuple(tuple(level * f for f in (1.0, 1.01, 0.99, 1.005)) for _ in range(6)),
        runs_known=True,
        commit=commit,
    )


def pyperf_file(path: Path, level: float) -> Path:
    runs = [{"values": [level * f for f in (1.0, 1.01, 0.99, 1.005)]} for _ in range(6)]
    bench = {"metadata": {"name": BENCH, "unit": "second"}, "runs": runs}
    path.write_text(json.dumps({"version": "1.0", "metadata": {}, "benchmarks": [bench]}))
    return path


def verdict_in(report_json: Path) -> tuple[str, float]:
    (row,) = json.loads(report_json.read_text())["benchmarks"]
    return row["verdict"], row["evidence"]["threshold"]


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """A clean working directory (no perfkit.toml) and crash logs under it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(asvrun, "current_machine", lambda name=None: name or "box")
    return tmp_path


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(here) -> tuple[Path, str, str]:
    """A git repository of two commits with an asv.conf.json; returns (root, first, second)."""
    root = here / "project"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    (root / "asv.conf.json").write_text('{"version": 1, "results_dir": "results"}')
    git(root, "add", ".")
    git(root, "commit", "-qm", "one")
    first = git(root, "rev-parse", "HEAD")
    (root / "code.py").write_text("x = 1\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "two")
    return root, first, git(root, "rev-parse", "HEAD")


FAKE_ASV = textwrap.dedent(
    """
    import json, os, sys
    with open(os.environ["FAKE_ASV_ARGV"], "a") as f:
        f.write(json.dumps(sys.argv[1:]) + "\\n")
    if sys.argv[1] == "continuous":
        print("· Creating environments")
        print("some tool chatter")
        print("[ 50.00%] · For project commit abc (round 1/2):")
        print("[100.00%] ··· bench_x.time_x   1.00±0ms")
    elif sys.argv[1] == "find":
        print("· Running approx. 1 benchmarks")
        print("Greatest regression found: " + os.environ["FAKE_ASV_FOUND"])
    elif sys.argv[1] == "run":
        print("· Running 2 total benchmarks")
    """
)


@pytest.fixture
def fake_asv(here, monkeypatch) -> Path:
    """``asv`` replaced by a script that prints asv's step lines and logs its arguments."""
    script = here / "fake_asv.py"
    script.write_text(FAKE_ASV)
    argv_log = here / "asv-argv.jsonl"
    monkeypatch.setenv("FAKE_ASV_ARGV", str(argv_log))
    monkeypatch.setattr(asvrun, "asv_command", lambda: [sys.executable, str(script)])
    monkeypatch.setattr(asvrun, "ensure_machine", lambda name=None: None)
    return argv_log


def asv_calls(argv_log: Path) -> list[list[str]]:
    return [json.loads(line) for line in argv_log.read_text().splitlines()]


# ---------------------------------------------------------------- --threshold: validation


@pytest.mark.parametrize("value", ["0", "-0.05", "10", "12", "abc", "nan", "inf", ""])
def test_a_threshold_outside_0_to_10_exits_2_in_one_line(here, capsys, value):
    base, head = pyperf_file(here / "b.json", 1.0), pyperf_file(here / "h.json", SLOWER)
    assert main(["compare", str(base), str(head), "--threshold", value]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("perfkit: error: --threshold must be")
    assert not (here / "reports").exists()  # refused before anything ran


def test_the_threshold_replaces_the_configured_ones_too(here):
    from perfkit.cli.options import get_config

    (here / "perfkit.toml").write_text(
        '[stats]\nthreshold = 0.02\n[stats.thresholds]\n"bench_x.*" = 0.3\n'
    )
    assert get_config(None).threshold_for(BENCH) == 0.3
    assert get_config(None, 0.5).threshold_for(BENCH) == 0.5
    assert get_config(None, 0.5).threshold_for("other.time_y") == 0.5


# ---------------------------------------------------------------- --threshold: each command


@pytest.mark.parametrize(("threshold", "verdict"), [(None, "regression"), ("0.5", "unchanged")])
def test_compare_threshold_reaches_the_verdict(here, threshold, verdict):
    base, head = pyperf_file(here / "b.json", 1.0), pyperf_file(here / "h.json", SLOWER)
    args = ["compare", str(base), str(head), "--out", "out", "--json", "r.json"]
    assert main(args + (["--threshold", threshold] if threshold else [])) == 0
    assert verdict_in(here / "r.json") == (verdict, float(threshold or 0.05))
    assert verdict_in(here / "out" / "report.json")[0] == verdict  # the evidence records it


def test_compare_threshold_wins_over_settings(here):
    (here / "perfkit.toml").write_text("[stats]\nthreshold = 0.5\n")
    base, head = pyperf_file(here / "b.json", 1.0), pyperf_file(here / "h.json", SLOWER)
    assert main(["compare", str(base), str(head), "--json", "a.json"]) == 0
    assert verdict_in(here / "a.json") == ("unchanged", 0.5)
    assert main(["compare", str(base), str(head), "--json", "b.json", "--threshold", "0.05"]) == 0
    assert verdict_in(here / "b.json") == ("regression", 0.05)


def write_shard(folder: Path, k: int, n: int, plan: dict[str, int]) -> None:
    shard.write_record(
        folder, shard.Spec(k, n), plan, machine="box", base_commit="b" * 40, head_commit="h" * 40
    )
    mine = [b for b, i in plan.items() if i == k]
    for label, level in (("base", 1.0), ("head", SLOWER)):
        b = baselines.build(f"run-{label}", "box", [measured(level, name=m) for m in mine])
        baselines.save(b, folder).replace(folder / f"{label}.json")


@pytest.mark.parametrize(("threshold", "verdict"), [("0.05", "regression"), ("0.5", "unchanged")])
def test_merge_threshold_reaches_the_verdict(here, threshold, verdict):
    plan = {BENCH: 1, "bench_y.time_y": 2}
    write_shard(here / "s1", 1, 2, plan)
    write_shard(here / "s2", 2, 2, plan)
    args = ["merge", "s1", "s2", "--json", "m.json", "--threshold", threshold]
    assert main(args) == 0
    rows = json.loads((here / "m.json").read_text())["benchmarks"]
    assert {r["name"]: r["verdict"] for r in rows} == {BENCH: verdict, "bench_y.time_y": verdict}
    assert {r["evidence"]["threshold"] for r in rows} == {float(threshold)}


def _side(label: str, commit: str) -> SimpleNamespace:
    return SimpleNamespace(label=label, commit=commit, env_prefix=None, python=None)


def spent(sides: dict):
    """What measure_spent returns: the sides, and a spend of 4 processes a side each."""
    from perfkit.measure.protocol import Measured
    from perfkit.model import Spend

    rounds = tuple((m.name, 4) for m in sides["head"])
    n = len(sides) * 4 * len(rounds)
    return Measured(sides, Spend(len(sides), 4, 12, n, 2 * n, rounds))


@pytest.mark.parametrize(("threshold", "verdict"), [("0.05", "regression"), ("0.5", "unchanged")])
def test_run_threshold_reaches_the_verdict(here, monkeypatch, threshold, verdict):
    import perfkit.cli.run as run_cli

    sides = [_side("base", "b" * 40), _side("head", "h" * 40)]
    made = SimpleNamespace(sides=sides, provenance={"base": {}, "head": {}})
    monkeypatch.setattr(run_cli, "make_sides", lambda stack, wanted, **kw: made)
    monkeypatch.setattr(
        run_cli,
        "measure_spent",
        lambda sides, workdir, protocol, **kw: spent(
            {"base": [measured(1.0)], "head": [measured(1.2)]}
        ),
    )
    args = ["run", "--base", "HEAD~1", "--out", "out", "--threshold", threshold]
    assert main(args) == 0
    assert verdict_in(here / "out" / "report.json") == (verdict, float(threshold))


def test_run_refuses_a_threshold_with_nothing_to_judge(here, capsys):
    assert main(["run", "--threshold", "0.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--base" in err


@pytest.mark.parametrize(("threshold", "code"), [("0.05", 1), ("0.5", 0)])
def test_check_threshold_reaches_the_verdict_and_the_gate(here, monkeypatch, threshold, code):
    import perfkit.check as check_lib
    import perfkit.cli.check as check_cli

    stored = baselines.build("main", "box", [measured(1.0)], commit="b" * 40)
    baselines.save(stored, here / "baselines")
    head = _side("head", "h" * 40)
    made = SimpleNamespace(sides=[head], provenance={"head": {}, "base": {}})
    monkeypatch.setattr(check_cli, "asv_project", lambda path: SimpleNamespace(root=here))
    monkeypatch.setattr(check_lib.gitrepo, "is_dirty", lambda root: False)
    monkeypatch.setattr(check_lib, "materialise", lambda *a, **kw: made)
    monkeypatch.setattr(
        check_lib, "measure_spent", lambda *a, **kw: spent({"head": [measured(SLOWER)]})
    )
    args = ["check", "--remeasure-base", "never", "--no-profile", "--out", "out"]
    assert main([*args, "--threshold", threshold]) == code
    verdict = "regression" if code else "unchanged"
    assert verdict_in(here / "out" / "report.json") == (verdict, float(threshold))


def _fake_continuous(monkeypatch, here: Path) -> None:
    """`asv continuous` measured base 1.0 and head 1.2 (only its reading is replaced)."""
    import perfkit.cli.continuous as continuous_cli
    from perfkit.measure import continuous

    run = continuous.ContinuousRun(0, 0.0, here / "results", "box", here / "asv.log")
    monkeypatch.setattr(continuous_cli.gitrepo, "resolve", lambda repo, rev: rev * 40)
    monkeypatch.setattr(continuous, "run", lambda *a, **kw: run)
    monkeypatch.setattr(
        continuous,
        "read_side",
        lambda result, commit: [measured(1.0 if commit.startswith("a") else SLOWER)],
    )


@pytest.mark.parametrize(("threshold", "code"), [("0.05", 1), ("0.5", 0)])
def test_continuous_threshold_reaches_the_verdict(here, monkeypatch, threshold, code):
    _fake_continuous(monkeypatch, here)
    args = ["continuous", "a", "b", "--out", "out", "--threshold", threshold]
    assert main(args) == code
    verdict = "regression" if code else "unchanged"
    assert verdict_in(here / "out" / "report.json") == (verdict, float(threshold))


def _fake_confirmation(monkeypatch, seen: dict) -> None:
    """The confirmation's sides and measuring replaced: parent 1.0, commit 1.2; its
    comparison is perfkit's, with the configuration the command passed."""
    import perfkit.measure.asvconfig as asvconfig
    import perfkit.measure.materialise as materialise
    import perfkit.measure.protocol as protocol

    def fake_discover(repo, explicit=None):
        seen["asv_config"] = explicit
        return SimpleNamespace(root=repo)

    def fake_measure(sides, workdir, proto, *, config=None, progress=lambda m: None, **kw):
        seen["protocol"] = proto
        progress("measuring round 1 of 4")
        return {"base": [measured(1.0)], "head": [measured(SLOWER)]}

    made = SimpleNamespace(sides=[_side("base", "p"), _side("head", "c")], provenance={})
    monkeypatch.setattr(asvconfig, "discover", fake_discover)
    monkeypatch.setattr(materialise, "materialise", lambda *a, **kw: made)
    monkeypatch.setattr(protocol, "measure", fake_measure)


@pytest.mark.parametrize(("threshold", "code"), [("0.05", 0), ("0.5", 1)])
def test_bisect_threshold_reaches_the_confirmation(repo, fake_asv, monkeypatch, threshold, code):
    root, first, second = repo
    monkeypatch.setenv("FAKE_ASV_FOUND", second[:8])
    _fake_confirmation(monkeypatch, {})
    args = ["bisect", BENCH, first, second, "--repo", str(root), "--json", "b.json"]
    assert main([*args, "--threshold", threshold]) == code
    data = json.loads(Path("b.json").read_text())
    assert data["commit"] == second and data["parent"] == first
    assert data["confirmed"] is (code == 0) and data["threshold"] == float(threshold)


def test_bisect_confirms_with_settings_and_the_asv_config(repo, fake_asv, monkeypatch, capsys):
    root, first, second = repo
    monkeypatch.setenv("FAKE_ASV_FOUND", second[:8])
    _fake_confirmation(monkeypatch, seen := {})
    (root / "sub").mkdir()
    (root / "sub" / "asv.conf.json").write_text('{"version": 1}')
    Path("loose.toml").write_text("[stats]\nthreshold = 0.5\n")
    args = ["bisect", BENCH, first, second, "--repo", str(root), "--json", "-"]
    assert main([*args, "--config", str(root / "sub" / "asv.conf.json")]) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == 0.05  # the default
    assert seen["asv_config"] == root / "sub" / "asv.conf.json"
    (find,) = [c for c in asv_calls(fake_asv) if c[0] == "find"]
    assert find[find.index("--config") + 1] == str(root / "sub" / "asv.conf.json")
    assert main([*args, "--settings", "loose.toml", "--machine", "m1"]) == 1  # not confirmed
    assert json.loads(capsys.readouterr().out)["threshold"] == 0.5
    assert seen["protocol"].machine == "m1"
    find = [c for c in asv_calls(fake_asv) if c[0] == "find"][-1]
    assert find[find.index("--machine") + 1] == "m1"


# ---------------------------------------------------------------- options that work or are refused


def test_bisect_refuses_invert_with_same_python(repo, capsys):
    root, first, second = repo
    args = ["bisect", BENCH, first, second, "--repo", str(root), "--same-python", "--invert"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--invert" in err and "--same-python" in err


def test_bisect_invert_reaches_asv_find(repo, fake_asv, monkeypatch):
    root, first, second = repo
    monkeypatch.setenv("FAKE_ASV_FOUND", second[:8])
    _fake_confirmation(monkeypatch, {})
    base_args = ["bisect", BENCH, first, second, "--repo", str(root)]
    main(base_args)
    main([*base_args, "--invert"])
    plain, inverted = [c for c in asv_calls(fake_asv) if c[0] == "find"]
    assert "--invert" not in plain and "--invert" in inverted


@pytest.mark.parametrize(
    "extra",
    [["--extra-rounds", "2"], ["--budget", "3x"], ["--final-rounds", "1"]],
)
def test_baseline_save_has_no_extra_rounds(here, capsys, extra):
    assert main(["baseline", "save", "main", "--run", *extra]) == 2
    assert "No such option" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--rounds", "8"], "--rounds"),
        (["--bench", "x", "--repeat", "3"], "--bench, --repeat"),
        (["--same-python"], "--same-python"),
        (["--settings", "perfkit.toml"], "--settings"),
        (["--run", "--commit", "abc"], "--commit"),
        (["--run", "--results", "r"], "--results"),
        (["--run", "--from", "x.json"], "--run and --from"),
    ],
)
def test_baseline_save_refuses_options_it_would_ignore(here, capsys, args, named):
    assert main(["baseline", "save", "main", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and named in err, err
    assert not (here / "baselines").exists()


def test_baseline_save_run_measures_with_the_given_options_and_no_extra_rounds(here, monkeypatch):
    import perfkit.cli.baseline as baseline_cli

    seen = {}

    def fake_measure(sides, workdir, protocol, **kw):
        seen["protocol"] = protocol
        return {"head": [measured(1.0)]}

    made = SimpleNamespace(sides=[_side("head", "h" * 40)], provenance={"head": {}})
    monkeypatch.setattr(baseline_cli, "make_sides", lambda stack, wanted, **kw: made)
    monkeypatch.setattr(baseline_cli, "measure", fake_measure)
    assert main(["baseline", "save", "main", "--run", "--rounds", "3", "--repeat", "7"]) == 0
    p = seen["protocol"]
    assert (p.rounds, p.repeat, p.extra_rounds, p.budget) == (3, 7, 0, 1.0)
    assert baselines.find("main", "box", here / "baselines")[0].commit == "h" * 40


def test_baseline_dir_is_a_hidden_alias_of_baselines(here, capsys):
    saved = here / "elsewhere"
    source = pyperf_file(here / "b.json", 1.0)
    assert main(["baseline", "save", "main", "--from", str(source), "--dir", str(saved)]) == 0
    assert "--dir is deprecated" in capsys.readouterr().err
    assert main(["baseline", "list", "--baselines", str(saved)]) == 0
    assert "main" in capsys.readouterr().out
    assert main(["baseline", "list", "--help"]) == 0
    assert "--dir" not in capsys.readouterr().out


def test_run_range_refuses_results_without_same_python(here, capsys):
    assert main(["run-range", "HEAD~1..HEAD", "--results", "r"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--results" in err and "--same-python" in err


def test_run_range_repeat_reaches_asv_and_the_recorded_attributes(repo, fake_asv):
    root, first, second = repo
    results = root / "results"
    results.mkdir()
    (results / "benchmarks.json").write_text(json.dumps({BENCH: {"rounds": 2, "repeat": 0}}))
    args = ["run-range", f"{first}..{second}", "--repo", str(root), "--machine", "box"]
    assert main(args) == 0
    assert main([*args, "--repeat", "7"]) == 0
    plain, repeated = [c for c in asv_calls(fake_asv) if c[0] == "run"]
    assert "repeat=7" not in plain and repeated[repeated.index("-a") + 1] == "repeat=7"
    assert json.loads((results / "benchmarks.json").read_text())[BENCH]["repeat"] == 7


def test_run_range_same_python_passes_config_and_machine(repo, monkeypatch):
    from perfkit.measure import commitrange

    root, first, second = repo
    calls = []
    monkeypatch.setattr(
        commitrange.asvrun, "run_round", lambda tree, commit, out, **kw: calls.append((tree, kw))
    )
    (root / "sub").mkdir()
    args = ["run-range", f"{first}..{second}", "--repo", str(root), "--same-python"]
    config = root / "sub" / "asv.conf.json"
    assert main([*args, "--config", str(config), "--machine", "m2", "--repeat", "4"]) == 0
    assert len(calls) == 1  # first..second is one commit
    tree, kw = calls[0]
    assert kw["config"] == tree / "sub" / "asv.conf.json"  # the commit's own copy
    assert (kw["machine"], kw["repeat"]) == ("m2", 4)


def test_comment_takes_github_repo_and_the_old_repo_name(here, monkeypatch, capsys):
    from perfkit.ci import ghactions
    from perfkit.errors import GitHubError

    def target(repo, pr):
        raise GitHubError(f"target {repo}")

    monkeypatch.setattr(ghactions, "resolve_target", target)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    md = ROOT / "tests" / "data" / "report" / "comment.md"
    assert main(["comment", str(md), "--github-repo", "o/new"]) == 2
    assert capsys.readouterr().err.strip() == "perfkit: error: target o/new"
    assert main(["comment", str(md), "--repo", "o/old"]) == 2
    err = capsys.readouterr().err
    assert "--repo is deprecated" in err and "target o/old" in err


# ---------------------------------------------------------------- --json FILE everywhere


def test_json_dash_puts_only_the_report_on_stdout(here, capsys):
    base, head = pyperf_file(here / "b.json", 1.0), pyperf_file(here / "h.json", SLOWER)
    assert main(["compare", str(base), str(head), "--json", "-"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["benchmarks"][0]["verdict"] == "regression"
    assert BENCH in captured.err  # the table moved to stderr


def test_every_json_option_takes_a_file():
    import click

    from perfkit.cli import COMMANDS, cli

    ctx = click.Context(cli, info_name="perfkit", **cli.context_settings)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        subs = (
            [command.get_command(ctx, s) for s in command.list_commands(ctx)]
            if isinstance(command, click.Group)
            else [command]
        )
        for sub in subs:
            for param in sub.params:
                if "--json" in getattr(param, "opts", ()):
                    assert not param.is_flag and isinstance(param.type, click.Path), (name, sub)


# ---------------------------------------------------------------- progress lines


def test_continuous_prints_asvs_steps_as_progress_and_q_silences_them(repo, fake_asv, capsys):
    root, first, second = repo
    args = ["continuous", first, second, "--repo", str(root), "--out", "out", "--machine", "box"]
    assert main(args) == 2  # the fake asv writes no results: exit 2 after its steps
    err = capsys.readouterr().err
    assert "· Creating environments" in err and "[100.00%] ··· bench_x.time_x" in err
    assert "some tool chatter" not in err  # only asv's step lines; the rest is in the log
    assert "some tool chatter" in Path("out", "asv.log").read_text()
    assert main(["-q", *args]) == 2
    err = capsys.readouterr().err
    assert "Creating environments" not in err and err.strip().startswith("perfkit: error:")


def test_bisect_prints_progress_and_q_silences_it(repo, fake_asv, monkeypatch, capsys):
    root, first, second = repo
    monkeypatch.setenv("FAKE_ASV_FOUND", second[:8])
    _fake_confirmation(monkeypatch, {})
    args = ["bisect", BENCH, first, second, "--repo", str(root)]
    assert main(args) == 0
    err = capsys.readouterr().err
    for line in ("asv find", "· Running approx. 1 benchmarks", "confirming", "round 1 of 4"):
        assert line in err, err
    assert main(["-q", *args]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "confirmed" in captured.out


def test_the_bisection_reports_every_probe():
    from perfkit.history import bisect

    revs = [f"{i:040d}" for i in range(1, 9)]
    levels = {c: (2.0 if i >= 5 else 1.0) for i, c in enumerate(revs)} | {"0" * 40: 1.0}

    def level(commit):
        return levels[commit]

    level.worse_is_higher = True
    lines: list[str] = []
    found = bisect.search(revs, "0" * 40, level, progress=lines.append)
    assert found.commit == revs[5]
    assert sum(line.startswith("measuring") for line in lines) == len(found.steps)
    probed = [line for line in lines if "candidate commits left" in line]
    judged = [line for line in lines if line.endswith((" is bad", " is good"))]
    assert len(probed) == len(judged) == 3  # 8 commits: three halvings


# ---------------------------------------------------------------- docs/cli.md


def test_docs_cli_md_is_the_real_help():
    from perfkit.cli import reference

    path = ROOT / "docs" / "cli.md"
    text = path.read_text(encoding="utf-8")
    assert reference.MARKER in text
    assert text == reference.splice(text), (
        "docs/cli.md differs from the commands' --help: run "
        "`python -m perfkit.cli.reference --write docs/cli.md`"
    )
    for name in reference_commands():
        assert f"## `perfkit {name}`" in text
    assert "--threshold" in text and "--github-repo" in text


def reference_commands() -> list[str]:
    from perfkit.cli import COMMANDS

    return list(COMMANDS)


@pytest.mark.parametrize(("given", "factor"), [("2.5x", 2.5), ("3", 3.0), ("1X", 1.0)])
def test_run_budget_reaches_the_protocol(here, monkeypatch, given, factor):
    import perfkit.cli.run as run_cli

    seen = {}
    sides = [_side("base", "b" * 40), _side("head", "h" * 40)]
    made = SimpleNamespace(sides=sides, provenance={"base": {}, "head": {}})
    monkeypatch.setattr(run_cli, "make_sides", lambda stack, wanted, **kw: made)

    def fake(sides, workdir, protocol, **kw):
        seen["protocol"] = protocol
        return spent({"base": [measured(1.0)], "head": [measured(1.0)]})

    monkeypatch.setattr(run_cli, "measure_spent", fake)
    args = ["run", "--base", "HEAD~1", "--out", "out", "--budget", given, "--extra-rounds", "6"]
    assert main(args) == 0
    assert (seen["protocol"].budget, seen["protocol"].extra_rounds) == (factor, 6)
    spend = json.loads((here / "out" / "report.json").read_text())["spend"]
    assert spend["processes"] == 8 and spend["budget"] == 16


@pytest.mark.parametrize("given", ["0.5x", "x", "nan", "-2", "1000x"])
def test_a_budget_that_is_no_factor_is_refused_in_one_line(here, capsys, given):
    assert main(["run", "--base", "HEAD~1", "--budget", given]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--budget" in err, err
