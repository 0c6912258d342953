"""Render user-controlled text inert: benchmark names, parameters, messages, labels.

Markdown (GitHub-flavoured, as in a pull-request comment): HTML metacharacters become
entities, Markdown metacharacters are backslash-escaped, ``@mention``, ``#123`` and
``GH-123`` references and URL autolinks are broken with a zero-width joiner, and the text
is kept on one line so it cannot start a block (heading, list, table row, HTML block).
Terminal: control characters (ANSI escape sequences included) are removed.
"""

from __future__ import annotations

import re
import string
import unicodedata
from urllib.parse import quote

ZWJ = "\u200d"
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)  # + bidi controls
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# every ASCII punctuation character CommonMark lets a backslash escape, except the ones that
# become entities (& < > :) and a few that mean nothing anywhere in (GitHub) Markdown, so no
# character can open a block, emphasis, link, code span or math
_PLAIN = set("&<>:") | set("/,;'\"%?")
# as str.translate tables (a regex substitution with a template costs a Python call per
# match: the comment of 20,000 benchmarks makes a million of them)
_REFERENCE_TABLE = str.maketrans({"@": "@" + ZWJ, "#": "#" + ZWJ})
_MARKDOWN_TABLE = str.maketrans({c: "\\" + c for c in sorted(set(string.punctuation) - _PLAIN)})
_GH_REF = re.compile(r"\b(GH)-(?=\d)", re.IGNORECASE)
_AUTOLINK = re.compile(r"(www)\.|:(//)", re.IGNORECASE)
ELLIPSIS = "…"


def one_line(text: object) -> str:
    """Whitespace runs (newlines, tabs) become one space; control characters (and the
    bidirectional overrides that make text display other than it reads) become spaces."""
    cleaned = _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", str(text)))
    if not cleaned.isascii():  # the line and paragraph separators (Zl, Zp) become spaces
        cleaned = "".join(" " if unicodedata.category(ch) in ("Zl", "Zp") else ch for ch in cleaned)
    return " ".join(cleaned.split())


def shorten(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def plain(text: object, limit: int | None = None) -> str:
    """For the terminal: one line, no control characters (no injected escape sequences)."""
    return shorten(one_line(text), limit)


def markdown(text: object, limit: int | None = None) -> str:
    """Inline Markdown that renders as exactly ``text`` (on one line) and nothing more.

    Safe in paragraphs, list items, emphasis and table cells (pipes are escaped); never put
    the result inside a code span, where backslash escapes do not apply.
    """
    out = shorten(one_line(text), limit)
    out = out.translate(_REFERENCE_TABLE)
    out = _GH_REF.sub(rf"\1{ZWJ}-", out)
    out = _AUTOLINK.sub(lambda m: f"www{ZWJ}." if m.group(1) else f":{ZWJ}//", out)
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = out.translate(_MARKDOWN_TABLE)
    return out.replace(":", "&#58;")  # no :emoji: shortcodes, no scheme: autolinks


def url_path(path: str) -> str:
    """A relative artifact path as a URL path: every character that could end the link,
    start a scheme (``javascript:``) or break out of an attribute is percent-encoded."""
    return quote(path.replace("\\", "/"), safe="/-_.~")
