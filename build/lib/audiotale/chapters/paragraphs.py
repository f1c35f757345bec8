"""The text's paragraphs as spans, for the rules that read a page's layout (contents lists, title pages)."""

from __future__ import annotations

import re
from typing import NamedTuple

_BLANK = re.compile(r"\n[ \t]*\n\s*")
_LINE = re.compile(r"\n\s*")


class Paragraph(NamedTuple):
    start: int  # offsets of its first and past its last non-space character
    end: int


def paragraphs(text: str) -> list[Paragraph]:
    """Blank-line separated paragraphs; one per line in a text that has (almost) no blank lines."""
    lines = text.count("\n") + 1
    pattern = _BLANK if len(_BLANK.findall(text)) * 20 >= lines or lines < 4 else _LINE
    found: list[Paragraph] = []
    pos = 0
    for m in [*pattern.finditer(text), None]:
        end = m.start() if m is not None else len(text)
        chunk = text[pos:end]
        if chunk.strip():
            start = pos + len(chunk) - len(chunk.lstrip())
            found.append(Paragraph(start, pos + len(chunk.rstrip())))
        if m is not None:
            pos = m.end()
    return found
