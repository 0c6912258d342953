"""Explain regressions: py-spy flamegraphs per side, a differential flamegraph and memray
heap profiles, attached to the report's Comparisons.

Profiles run after the verdict, in their own processes: timings are never taken under a
profiler. The base side runs from a temporary ``git worktree`` of the baseline's commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from perfkit import gitrepo
from perfkit.errors import PerfkitError
from perfkit.model import Artifact, ArtifactKind, MemoryProfile, Report, Verdict
from perfkit.profile.flamegraph import write_flamegraph
from perfkit.profile.folded import top_grown
from perfkit.profile.runner import DEFAULT_RATE, Target, profile_cpu, profile_memory
from perfkit.profile.speedscope import write_speedscope

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Trees:
    """Where each side's code is: the head tree and the baseline commit's worktree."""

    head: Path
    base: Path
    # built sides' interpreters (None: this one with the tree first on sys.path)
    head_python: str | None = None
    base_python: str | None = None
    benchmark_dir: str = "benchmarks"  # relative to each tree


@dataclass(frozen=True)
class Options:
    seconds: float = 3.0
    rate: int = DEFAULT_RATE
    native: bool = False
    memory: bool = True
    top: int = 5


def slug(name: str) -> str:
    """A file-name-safe, unique-enough folder name for a benchmark."""
    cleaned = re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip("_")[:80]
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned != name else cleaned


@dataclass(frozen=True)
class BenchmarkProfile:
    artifacts: tuple[Artifact, ...]
    top_frames: tuple[str, ...]  # frames whose self time per call grew most
    memory: MemoryProfile | None


def profile_benchmark(
    name: str, trees: Trees, out_dir: Path, rel_to: Path, options: Options = Options()
) -> BenchmarkProfile:
    """Profile one benchmark on both sides and write every artifact under ``out_dir``."""
    folder = out_dir / slug(name)
    sides = {
        "base": Target(trees.base, name, trees.benchmark_dir, trees.base_python),
        "head": Target(trees.head, name, trees.benchmark_dir, trees.head_python),
    }
    cpu = {
        label: profile_cpu(
            t, folder, label, seconds=options.seconds, rate=options.rate, native=options.native
        )
        for label, t in sides.items()
    }
    base, head = cpu["base"][0], cpu["head"][0]
    grown = top_grown(base, head, options.top)

    def art(kind: ArtifactKind, path: Path, side: str, text: str) -> Artifact:
        return Artifact(kind, str(path.relative_to(rel_to)), side, text)

    artifacts = [
        art(
            ArtifactKind.DIFF_FLAMEGRAPH,
            write_flamegraph(
                folder / "flamegraph-diff.html",
                f"{name}: head vs base",
                head.per_call(),
                base.per_call(),
                subtitle="time per call; red frames grew, blue shrank",
            ),
            "diff",
            "differential flamegraph (head minus base, per call)",
        ),
    ]
    for label, (prof, raw) in cpu.items():
        artifacts += [
            art(
                ArtifactKind.FLAMEGRAPH,
                write_flamegraph(
                    folder / f"flamegraph-{label}.html",
                    f"{name} ({label})",
                    prof.per_call(),
                    subtitle=f"{prof.calls} calls, {prof.rate} Hz",
                ),
                label,
                f"CPU flamegraph ({label})",
            ),
            art(
                ArtifactKind.CPU_PROFILE,
                write_speedscope(
                    folder / f"cpu-{label}.speedscope.json", f"{name} ({label})", prof.per_call()
                ),
                label,
                f"speedscope profile ({label})",
            ),
            art(ArtifactKind.FOLDED_STACKS, raw, label, f"py-spy folded stacks ({label})"),
        ]
    memory = None
    if options.memory:
        mem = {label: profile_memory(t, folder, label) for label, t in sides.items()}
        for label, (_stats, html, stats_json) in mem.items():
            artifacts += [
                art(ArtifactKind.MEMORY_FLAMEGRAPH, html, label, f"memray flamegraph ({label})"),
                art(ArtifactKind.MEMORY_STATS, stats_json, label, f"memray stats ({label})"),
            ]
        b, h = mem["base"][0], mem["head"][0]
        memory = MemoryProfile(b.peak_bytes, h.peak_bytes, b.allocations, h.allocations)
    return BenchmarkProfile(tuple(artifacts), tuple(g.frame for g in grown), memory)


def attach_profiles(
    report: Report,
    out_dir: Path,
    trees: Trees,
    *,
    names: Sequence[str] | None = None,
    options: Options = Options(),
    progress: Progress = lambda _m: None,
) -> Report:
    """Profile the regressions (or ``names``) and attach artifacts; failures become warnings."""
    wanted = (
        set(names)
        if names is not None
        else {c.name for c in report.comparisons if c.verdict is Verdict.REGRESSION}
    )
    warnings = list(report.warnings)
    comparisons = []
    for c in report.comparisons:
        if c.name in wanted:
            progress(f"profiling {c.name} (base and head)")
            try:
                got = profile_benchmark(c.name, trees, out_dir / "profiles", out_dir, options)
                c = replace(
                    c,
                    artifacts=c.artifacts + got.artifacts,
                    top_frames=got.top_frames,
                    memory=got.memory,
                )
            except PerfkitError as exc:
                warnings.append(f"profiling {c.name} failed: {exc}")
        comparisons.append(c)
    return replace(report, comparisons=tuple(comparisons), warnings=tuple(warnings))


def profile_regressions(
    report: Report,
    out_dir: Path,
    root: Path,
    benchmark_dir: str,
    base_commit: str | None,
    head_commit: str | None,
    *,
    options: Options = Options(),
    pythons: dict[str, str | None] | None = None,
    progress: Progress = lambda _m: None,
) -> Report:
    """Profile the report's regressions at both commits of the repository at ``root``: a
    commit that is ``root``'s HEAD runs from ``root``, any other from a temporary worktree;
    ``pythons`` are built sides' interpreters by label. Failures become warnings."""
    if not report.by_verdict(Verdict.REGRESSION):
        return report
    pythons = pythons or {}
    try:
        with contextlib.ExitStack() as stack:

            def tree(commit: str | None) -> Path:
                if commit is None:
                    raise PerfkitError("the results record no commit: cannot check its code out")
                full = gitrepo.resolve(root, commit)
                if full == gitrepo.resolve(root, "HEAD"):
                    return root
                return stack.enter_context(gitrepo.worktree(root, full))

            trees = Trees(
                head=tree(head_commit),
                base=tree(base_commit),
                head_python=pythons.get("head"),
                base_python=pythons.get("base"),
                benchmark_dir=benchmark_dir,
            )
            return attach_profiles(report, out_dir, trees, options=options, progress=progress)
    except PerfkitError as exc:
        return replace(report, warnings=(*report.warnings, f"profiling skipped: {exc}"))
