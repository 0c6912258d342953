"""``perfkit init``: the files that adopt perfkit in an existing asv project.

perfkit.toml (defaults spelled out, the package whose origin is checked) and the two
GitHub workflows of this repository, adapted to the project: where its asv config and
results live, the Python its config asks for, how perfkit is installed. Nothing existing
is overwritten unless asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from perfkit.atomic import write_text_atomic
from perfkit.errors import ConfigError
from perfkit.measure.asvconfig import AsvProject, read_raw
from perfkit.measure.provenance import import_names

SAFE = re.compile(r"^[A-Za-z0-9_./+-]+$")  # what may be written into a workflow unquoted
DEFAULT_INSTALL = "python -m pip install perfkit"

SETTINGS = """\
# perfkit settings (every key has a default; unknown keys are errors). See perfkit's
# docs/statistics.md#configuration for all of them.
{import_line}
[stats]
threshold = 0.05       # a smaller change is never a regression
fdr = 0.05             # false discovery rate across the suite

[gate]
min_score = 75
max_regressions = 0
# allow = ["suite.Experimental*"]   # waived from the fail-closed checks

# [direction]                       # asv treats lower as better everywhere
# "*.track_throughput*" = "higher"
"""


@dataclass(frozen=True)
class Plan:
    files: dict[Path, str]  # absolute path -> content
    next_steps: tuple[str, ...]


def _rel(project: AsvProject, path: Path) -> str:
    text = (
        path.relative_to(project.root).as_posix()
        if path.is_relative_to(project.root)
        else str(path)
    )
    if not SAFE.match(text):
        raise ConfigError(
            f"{text!r}: a path with spaces or shell characters cannot go into a workflow"
        )
    return text


def _python(project: AsvProject) -> str:
    versions = [p for p in project.pythons if re.fullmatch(r"3\.\d+", p)]
    return versions[0] if versions else "3.11"


def plan(project: AsvProject, install: str = DEFAULT_INSTALL) -> Plan:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    if "\n" in install or "${{" in install:
        raise ConfigError("--install must be one shell line without GitHub expressions")
    config = _rel(project, project.config_path)
    at_root = config == "asv.conf.json"
    results = read_raw(project.config_path).get("results_dir", "results")
    values = {
        "python": _python(project),
        "install": install,
        "config_file": config,
        "config_args": "" if at_root else f" --config {config}",
        "asv_config_args": "" if at_root else f" --config {config}",
        "results_dir": _rel(project, (project.config_path.parent / str(results)).resolve()),
        "env_cache": _rel(project, project.env_dir / "perfkit"),
    }
    env = Environment(
        loader=PackageLoader("perfkit", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )  # YAML, values checked above
    names = import_names(project.root / project.repo_subdir, project.project)
    import_line = (
        f"import_name = {names!r}\n".replace("'", '"') if names else '# import_name = "mypkg"\n'
    )
    workflows = project.root / ".github" / "workflows"
    files = {
        project.root / "perfkit.toml": SETTINGS.format(import_line=import_line),
        workflows / "perf.yml": env.get_template("workflow-perf.yml.j2").render(values),
        workflows / "perf-main.yml": env.get_template("workflow-perf-main.yml.j2").render(values),
    }
    steps = (
        "asv machine --yes",
        f"perfkit baseline save main --run{values['config_args']}",
        "git add perfkit.toml baselines .github/workflows && git commit -m 'perfkit'",
    )
    return Plan(files, steps)


def write(p: Plan, *, force: bool = False) -> list[Path]:
    existing = [path for path in p.files if path.exists()]
    if existing and not force:
        raise ConfigError(f"would overwrite {', '.join(map(str, existing))}; use --force")
    for path, text in p.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    return list(p.files)
