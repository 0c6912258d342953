"""JSON values <-> the model's frozen dataclasses, driven by their type hints.

Encoding keeps raw values: enums by value, tuples as lists, and non-finite floats (which
JSON has no literal for) as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` so
the file stays strict JSON and round-trips exactly. Decoding checks every type and names
the offending field (``benchmarks[3].evidence.ratio: expected a number, got 'fast'``).
Fields missing from the data take the dataclass default when there is one.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class DecodeError(ValueError):
    """A value does not fit the field it is read into; the message names the field."""


_PLAIN = (str, int, bool, type(None))


@functools.cache
def _fields(tp: type) -> tuple[tuple[str, ...], Callable[[Any], Any]] | None:
    """A dataclass type's field names and a getter of all their values at once (None for
    any other type), made once per type."""
    if dataclasses.is_dataclass(tp):
        names = tuple(f.name for f in dataclasses.fields(tp))
        get = operator.attrgetter(*names)
        return names, (get if len(names) > 1 else lambda v: (get(v),))
    return None


def encode(value: Any) -> Any:
    tp = type(value)
    if tp in _PLAIN:
        return value
    if tp is float:
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    fields = _fields(tp)
    if fields is not None:
        names, get = fields
        out = {}
        for n, v in zip(names, get(value), strict=True):
            t = type(v)  # plain, finite, enum and empty values inline: a report holds millions
            if t in _PLAIN or (t is float and v - v == 0.0):
                out[n] = v
            elif isinstance(v, Enum):
                out[n] = v.value
            elif t is tuple and not v:
                out[n] = []
            else:
                out[n] = encode(v)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def decode(tp: Any, data: Any, where: str) -> Any:
    """Read ``data`` (parsed JSON) as type ``tp``; DecodeError names ``where`` it failed."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return _union(typing.get_args(tp), data, where)
    if origin is tuple:
        return _tuple(typing.get_args(tp), data, where)
    if origin is dict:
        return _dict(typing.get_args(tp)[1], data, where)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum(tp, data, where)
    if dataclasses.is_dataclass(tp):
        return _dataclass(tp, data, where)
    return _scalar(tp, data, where)


def _fail(where: str, expected: str, data: Any) -> DecodeError:
    shown = repr(data) if len(repr(data)) <= 40 else repr(data)[:37] + "..."
    return DecodeError(f"{where}: expected {expected}, got {shown}")


def _union(args: tuple[Any, ...], data: Any, where: str) -> Any:
    if data is None and type(None) in args:
        return None
    (inner,) = [a for a in args if a is not type(None)]
    return decode(inner, data, where)


def _tuple(args: tuple[Any, ...], data: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(data, list):
        raise _fail(where, "a list", data)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(decode(args[0], x, f"{where}[{i}]") for i, x in enumerate(data))
    if len(data) != len(args):
        raise _fail(where, f"a list of {len(args)}", data)
    return tuple(
        decode(a, x, f"{where}[{i}]") for i, (a, x) in enumerate(zip(args, data, strict=True))
    )


def _dict(value_type: Any, data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(where, "an object", data)
    return {k: decode(value_type, v, f"{where}[{k!r}]") for k, v in data.items()}


def _enum(tp: type[Enum], data: Any, where: str) -> Enum:
    try:
        return tp(data)
    except ValueError:
        known = ", ".join(repr(m.value) for m in tp)
        raise _fail(where, f"one of {known}", data) from None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _dataclass(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise _fail(where, "an object", data)
    hints, kwargs = _hints(cls), {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = decode(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise DecodeError(f"{where}: missing field {f.name!r}")
    return cls(**kwargs)


def _scalar(tp: Any, data: Any, where: str) -> Any:
    if tp is float:
        if isinstance(data, str) and data in NON_FINITE:
            return NON_FINITE[data]
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
        raise _fail(where, "a number", data)
    if tp is int and isinstance(data, int) and not isinstance(data, bool):
        return data
    if tp is bool and isinstance(data, bool):
        return data
    if tp is str and isinstance(data, str):
        return data
    if tp is Any:
        return data
    raise _fail(where, getattr(tp, "__name__", str(tp)), data)
