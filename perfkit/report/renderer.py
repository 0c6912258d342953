"""The renderer protocol and the registry that write_report picks renderers from.

A renderer turns a Report (plus, optionally, the raw samples behind it) into one text
format. Each renderer module registers one instance at import; callers look renderers up
by format name instead of branching on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from perfkit.errors import ConfigError
from perfkit.model import Measurement, Report

Samples = Mapping[str, tuple[Measurement | None, Measurement | None]]
"""Full benchmark name -> (base, head) measurements, for the plots."""


class Renderer(Protocol):
    name: str  # format name: "json", "markdown", "html", "terminal"
    filename: str | None  # the file write_report writes, or None (printed, not written)

    def render(self, report: Report, samples: Samples) -> str: ...


_REGISTRY: dict[str, Renderer] = {}


def register(renderer: Renderer) -> Renderer:
    """Add ``renderer`` under its name (a later registration of the same name replaces it)."""
    _REGISTRY[renderer.name] = renderer
    return renderer


def get(name: str) -> Renderer:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(f"unknown report format {name!r} (known: {known})") from None


def registered() -> tuple[Renderer, ...]:
    return tuple(_REGISTRY.values())


def file_renderers() -> tuple[Renderer, ...]:
    """The renderers whose output write_report writes to a file, in registration order."""
    return tuple(r for r in _REGISTRY.values() if r.filename)
