"""Stage 2: Book -> list[Chapter]. Pure text, no I/O.

Sections come from the EPUB's table of contents (the loader found them) or from headings in the
text (`headings.py`). Then what is not a chapter is sorted out: a contents list (`contents.py`) and
title pages (`titlepages.py`) are skipped; a section titled Contents, Colophon, License ... is
skipped whole (`loading.matter`); a section left with nothing to read is absorbed by its neighbour;
a heading-only section (a part title, a half-title) joins the chapter after it, whose title then says
both ("Part One: Chapter 1"); text before the first heading is a chapter only when it has enough to
read. Chapters tile the text; each carries the skipped spans inside it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..datatypes import Book, Chapter, Skip
from ..errors import InputError
from ..loading import matter
from ..loading.spans import Spans, tidy
from . import contents, titlepages
from .contents import PART
from .headings import HEADING, clean_title, heading_starts, is_numbered
from .paragraphs import paragraphs

SHORT = 20  # spoken words: a shorter section that is no numbered chapter joins the next one
HEADING_WORDS = 12  # a first paragraph this short is the section's heading
PART_PAGE = 100  # spoken words: a part's own page (its title, an epigraph) joins its first chapter
CHAPTER = re.compile(r"\b(?:chapter|letter|stave|canto)\b", re.IGNORECASE)  # "Part One: Chapter 1" is a chapter


@dataclass(slots=True)
class _Section:
    start: int
    end: int
    title: str | None  # None: the text before the first heading
    words: int = 0  # spoken words
    body: int = 0  # spoken words after the heading


def split_chapters(book: Book) -> list[Chapter]:
    """Chapters in reading order, tiling the text, each with its skipped spans."""
    text = book.text
    markdown = book.path.suffix.lower() in {".md", ".markdown"}
    spans = Spans(tidy(book.skipped, text), text)
    if book.chapters is not None:
        marks = [(c.start, clean_title(c.title)) for c in book.chapters]
    else:
        marks = [(s, t) for s, t in heading_starts(text, markdown) if not spans.inside(s)]
    paras = paragraphs(text)
    if not markdown:
        found: list[Skip] = []
        if book.chapters is None:
            found += contents.find(text, paras, [s for s, _ in marks], [t for _, t in marks], spans)
            spans = Spans(tidy([*spans.skips, *found], text), text)
            marks = [(s, t) for s, t in marks if not spans.inside(s)]
        found = titlepages.find(text, paras, [s for s, _ in marks], spans, book.title, book.author)
        spans = Spans(tidy([*spans.skips, *found], text), text)
    sections = _sections(text, marks)
    spans = _skip_by_title(sections, spans)
    for sec in sections:
        sec.words = spans.words(sec.start, sec.end)
        sec.body = sec.words - _heading_words(text, sec, spans)
    if not any(sec.words for sec in sections):
        raise InputError(f"{book.path}: has nothing to read aloud: all of it is front or back matter, "
                         "contents or licence; check it is the book itself")
    sections = _merge(sections, text, book.title, spans)
    return [Chapter(i + 1, sec.title or book.title, sec.start, sec.end, _within(spans, sec.start, sec.end))
            for i, sec in enumerate(sections)]


def _sections(text: str, marks: list[tuple[int, str]]) -> list[_Section]:
    sections: list[_Section] = []
    if not marks or marks[0][0] > 0:
        sections.append(_Section(0, marks[0][0] if marks else len(text), None))
    for i, (start, title) in enumerate(marks):
        sections.append(_Section(start, marks[i + 1][0] if i + 1 < len(marks) else len(text), title))
    return sections


def _skip_by_title(sections: list[_Section], spans: Spans) -> Spans:
    """Sections titled Contents, Colophon, License, Index, Endnotes ... are skipped whole."""
    found = []
    for i, sec in enumerate(sections):
        reason = matter.for_title(sec.title, back=i > len(sections) / 2) if sec.title else None
        if reason is not None:
            found.append(Skip(sec.start, sec.end, reason))
    if not found:
        return spans
    return Spans(tidy([*found, *spans.skips], spans.text), spans.text)


def _heading_words(text: str, sec: _Section, spans: Spans) -> int:
    """Words of the section's first paragraph read, when it is short enough to be its heading."""
    for a, b in spans.gaps(sec.start, sec.end):
        chunk = text[a:b]
        if not chunk.strip():
            continue
        lead = len(chunk) - len(chunk.lstrip())
        stop = chunk.find("\n\n", lead)
        first = chunk[lead : stop if stop >= 0 else len(chunk)]
        n = spans.words(a + lead, a + lead + len(first))
        if n > HEADING_WORDS or first.count("\n") > 2:
            return 0
        return n if sec.title is None or _names(first, sec.title) else 0
    return 0


