"""The guide's profile paths of a Comparison: which attached artifact a reader opens for
the flamegraph, the CPU profile and the memory profile (paths relative to the report)."""

from __future__ import annotations

from collections.abc import Sequence

from perfkit.model import ArtifactKind, Comparison

# per key, the (kind, side) preferences, best first; side "" matches any side
PREFERENCES: dict[str, tuple[tuple[ArtifactKind, str], ...]] = {
    "flamegraph_path": (
        (ArtifactKind.DIFF_FLAMEGRAPH, ""),
        (ArtifactKind.FLAMEGRAPH, "head"),
        (ArtifactKind.FLAMEGRAPH, ""),
    ),
    "cpu_profile_path": (
        (ArtifactKind.CPU_PROFILE, "head"),
        (ArtifactKind.CPU_PROFILE, ""),
        (ArtifactKind.FOLDED_STACKS, "head"),
        (ArtifactKind.FOLDED_STACKS, ""),
    ),
    "memory_profile_path": (
        (ArtifactKind.MEMORY_FLAMEGRAPH, "head"),
        (ArtifactKind.MEMORY_FLAMEGRAPH, ""),
        (ArtifactKind.MEMORY_STATS, "head"),
        (ArtifactKind.MEMORY_STATS, ""),
    ),
}
KEYS = tuple(PREFERENCES)
LABELS = {
    "flamegraph_path": "flamegraph",
    "cpu_profile_path": "CPU profile",
    "memory_profile_path": "memory profile",
}


def profile_path(c: Comparison, key: str) -> str | None:
    for kind, side in PREFERENCES[key]:
        for a in c.artifacts:
            if a.kind is kind and (not side or a.side == side):
                return a.path
    return None


def profile_paths(c: Comparison) -> dict[str, str | None]:
    return {key: profile_path(c, key) for key in KEYS}


def first_profiled(ranked: Sequence[Comparison]) -> Comparison | None:
    """The first comparison (of an already ranked list) with any profile attached."""
    return next((c for c in ranked if any(profile_paths(c).values())), None)
