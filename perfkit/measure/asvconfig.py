"""The user's asv.conf.json, found where projects keep it and read as asv reads it.

numpy, scipy and networkx keep it in ``benchmarks/`` and pandas in ``asv_bench/``, with
``"repo": ".."``; asv resolves every relative path against the config file's folder and
reads JSON with comments and trailing commas. perfkit does the same, with asv's own
reader, so a config asv accepts is a config perfkit accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit.errors import ConfigError

# where asv projects keep their config, in the order perfkit looks
CONVENTIONAL_DIRS = (".", "benchmarks", "asv_bench", "benchmark", "bench")
CONFIG_NAMES = ("asv.conf.json", "asv.conf.jsonc")
BUILT_TYPES = ("virtualenv", "conda", "mamba", "rattler")


@dataclass(frozen=True)
class AsvProject:
    """One asv configuration, its paths made absolute as asv makes them."""

    config_path: Path
    root: Path  # the repository asv measures ("repo", relative to the config file)
    benchmark_dir: Path
    env_dir: Path
    environment_type: str  # "virtualenv", "conda", ..., or "existing"
    project: str  # asv's "project": the distribution it uninstalls and reinstalls
    pythons: tuple[str, ...]
    repo_subdir: str = ""  # asv's "repo_subdir": where the package's pyproject sits in a checkout

    @property
    def builds_environments(self) -> bool:
        """asv would build an environment per commit (not measure in an existing Python)."""
        return self.environment_type in BUILT_TYPES and self.pythons != ("same",)

    @property
    def benchmark_subdir(self) -> str:
        """The benchmark folder relative to the repository: the same in every checkout."""
        return str(self.benchmark_dir.relative_to(self.root))

    def in_tree(self, tree: Path) -> Path:
        """This config's path inside another checkout of the same repository."""
        return tree / self.config_path.relative_to(self.root)


def find_config(start: Path, explicit: Path | None = None) -> Path:
    """``explicit`` (asv's ``--config``) if given, else the first of ``./asv.conf.json``
    and the conventional subdirectories; one error listing every place looked at."""
    if explicit is not None:
        path = explicit if explicit.is_absolute() else start / explicit
        if path.is_dir():
            path = next(
                (path / n for n in CONFIG_NAMES if (path / n).is_file()), path / CONFIG_NAMES[0]
            )
        if not path.is_file():
            raise ConfigError(f"{explicit}: no such asv config file")
        return path.resolve()
    looked = []
    for sub in CONVENTIONAL_DIRS:
        for name in CONFIG_NAMES:
            candidate = start / sub / name
            if candidate.is_file():
                return candidate.resolve()
        looked.append(str(Path(sub) / CONFIG_NAMES[0]))
    raise ConfigError(
        f"no asv config found in {start} (looked at {', '.join(looked)}); give --config PATH"
    )


def read_raw(path: Path) -> dict[str, Any]:
    """The config's JSON, with comments and trailing commas allowed (asv's own reader)."""
    from asv import util

    try:
        data = util.load_json(str(path), js_comments=True)
    except util.UserError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not an asv config (a JSON object expected)")
    return data


def load_project(path: Path) -> AsvProject:
    raw = read_raw(path)
    here = path.parent

    def rel(key: str, default: str) -> Path:
        value = raw.get(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key!r} must be a string, got {value!r}")
        return (here / value).resolve()

    repo = raw.get("repo")
    if not isinstance(repo, str) or "://" in repo or repo.startswith("git@"):
        raise ConfigError(f'{path}: "repo" must be a local path to the repository (got {repo!r})')
    pythons = raw.get("pythons") or []
    env_type = raw.get("environment_type") or ("virtualenv" if pythons != ["same"] else "existing")
    return AsvProject(
        config_path=path.resolve(),
        root=rel("repo", "."),
        benchmark_dir=rel("benchmark_dir", "benchmarks"),
        env_dir=rel("env_dir", "env"),
        environment_type=str(env_type),
        project=str(raw.get("project", "")),
        pythons=tuple(str(p) for p in pythons),
        repo_subdir=_subdir(path, raw.get("repo_subdir", "")),
    )


def _subdir(path: Path, value: object) -> str:
    if not isinstance(value, str) or Path(value).is_absolute() or ".." in Path(value).parts:
        raise ConfigError(
            f'{path}: "repo_subdir" must be a relative folder inside the repository (got {value!r})'
        )
    return value.strip("/")


def discover(start: Path, explicit: Path | None = None) -> AsvProject:
    return load_project(find_config(start, explicit))
