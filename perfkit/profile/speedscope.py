"""Folded stacks as a speedscope 'sampled' profile (https://www.speedscope.app)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from perfkit.atomic import write_text_atomic
from perfkit.profile.folded import Stack

SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def write_speedscope(path: Path, name: str, per_call: Mapping[Stack, float]) -> Path:
    frames: dict[str, int] = {}
    samples, weights = [], []
    for stack, seconds in sorted(per_call.items()):
        samples.append([frames.setdefault(f, len(frames)) for f in stack])
        weights.append(seconds)
    doc = {
        "$schema": SCHEMA,
        "name": name,
        "exporter": "perfkit",
        "shared": {"frames": [{"name": f} for f in frames]},
        "profiles": [
            {
                "type": "sampled",
                "name": f"{name} (seconds per call)",
                "unit": "seconds",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
    }
    return write_text_atomic(path, json.dumps(doc))
