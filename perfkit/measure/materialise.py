"""Turn revisions into measurable sides: checkout, environment, provenance, in one place.

Every command that measures (run, check, baseline save, bisect, run-range, profile)
calls :func:`materialise`; it picks built environments or the explicit same-python
fast path from the user's asv config, and refuses (exit 2) before the first round when
a side would not import its own code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfkit import gitrepo
from perfkit.errors import ConfigError
from perfkit.measure import provenance, sides
from perfkit.measure.asvconfig import AsvProject
from perfkit.measure.sides import Side

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Materialised:
    sides: list[Side]
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)  # by side label

    @property
    def built_pythons(self) -> dict[str, str | None]:
        """The interpreters of built sides by label (same-python sides profile in this one)."""
        return {s.label: s.python for s in self.sides if s.env_prefix is not None}


def use_built(project: AsvProject, same_python: bool | None) -> bool:
    """Built environments unless asked for the fast path (or the config has no builds)."""
    if same_python:
        return False
    if same_python is False and not project.builds_environments:
        raise ConfigError(
            f"{project.config_path}: environment_type {project.environment_type!r} builds nothing; "
            "drop --no-same-python"
        )
    return project.builds_environments


def working_tree_commit(root: Path) -> str:
    """HEAD, or when tracked files changed a commit object holding them (``git stash
    create``: the working tree is left as it is), so a build can check it out."""
    if not gitrepo.is_dirty(root):
        return gitrepo.resolve(root, "HEAD")
    return gitrepo.git(root, "stash", "create") or gitrepo.resolve(root, "HEAD")


def materialise(
    stack: contextlib.ExitStack,
    project: AsvProject,
    wanted: Sequence[tuple[str, str | None]],
    *,
    same_python: bool | None,
    workdir: Path,
    import_name: Sequence[str] = (),
    progress: Progress = lambda _m: None,
) -> Materialised:
    """``wanted`` = (label, revision) pairs; revision None is the working tree."""
    root, built = project.root, use_built(project, same_python)
    log, taken = workdir / "environments.log", set()
    workdir.mkdir(parents=True, exist_ok=True)
    out: list[Side] = []
    for label, rev in wanted:
        if rev is None:
            commit = working_tree_commit(root) if built else gitrepo.resolve(root, "HEAD")
            tree = root
        else:
            commit = gitrepo.resolve(root, rev)
            tree = stack.enter_context(gitrepo.worktree(root, commit))
        if built:
            out.append(sides.built(label, commit, tree, project, log, taken, progress))
        else:
            out.append(sides.same_python(label, commit, tree, project, workdir))
    names = provenance.import_names(
        out[-1].tree / project.repo_subdir, project.project, import_name
    )
    if names:
        progress(f"checking where {', '.join(names)} is imported from on each side")
    else:
        progress(
            "no package in the checkout to check the origin of (the suite's own code is measured); "
            "set import_name in perfkit.toml to name one"
        )
    origins = provenance.check(out, names)
    return Materialised(out, {s.label: provenance.describe(s, origins[s.label]) for s in out})
