"""Reading a JSON results file (optionally gzip-compressed) with one-line errors."""

from __future__ import annotations

import gzip
import json
import math
import unicodedata
import zlib
from pathlib import Path
from typing import Any

from perfkit.errors import ResultsFormatError


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def read_json(path: Path) -> Any:
    """Parse ``path``; empty, truncated, corrupt or unreadable files raise ResultsFormatError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResultsFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ResultsFormatError(f"{path}: is a directory, not a results file") from None
    except OSError as exc:
        raise ResultsFormatError(f"{path}: cannot read ({exc.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise ResultsFormatError(f"{path}: corrupt or truncated gzip data") from None
    if not raw.strip():
        raise ResultsFormatError(f"{path}: empty file")
    try:
        text = raw.decode("utf-8-sig")  # a UTF-8 byte-order mark is accepted
    except UnicodeDecodeError as exc:
        raise ResultsFormatError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise ResultsFormatError(f"{path}: duplicated key {exc.args[0]!r}") from None
    except json.JSONDecodeError as exc:
        raise ResultsFormatError(
            f"{path}: truncated or invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from None
    except RecursionError:
        raise ResultsFormatError(f"{path}: JSON nested too deeply") from None


def shown(text: object) -> str:
    """``text`` for a one-line message: control, format and line-separator characters
    (newline, CR, NUL, ANSI escape, bidi overrides) as visible escapes (``\\n``, ``\\x1b``)."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def check_name(path: Path, name: object) -> str:
    """Benchmark names are kept verbatim, control characters included: escaping them is
    the renderers' job (every output shows them escaped), and one odd name is no reason
    to refuse the other benchmarks of a file. A name must be a non-empty string."""
    if not isinstance(name, str) or not name.strip():
        raise ResultsFormatError(f"{path}: benchmark name {name!r} is not a non-empty string")
    return name


def check_value(
    path: Path, name: str, value: object, what: str = "sample", *, positive: bool = True
) -> float:
    """A finite number, positive for timings and sizes (a timing of 0 is a broken
    measurement: no ratio, no log), non-negative for other values (a count may be 0).
    The name is shown escaped (``repr``) so a hostile name cannot break the line."""
    if type(value) is float and 0 < value < math.inf:  # the common case, checked first
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResultsFormatError(f"{path}: {shown(name)}: {what} {value!r} is not a number")
    x = float(value)
    if x != x or x in (float("inf"), float("-inf")):
        raise ResultsFormatError(f"{path}: {shown(name)}: {what} is {x} (not finite)")
    if x < 0:
        raise ResultsFormatError(f"{path}: {shown(name)}: negative {what} {x!r}")
    if x == 0 and positive:
        raise ResultsFormatError(
            f"{path}: {shown(name)}: zero {what} (a timing or size of 0 cannot be compared)"
        )
    return x
