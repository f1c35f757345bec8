"""Skipped spans: kept tidy (sorted, trimmed, never overlapping) and asked what they leave to read."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from ..datatypes import Skip

_WORD = re.compile(r"\w+")


def tidy(skips: Iterable[Skip], text: str) -> tuple[Skip, ...]:
    """Sorted and trimmed; a span inside an earlier one is dropped, one that overlaps it is cut short,
    and neighbours with the same reason and only whitespace between them become one."""
    out: list[Skip] = []
    for sk in sorted(skips, key=lambda s: (s.start, -s.end)):
        start, end = trimmed(text, max(sk.start, out[-1].end) if out else sk.start, sk.end)
        if start >= end:
            continue
        last = out[-1] if out else None
        if (last is not None and last.reason is sk.reason and sk.ref is None and last.ref is None
                and not text[last.end : start].strip()):
            out[-1] = Skip(last.start, end, last.reason)
        else:
            out.append(Skip(start, end, sk.reason, sk.ref) if (start, end) != (sk.start, sk.end) else sk)
    return tuple(out)


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the whitespace at either end (empty: start >= end)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Spans:
    """Tidy skipped spans of one text, with fast questions about a range of it."""

    def __init__(self, skips: tuple[Skip, ...], text: str) -> None:
        self.skips = skips
        self.text = text
        self.starts = [s.start for s in skips]

    def inside(self, pos: int) -> bool:
        """Is the character at `pos` skipped?"""
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and self.skips[i].end > pos

    def gaps(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        """The stretches of [start, end) that are read."""
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        pos = start
        while i < len(self.skips) and self.skips[i].start < end:
            sk = self.skips[i]
            if sk.end > pos:
                if sk.start > pos:
                    yield pos, sk.start
                pos = sk.end
            i += 1
        if pos < end:
            yield pos, end

    def words(self, start: int, end: int) -> int:
        """How many words of [start, end) are read."""
        return sum(len(_WORD.findall(self.text, a, b)) for a, b in self.gaps(start, end))

    def covered(self, start: int, end: int) -> bool:
        """Is every non-space character of [start, end) skipped?"""
        return all(not self.text[a:b].strip() for a, b in self.gaps(start, end))
