"""Text for the Markdown outputs: escaping of untrusted values (numbers: see ``format``).

Two places take untrusted text (model output, grader explanations, error
messages, target and sample names) and each needs its own escaping:

- plain text (``md_cell``): HTML is neutralised with entities (``&lt;``),
  which Markdown renderers show as the characters; table pipes, backslashes
  and the markup characters that would restyle the text or open a link are
  backslash-escaped;
  newlines are folded. Underscores inside words are left alone (GitHub does
  not read them as emphasis), so ``chat_01`` stays readable in a terminal.
- code spans (``md_code``): a renderer shows everything between backticks
  literally, entities and backslashes included, so nothing is escaped there
  except what would end the span (a backtick, replaced by ') or, inside a
  table, split the row (``|``, as ``\\|``, which GitHub's table parser
  removes before the code span is read).
"""

from __future__ import annotations

import math
import re
from typing import Any

# "[" alone: an escaped "[" opens no link or image, so "]" can stay as it is.
_MARKUP = re.compile(r"[\\`*\[~|<>]|&(?=#?[A-Za-z0-9]+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_REPLACE = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _is_null(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas


def _clean(value: Any, limit: int) -> str:
    """``value`` as printable text (newlines and tabs kept), cut to ``limit`` characters."""
    text = "" if _is_null(value) else str(value)
    text = "".join(ch for ch in text if ch in "\n\r\t" or ch.isprintable())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def md_cell(value: Any, limit: int = 80) -> str:
    """``value`` as plain Markdown text, a table cell too: escaped, one line, cut to ``limit``."""
    text = _clean(value, limit).replace("\t", " ")
    text = _MARKUP.sub(lambda m: _REPLACE.get(m.group(), "\\" + m.group()), text)
    return _NEWLINES.sub(" ⏎ ", text)


def md_code(value: Any, limit: int = 80, *, table: bool = False) -> str:
    """``value`` as a Markdown code span (backticks included), shown exactly as it is.

    Backticks become ' (they would end the span), newlines and tabs spaces;
    ``table``: pipes are escaped, for a code span inside a table cell.
    """
    text = _NEWLINES.sub(" ", _clean(value, limit)).replace("\t", " ").replace("`", "'")
    if table:
        text = text.replace("|", "\\|")
    return f"`{text}`" if text.strip() else "` `"


__all__ = ["md_cell", "md_code"]
