"""A side is a commit plus a Python in which that commit's code is what gets imported.

Two ways to get one, and every measuring command uses this module for both:

* **built** (the default when the project's asv config asks for built environments):
  an asv environment of the side's own, in a *slot* under ``<env_dir>/perfkit/``, with
  the commit's build installed by asv's own machinery (``perfkit.measure.envbuild``). A slot
  keeps its environment between runs, so the merge base of a pull request is built once
  and the rounds never reinstall; ``perfkit envs clean`` removes them.
* **same-python** (``--same-python``, or a config with ``existing``/``same``): the
  current interpreter with the side's checkout first on ``sys.path``, through a small
  launcher that sets ``ASV_PYTHONPATH`` (asv strips ``PYTHONPATH`` from benchmark
  processes and puts ``ASV_PYTHONPATH`` first): no suite needs code of its own for it.

Either way :mod:`perfkit.measure.provenance` then proves, before the first round, that each side
imports its own code.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from perfkit.errors import ToolFailedError
from perfkit.measure.asvconfig import AsvProject

Progress = Callable[[str], None]
MARK = "PERFKIT-ENV "  # perfkit.measure.envbuild's summary line
SLOTS = 3  # base, head and a spare, so a new head never evicts the merge base's build


@dataclass(frozen=True)
class Side:
    """One thing to measure: ``commit`` checked out at ``tree``, run by ``python``."""

    label: str  # "base" or "head"
    commit: str
    tree: Path
    python: str | None = None  # asv "existing:" interpreter; None: this one, tree first
    config: Path | None = None  # the asv config inside ``tree`` (None: tree/asv.conf.json)
    environment: str = "same-python"  # what ``python`` is, for the report
    env_prefix: Path | None = None  # a built side's environment (its code must come from there)
    build_seconds: float = 0.0


def source_roots(tree: Path) -> list[Path]:
    """Where a checkout's importable code lives: ``src/`` first (src layout), the root."""
    roots = [tree / "src"] if (tree / "src").is_dir() else []
    return [*roots, tree]


def launcher(tree: Path, workdir: Path, label: str) -> str:
    """A launcher of this interpreter that makes asv's benchmark processes import ``tree``
    first: asv's benchmark script inserts ``ASV_PYTHONPATH`` at the front of sys.path."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir.resolve() / f"python-{label}"  # asv and the probe run it from elsewhere
    roots = os.pathsep.join(str(r) for r in source_roots(tree))
    path.write_text(
        "#!/bin/sh\n# perfkit --same-python: this side's checkout first on sys.path\n"
        f"ASV_PYTHONPATH={shlex.quote(roots)}\nexport ASV_PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} "$@"\n'
    )
    path.chmod(0o755)
    return str(path)


def same_python(label: str, commit: str, tree: Path, project: AsvProject, workdir: Path) -> Side:
    code = tree / project.repo_subdir  # asv's repo_subdir: the package is built from there
    return Side(
        label,
        commit,
        tree,
        launcher(code, workdir, label),
        project.in_tree(tree),
        f"same-python {sys.version.split()[0]}",
    )


def slots_dir(project: AsvProject) -> Path:
    return project.env_dir / "perfkit"


def _installed(slot: Path) -> str | None:
    for status in slot.glob("*/asv-install-status.json"):
        try:
            return json.loads(status.read_text()).get("commit_hash")
        except (OSError, ValueError):
            return None
    return None


def pick_slot(project: AsvProject, commit: str, taken: set[Path]) -> Path:
    """The slot that already holds ``commit``, else a free one, else the least recently used."""
    root = slots_dir(project)
    slots = [root / f"slot-{i}" for i in range(SLOTS)]
    free = [s for s in slots if s not in taken]
    for slot in free:
        if _installed(slot) == commit:
            return slot
    unused = [s for s in free if not s.exists()]
    if unused:
        return unused[0]
    return min(
        free, key=lambda s: (s / "last-used").stat().st_mtime if (s / "last-used").exists() else 0.0
    )


def _envbuild(
    action: str, project: AsvProject, slot: Path, commit: str, log: Path, label: str
) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "perfkit.measure.envbuild",
        action,
        str(project.config_path),
        str(slot),
    ]
    cmd += [commit] if action == "install" else []
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=out, text=True, check=False)
        out.write(proc.stdout)
    lines = [ln.removeprefix(MARK) for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise ToolFailedError(
            f"{label} side ({commit[:8]}): asv could not {action} its environment; see {log}"
        )
    return json.loads(lines[-1])


def _seed(slot: Path, project: AsvProject) -> bool:
    """Start an empty slot as a copy of a ready virtualenv slot (its dependencies and
    cached builds): a virtualenv has no absolute paths that asv or Python rely on, and
    asv checks the copy (and recreates it if it does not work)."""
    if project.environment_type != "virtualenv" or any(slot.glob("*/asv-env-info.json")):
        return False
    for other in sorted(slots_dir(project).glob("slot-*")):
        envs = [e.parent for e in other.glob("*/asv-env-info.json")]
        if other != slot and envs:
            for env in envs:
                shutil.copytree(env, slot / env.name, symlinks=True, dirs_exist_ok=True)
            return True
    return False


def built(
    label: str,
    commit: str,
    tree: Path,
    project: AsvProject,
    log: Path,
    taken: set[Path],
    progress: Progress,
) -> Side:
    """The side's own asv environment with ``commit`` installed (built at most once)."""
    slot = pick_slot(project, commit, taken)
    taken.add(slot)
    slot.mkdir(parents=True, exist_ok=True)
    (slot / "last-used").touch()
    if _seed(slot, project):
        progress(f"{label} ({commit[:8]}): environment {slot.name} copied from a ready one")
    t0 = time.monotonic()
    if not any(slot.glob("*/asv-env-info.json")):
        progress(
            f"{label} ({commit[:8]}): creating {project.environment_type} environment {slot.name} (log: {log})"
        )
        _envbuild("create", project, slot, commit, log, label)
    # asv's install is a no-op when the slot already holds this commit's build
    if _installed(slot) != commit:
        progress(f"{label} ({commit[:8]}): building and installing the commit in {slot.name}")
    info = _envbuild("install", project, slot, commit, log, label)
    seconds = time.monotonic() - t0
    progress(f"{label} ({commit[:8]}): ready in {seconds:.0f} s ({info['name']})")
    prefix = Path(info["python"]).parent.parent
    return Side(
        label,
        commit,
        tree,
        info["python"],
        project.in_tree(tree),
        f"{info['type']} {info['name']}",
        prefix,
        seconds,
    )


def clean(project: AsvProject) -> list[Path]:
    """Remove every environment perfkit built for this project; returns what was removed."""
    root = slots_dir(project)
    removed = sorted(p for p in root.iterdir()) if root.is_dir() else []
    shutil.rmtree(root, ignore_errors=True)
    return removed


def listing(project: AsvProject) -> list[tuple[Path, str | None]]:
    root = slots_dir(project)
    return [(s, _installed(s)) for s in sorted(root.glob("slot-*"))] if root.is_dir() else []
