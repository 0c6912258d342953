"""Self-contained flamegraph pages (one side, or head-minus-base differential).

The page embeds the call tree as JSON and draws it with a few lines of inline JavaScript:
no CDN, works offline from a CI artifact; click a frame to zoom, type to search.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from perfkit.atomic import write_text_atomic
from perfkit.profile.folded import Stack

_ENV = Environment(loader=PackageLoader("perfkit", "templates"), autoescape=True)


def build_tree(
    head: Mapping[Stack, float], base: Mapping[Stack, float] | None = None
) -> dict[str, Any]:
    """Nested {name, value, base, children}; value sizes the frame (head), base colours it."""
    root: dict[str, Any] = {"name": "all", "value": 0.0, "base": 0.0, "children": {}}
    for side, stacks in (("value", head), ("base", base or {})):
        for stack, t in stacks.items():
            node = root
            node[side] += t
            for frame in stack:
                node = node["children"].setdefault(
                    frame, {"name": frame, "value": 0.0, "base": 0.0, "children": {}}
                )
                node[side] += t
    return _listify(root)


def _listify(node: dict[str, Any]) -> dict[str, Any]:
    children = sorted(node["children"].values(), key=lambda c: c["name"])
    return {**node, "children": [_listify(c) for c in children]}


def write_flamegraph(
    path: Path,
    title: str,
    head: Mapping[Stack, float],
    base: Mapping[Stack, float] | None = None,
    *,
    subtitle: str = "",
) -> Path:
    html = _ENV.get_template("flamegraph.html.j2").render(
        title=title, subtitle=subtitle, diff=base is not None, tree=build_tree(head, base)
    )
    return write_text_atomic(path, html)
