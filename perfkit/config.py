"""perfkit's configuration: ``perfkit.toml`` or ``[tool.perfkit]`` in ``pyproject.toml``.

    [stats]
    threshold = 0.05          # practical threshold: smaller changes are never regressions
    fdr = 0.05                # Benjamini-Hochberg false discovery rate
    confidence = 0.95         # confidence level of the reported intervals
    prior_sigma = 0.03        # process-to-process noise assumed before seeing data (log scale)
    prior_df = 4              # how many processes' worth of weight that prior has
    disturbed = 0.10          # processes this much slower than a side's fastest are set aside
    session_sigma = 0.03      # shift between two measuring sessions (not interleaved)
    session_gap = 900         # no longer used: only perfkit's own session id makes one session
    [stats.thresholds]        # per benchmark or per suite (fnmatch; longest pattern wins)
    "system.CachePerformanceAnalysis.*" = 0.10
    [severity]
    major = 0.10
    critical = 0.20
    [gate]
    min_score = 75
    max_regressions = 0
    allow = ["sync.Flaky*"]   # waived from the fail-closed checks
    [direction]
    "*.track_latency*" = "lower"

A top-level ``import_name = "mypkg"`` (or a list; in TOML it goes before the first
table) names the package(s) whose origin is checked on every side before measuring.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from perfkit.errors import ConfigError
from perfkit.model import Direction, Measurement

DIRECTIONS = {"higher": Direction.HIGHER_IS_BETTER, "lower": Direction.LOWER_IS_BETTER}


@dataclass(frozen=True)
class StatsConfig:
    threshold: float = 0.05
    fdr: float = 0.05
    confidence: float = 0.95
    prior_sigma: float = 0.03
    prior_df: float = 4.0
    disturbed: float = 0.10
    session_sigma: float = 0.03
    session_gap: float = 900.0
    thresholds: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class SeverityConfig:
    major: float = 0.10
    critical: float = 0.20


@dataclass(frozen=True)
class GateConfig:
    min_score: float = 75.0
    max_regressions: int = 0
    allow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    stats: StatsConfig = field(default_factory=StatsConfig)
    severity: SeverityConfig = field(default_factory=SeverityConfig)
    gate: GateConfig = field(default_factory=GateConfig)
    direction: tuple[tuple[str, Direction], ...] = ()
    # the top-level package(s) the benchmarks measure, checked on every side before
    # measuring (default: asv's "project", or the one package under src/)
    import_name: tuple[str, ...] = ()

    def threshold_for(self, name: str) -> float:
        """The most specific (longest) matching pattern's threshold, else the default."""
        suite = name.split(".", 1)[0]
        hits = [
            (len(p), t)
            for p, t in self.stats.thresholds
            if fnmatch.fnmatchcase(name, p) or p == suite
        ]
        return max(hits)[1] if hits else self.stats.threshold

    def direction_for(self, m: Measurement) -> Direction:
        hits = [(len(p), d) for p, d in self.direction if fnmatch.fnmatchcase(m.name, p)]
        return max(hits, key=lambda h: h[0])[1] if hits else m.direction

    def allowed(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self.gate.allow)


def _fraction(section: str, key: str, value: Any, *, upper: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < upper:
        raise ConfigError(f"{section}.{key} must be a number in (0, {upper:g}), got {value!r}")
    return float(value)


def _section(cls: type, name: str, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown key(s) in [{name}]: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return raw


def from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    try:
        unknown = sorted(set(raw) - {"stats", "severity", "gate", "direction", "import_name"})
        if unknown:
            raise ConfigError(f"unknown section(s): {', '.join(unknown)}")
        s = dict(_section(StatsConfig, "stats", raw.get("stats", {})))
        thresholds = tuple(
            sorted(
                (str(p), _fraction("stats.thresholds", p, t))
                for p, t in dict(s.pop("thresholds", {})).items()
            )
        )
        stats = StatsConfig(
            threshold=_fraction("stats", "threshold", s.get("threshold", 0.05)),
            fdr=_fraction("stats", "fdr", s.get("fdr", 0.05)),
            confidence=_fraction("stats", "confidence", s.get("confidence", 0.95)),
            prior_sigma=_fraction("stats", "prior_sigma", s.get("prior_sigma", 0.03)),
            prior_df=_fraction("stats", "prior_df", s.get("prior_df", 4.0), upper=1e6),
            disturbed=_fraction("stats", "disturbed", s.get("disturbed", 0.10), upper=10),
            session_sigma=_fraction("stats", "session_sigma", s.get("session_sigma", 0.03)),
            session_gap=_fraction("stats", "session_gap", s.get("session_gap", 900.0), upper=1e9),
            thresholds=thresholds,
        )
        v = _section(SeverityConfig, "severity", raw.get("severity", {}))
        severity = SeverityConfig(
            _fraction("severity", "major", v.get("major", 0.10), upper=100),
            _fraction("severity", "critical", v.get("critical", 0.20), upper=100),
        )
        if severity.major >= severity.critical:
            raise ConfigError("severity.major must be below severity.critical")
        g = _section(GateConfig, "gate", raw.get("gate", {}))
        min_score = g.get("min_score", 75.0)
        if (
            isinstance(min_score, bool)
            or not isinstance(min_score, int | float)
            or not 0 <= min_score <= 100
        ):
            raise ConfigError(f"gate.min_score must be within 0..100, got {min_score!r}")
        max_reg = g.get("max_regressions", 0)
        if isinstance(max_reg, bool) or not isinstance(max_reg, int) or max_reg < 0:
            raise ConfigError(f"gate.max_regressions must be an integer >= 0, got {max_reg!r}")
        allow = g.get("allow", [])
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise ConfigError("gate.allow must be a list of benchmark name patterns")
        d = raw.get("direction", {})
        if not isinstance(d, dict) or not all(v in DIRECTIONS for v in d.values()):
            raise ConfigError('[direction] maps benchmark patterns to "higher" or "lower"')
        names = raw.get("import_name", [])
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(
            isinstance(n, str) and n.isidentifier() for n in names
        ):
            raise ConfigError("import_name must be a package name or a list of them")
        return Config(
            stats,
            severity,
            GateConfig(float(min_score), max_reg, tuple(allow)),
            tuple((p, DIRECTIONS[v]) for p, v in sorted(d.items())),
            tuple(names),
        )
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_config(root: Path, path: Path | None = None) -> Config:
    """``path`` if given; else ``root/perfkit.toml``; else ``[tool.perfkit]``; else defaults."""
    candidates = [path] if path is not None else [root / "perfkit.toml", root / "pyproject.toml"]
    for candidate in candidates:
        if candidate is None or not candidate.exists():
            if path is not None:
                raise ConfigError(f"{path}: no such config file")
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{candidate}: invalid TOML ({exc})") from None
        if candidate.name == "pyproject.toml":
            data = data.get("tool", {}).get("perfkit")
            if data is None:
                continue
        return from_dict(data, str(candidate))
    return Config()
