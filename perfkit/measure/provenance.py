"""Prove that each side imports its own code, before the first round (fail closed).

In each side's Python, in a fresh process with the import path asv's benchmark
processes get, import the project's top-level package(s) and record where each came
from and its version. A base whose code comes from anywhere but the base build (or its
checkout, with --same-python) is refused, and so is a pair of sides that resolve to the
same files: comparing a commit with itself would read as "no regression".
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfkit.errors import ProvenanceError
from perfkit.measure.sides import Side

# what asv's benchmark script does with the path before importing the suite
_PROBE = r"""
import importlib, importlib.metadata, json, os, sys
for p in reversed(os.environ.get("ASV_PYTHONPATH", "").split(os.pathsep)):
    if p and p not in sys.path:
        sys.path.insert(0, p)
out = {}
for name in sys.argv[1:]:
    try:
        mod = importlib.import_module(name)
    except BaseException as exc:
        out[name] = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
        continue
    where = getattr(mod, "__file__", None) or next(iter(getattr(mod, "__path__", [])), None)
    version = getattr(mod, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(name)
        except Exception:
            version = None
    out[name] = {"file": where and os.path.realpath(where), "version": version and str(version)}
print(json.dumps(out))
"""

SKIP_DIRS = {
    "benchmarks",
    "benchmark",
    "bench",
    "asv_bench",
    "tests",
    "test",
    "docs",
    "doc",
    "tools",
    "build",
    "dist",
}


@dataclass(frozen=True)
class Origin:
    package: str
    location: str
    version: str | None


def import_names(tree: Path, project_name: str, configured: Sequence[str] = ()) -> list[str]:
    """The top-level package(s) to check: perfkit.toml's ``import_name``, else asv's
    ``project`` when the checkout has it, else every package under ``src/`` (or at the
    root, benchmarks and tests aside). Empty when the checkout has none (a suite whose
    code lives in its benchmark folder: nothing can shadow it)."""
    if configured:
        return list(configured)
    guess = project_name.strip().lower().replace("-", "_").replace(".", "_")
    for root in (tree / "src", tree):
        if guess and ((root / guess).is_dir() or (root / f"{guess}.py").is_file()):
            return [guess]
    src = tree / "src"
    found = (
        sorted(p.name for p in src.iterdir() if (p / "__init__.py").is_file())
        if src.is_dir()
        else []
    )
    return found or sorted(
        p.name for p in tree.iterdir() if (p / "__init__.py").is_file() and p.name not in SKIP_DIRS
    )


def probe(side: Side, names: Sequence[str]) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ASV_PYTHONPATH")}
    with tempfile.TemporaryDirectory(prefix="perfkit-probe-") as cwd:  # as asv: not the tree
        try:
            proc = subprocess.run(
                [side.python or "python3", "-c", _PROBE, *names],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ProvenanceError(
                f"{side.label} side ({side.commit[:8]}): cannot run {side.python}: {exc}"
            ) from None
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProvenanceError(
            f"{side.label} side ({side.commit[:8]}): its Python did not start: {last}"
        ) from None


def _inside(path: str, root: Path) -> bool:
    return Path(path).is_relative_to(root.resolve())


def check(sides: Sequence[Side], names: Sequence[str]) -> dict[str, list[Origin]]:
    """Where each side's packages come from; ProvenanceError (exit 2) naming the package,
    the side, the expected and the actual location when a side imports foreign code."""
    origins: dict[str, list[Origin]] = {}
    for side in sides:
        expected = side.env_prefix or side.tree
        found = probe(side, names)
        origins[side.label] = []
        for name in names:
            info = found.get(name, {"error": "not probed"})
            if "error" in info:
                raise ProvenanceError(
                    f"{side.label} side ({side.commit[:8]}): import {name} failed: {info['error']}"
                )
            location = info.get("file") or "?"
            if not _inside(location, expected):
                raise ProvenanceError(
                    f"{side.label} side ({side.commit[:8]}): {name} comes from {location}, "
                    f"expected from {expected} (an installed copy shadows the side's build?)"
                )
            origins[side.label].append(Origin(name, location, info.get("version")))
    if len(sides) == 2 and sides[0].commit != sides[1].commit:
        a, b = ({o.location for o in origins[s.label]} for s in sides)
        if a & b:
            raise ProvenanceError(
                f"base and head both import {sorted(a & b)[0]}: the sides are not separate"
            )
    return origins


def describe(side: Side, origins: Sequence[Origin]) -> dict[str, str]:
    """The side's provenance as report environment entries."""
    info = {
        "side.commit": side.commit,
        "side.environment": side.environment,
        "side.python": side.python or "",
        "side.build_seconds": f"{side.build_seconds:.1f}",
    }
    for o in origins:
        info[f"side.package.{o.package}"] = f"{o.version or '?'} from {o.location}"
    return info
