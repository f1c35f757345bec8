"""Title pages in the text: the book's title, its author, "A Novel", "In Three Volumes", an imprint.

One at the start of the book (after any header), and one before each volume of an old three-volume
novel. A title page is a run of short lines; it needs the book's title or author among them, and
only the lines from the first to the last that look like a title page are skipped.
"""

from __future__ import annotations

import bisect
import re

from ..datatypes import Reason, Skip
from ..loading.spans import Spans
from .paragraphs import Paragraph
from .headings import HEADING

SHORT = 15  # words: longer paragraphs are prose, where a title page ends
LIKE = re.compile(
    r"^by\b|\bby the author of\b|^an? (?:novel|romance|tale|story|poem|play|tragedy|comedy)\b|"
    r"\bin (?:one|two|three|four|five|six|seven|eight|\d+) (?:vol|volume|part|book)s?\b|"
    r"^vol(?:ume)? [ivxlc\d]+$|\billustrat|\bprinted (?:for|by)\b|\bpublished (?:by|for)\b|"
    r"^(?:london|new york|boston|edinburgh|philadelphia|paris|toronto|chicago|oxford|cambridge)\b|"
    r"^\d{4}$|\bcopyright\b|\ball rights reserved\b|\bedition\b|\btranslated (?:by|from|into)\b|\bauthor of\b|"
    r"\bwith (?:an? )?(?:introduction|preface|notes|illustrations)\b|\bpublishers?$|\bpress$|^also by\b|"
    r"\bfirst (?:published|edition|printing)\b|\bprinted in (?:the )?\w")
# A copyright page's lines: each one is front matter however long, and enough to call its run a title page.
COPYRIGHT = re.compile(r"\u00a9|\ball rights reserved\b|\bisbn\b|\blibrary of congress\b", re.IGNORECASE)


def find(text: str, paras: list[Paragraph], starts: list[int], spans: Spans, title: str,
         authors: str | None) -> list[Skip]:
    """The book's title pages: at its start, and right before any section heading."""
    names = _Names(title, authors)
    found: list[Skip] = []
    first = _forward(text, paras, spans, names)
    if first is not None:
        found.append(first)
    para_starts = [p.start for p in paras]
    heads = set(starts)
    for start in starts:
        i = bisect.bisect_left(para_starts, start)
        skip = _backward(text, paras, i, heads, spans, names)
        if skip is not None and not (first is not None and skip.start < first.end):
            found.append(skip)
    return found


class _Names:
    def __init__(self, title: str, authors: str | None) -> None:
        self.title = _norm(title)
        self.parts = {_norm(t) for t in re.split(r"[;:]|\bor,", title) if len(_norm(t)) >= 4}
        self.authors = [_norm(a) for a in re.split(r",| and ", authors or "") if len(_norm(a)) >= 4]

    def kind(self, para: str) -> str | None:
        """"name" (the book's title or author), "like" (a title page's other lines), or None."""
        if para.lstrip()[:1] in "\"\u201c\u2018'":
            return None  # a line of dialogue
        if COPYRIGHT.search(para):
            return "name"
        n = _norm(para)
        if not n:
            return None
        words = n.split()
        t = self.title
        if n == t or (len(n) >= 4 and f" {n} " in f" {t} ") or (t and f" {t} " in f" {n} " and len(words) <= len(t.split()) + 4):
            return "name"
        if any(p in n and len(words) <= len(p.split()) + 4 for p in self.parts):
            return "name"
        if any(a in n for a in self.authors) and len(words) <= 12:
            return "name"
        return "like" if LIKE.search(n) else None


def _forward(text: str, paras: list[Paragraph], spans: Spans, names: _Names) -> Skip | None:
    """The title page at the start of the book: from its first title-page line to its last."""
    lines: list[tuple[Paragraph, str | None]] = []
    for p in paras:
        if spans.covered(p.start, p.end):
            continue
        body = text[p.start : p.end]
        if HEADING.fullmatch(body.split("\n")[0]) or len(body.split()) > SHORT and not (
                len(body.split()) < 200 and COPYRIGHT.search(body)):
            break
        lines.append((p, names.kind(body)))
        if len(lines) > 30:
            break
    else:
        return None  # short lines to the end: a poem, a note, not a title page over a book
    matched = [text[p.start : p.end] for p, k in lines if k]
    if len(matched) == 1 and _norm(matched[0]) not in (names.title, *names.authors) and not COPYRIGHT.search(matched[0]):
        return None  # one line that merely mentions the title
    return _span(lines)


def _backward(text: str, paras: list[Paragraph], i: int, heads: set[int], spans: Spans,
              names: _Names) -> Skip | None:
    """A volume's title page just before the heading at paras[i]."""
    lines: list[tuple[Paragraph, str | None]] = []
    for p in reversed(paras[max(0, i - 20) : i]):
        if p.start in heads:
            break  # the previous section's own heading
        if spans.covered(p.start, p.end):
            continue
        body = text[p.start : p.end]
        if len(body.split()) > SHORT:
            break
        lines.insert(0, (p, names.kind(body)))
    kinds = [k for _, k in lines if k]
    if len(kinds) < 2:
        return None
    return _span(lines)


def _span(lines: list[tuple[Paragraph, str | None]]) -> Skip | None:
    """From the first title-page line to the last, if they name the book (or are three of a kind at least)."""
    matched = [p for p, kind in lines if kind]
    kinds = [kind for _, kind in lines if kind]
    if "name" not in kinds and len(kinds) < 3:
        return None
    return Skip(matched[0].start, matched[-1].end, Reason.FRONT_MATTER)


def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())
