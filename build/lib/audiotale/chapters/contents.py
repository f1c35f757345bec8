"""A plain-text table of contents before the story: skipped, and its lines are not chapters.

Three shapes: a `CONTENTS` line over a list of entries (it ends where the first entry comes round
again, or where prose begins); headings one after another with nothing under them; and a paragraph
of heading lines, one per line.
"""

from __future__ import annotations

import re

from ..datatypes import Reason, Skip
from ..loading.spans import Spans
from .paragraphs import Paragraph
from .headings import HEADING

CONTENTS_LINE = re.compile(r"[ \t]*(?:(?:table of )?contents|(?:list of )?(?:illustrations|plates))\.?:?[ \t]*",
                           re.IGNORECASE)
MAX_ENTRY = 90  # characters of one line of a contents list
RUN = 3  # headings in a row with nothing under them: a contents list
PART = re.compile(r"(?:part|book|volume|vol\.)(?=[\s.:]|$)", re.IGNORECASE)


def find(text: str, paras: list[Paragraph], starts: list[int], titles: list[str], spans: Spans) -> list[Skip]:
    """Contents lists in the first part of the text (before the story is well under way)."""
    found: list[Skip] = []
    limit = max(len(text) // 4, 20_000)
    for i, p in enumerate(paras):
        if p.start > limit:
            break
        if spans.inside(p.start) or not CONTENTS_LINE.fullmatch(text[p.start : p.end].split("\n")[0]):
            continue
        end = _list_end(text, paras, i, spans)
        found.append(Skip(p.start, end, Reason.CONTENTS))
    found += _empty_headings(text, paras, starts, titles, spans, limit)
    found += _heading_paragraphs(text, paras, starts, limit)
    return found


def _list_end(text: str, paras: list[Paragraph], i: int, spans: Spans) -> int:
    """Where the contents list under the CONTENTS line at paras[i] ends."""
    seen: list[list[str]] = []
    end = paras[i].end
    lines = text[paras[i].start : paras[i].end].split("\n")[1:]  # entries on the lines under the heading
    if lines:
        seen += [_key(ln) for ln in lines if _key(ln)]
    last_heading = False
    for p in paras[i + 1 :]:
        body = text[p.start : p.end]
        lines = [ln for ln in body.split("\n") if ln.strip()]
        if spans.inside(p.start) or not _is_list(lines):
            if last_heading and len(seen) > 1 and not spans.inside(p.start):
                end = _drop_last(text, paras, i, end)  # the first chapter's own heading, right above its prose
            break
        key = _key(lines[0])
        if seen and key and _same(key, seen[0]):
            break  # the first entry comes round again: the story starts here
        seen += [_key(ln) for ln in lines if _key(ln)]
        end = p.end
        last_heading = len(lines) == 1 and bool(HEADING.fullmatch(lines[0]))
    return end


ENTRY = re.compile(r"\s*(?:(?:chapter|part|book|volume|vol\.|letter|canto|stave|section)\b|[IVXLC]+\.|\d+\.)"
                   r"|.*\S\s+\d+\s*$", re.IGNORECASE)  # "CHAPTER I.", "IV.", "12.", "... 37" (a page number)


def _is_list(lines: list[str]) -> bool:
    """Lines of a contents list, not hard-wrapped prose (whose lines run to 60-75 characters)."""
    if not lines or any(len(ln.strip()) > MAX_ENTRY for ln in lines):
        return False
    if len(lines) == 1:
        return len(lines[0].split()) <= 15
    short = sorted(len(ln.strip()) for ln in lines)[len(lines) // 2] < 50
    return short or sum(bool(ENTRY.match(ln)) for ln in lines) >= 0.6 * len(lines)


def _drop_last(text: str, paras: list[Paragraph], i: int, end: int) -> int:
    inside = [p for p in paras[i + 1 :] if p.end <= end]
    return inside[-2].end if len(inside) >= 2 else paras[i].end


def _empty_headings(text: str, paras: list[Paragraph], starts: list[int], titles: list[str], spans: Spans,
                    limit: int) -> list[Skip]:
    """Headings in a row with nothing under them, their titles coming again later: a contents list."""
    found: list[Skip] = []
    run: list[int] = []  # indexes into starts
    for k, start in enumerate(starts + [len(text)]):
        nxt = starts[k + 1] if k + 1 < len(starts) else len(text)
        empty = k < len(starts) and start < limit and _only_heading(text, start, nxt, spans)
        if empty:
            run.append(k)
            continue
        if run and PART.match(titles[run[-1]]):
            run.pop()  # "BOOK ONE" right over the first chapter: the story's own part heading
        if len(run) >= RUN:
            later = {t.lower() for t in titles[run[-1] + 1 :]}
            again = sum(titles[j].lower() in later for j in run)
            if again * 2 >= len(run) or len(run) >= 2 * RUN:
                found.append(Skip(starts[run[0]], starts[run[-1] + 1] if run[-1] + 1 < len(starts) else len(text),
                                  Reason.CONTENTS))
        run = []
    return found


def _only_heading(text: str, start: int, end: int, spans: Spans) -> bool:
    line_end = text.find("\n", start, end)
    line_end = end if line_end < 0 else line_end
    return spans.words(line_end, end) == 0


def _heading_paragraphs(text: str, paras: list[Paragraph], starts: list[int], limit: int) -> list[Skip]:
    """A paragraph of three or more lines, most of them headings: a contents list written single-spaced."""
    found: list[Skip] = []
    heads = set(starts)
    for p in paras:
        if p.start > limit:
            break
        if p.start not in heads:
            continue
        lines = [ln for ln in text[p.start : p.end].split("\n") if ln.strip()]
        if len(lines) >= 3 and sum(bool(HEADING.fullmatch(ln)) for ln in lines) >= 0.6 * len(lines):
            found.append(Skip(p.start, p.end, Reason.CONTENTS))
    return found


def _key(line: str) -> list[str]:
    """A contents entry as words to compare: no case, punctuation, dot leaders or page numbers."""
    line = re.sub(r"[.\u2026 ]{3,}\s*\d+\s*$|\s+\d+\s*$", "", line.strip())
    return re.sub(r"[^\w\s]", " ", line.lower()).split()


def _same(a: list[str], b: list[str]) -> bool:
    """One entry begins with the other (`CHAPTER I.` / `Chapter I. Down the Rabbit-Hole`), word by word."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 1 and long[: len(short)] == short and (len(short) >= 2 or len(short[0]) >= 4)