def _names(paragraph: str, title: str) -> bool:
    """Is this paragraph the section's heading: its title's words, or a heading of its own?"""
    if HEADING.fullmatch(paragraph.split("\n")[0]):
        return True
    words = re.findall(r"\w+", paragraph.lower())
    titled = set(re.findall(r"\w+", title.lower()))
    return bool(words) and sum(w in titled for w in words) * 2 >= len(words)


def _merge(sections: list[_Section], text: str, book_title: str, spans: Spans) -> list[_Section]:
    """Absorb what has nothing to read; join heading-only and short leading sections to what follows."""
    kept: list[_Section] = []
    for sec in sections:  # nothing to read: part of the chapter before (or after, at the very start)
        if sec.words == 0 and (kept or len(sections) > 1):
            if kept:
                kept[-1].end = sec.end
            else:
                sec.title = None
                kept.append(sec)
            continue
        if kept and kept[-1].words == 0:  # an empty start joins the first section with text
            sec.start = kept[-1].start
            kept[-1] = sec
            continue
        kept.append(sec)
    real_book = any(s.words >= SHORT for s in kept)  # (a two-line test story keeps its tiny chapters)
    out: list[_Section] = []
    pending: list[_Section] = []  # sections waiting to join the next one
    for i, sec in enumerate(kept):
        heading_only = sec.body == 0
        # A short section that is no numbered chapter (a dedication, an epigraph, a manual's stub page),
        # and a part's own page (its title, an epigraph, "VOL. II." over an imprint), are read with the
        # section after it.
        part = bool(sec.title and PART.match(sec.title) and not CHAPTER.search(sec.title)) and sec.words < PART_PAGE
        short = real_book and (part or sec.words < SHORT and not (sec.title and is_numbered(sec.title)))
        if (heading_only or short) and i + 1 < len(kept):
            pending.append(sec)
            continue
        if pending:
            titles = [p.title for p in [*pending, sec] if p.title]
            sec.start = pending[0].start
            sec.title = _joined(titles) or None
            pending = []
        if (heading_only or short) and out:  # at the very end ("THE END", a closing note): the chapter before
            out[-1].end = sec.end
            continue
        out.append(sec)
    if out and out[0].title is None:
        out[0].title = _front_title(text, out[0], spans) or book_title
    return out


def _joined(titles: list[str]) -> str:
    parts: list[str] = []
    for t in titles:
        if not any(t.lower() in p.lower() for p in parts):
            parts.append(t)
    return ": ".join(parts)


def _front_title(text: str, sec: _Section, spans: Spans) -> str | None:
    """A title for text before the first heading: its first line read, when that reads like a heading."""
    gap = next(((a, b) for a, b in spans.gaps(sec.start, sec.end) if text[a:b].strip()), None)
    if gap is None:
        return None
    first = text[gap[0] : gap[1]].strip().split("\n\n")[0].strip()
    words = re.findall(r"[^\W\d_]{4,}", first)
    if "\n" in first or len(first.split()) > 6 or not words or not all(w[0].isupper() for w in words):
        return None  # a sentence, not a heading
    return clean_title(first)


def _within(spans: Spans, start: int, end: int) -> tuple[Skip, ...]:
    """The skipped spans of [start, end), cut at its edges."""
    out = []
    for sk in spans.skips[max(0, bisect.bisect_right(spans.starts, start) - 1) :]:
        if sk.start >= end:
            break
        if sk.end <= start:
            continue
        if sk.start < start or sk.end > end:
            sk = Skip(max(sk.start, start), min(sk.end, end), sk.reason, sk.ref)
        out.append(sk)
    return tuple(out)

