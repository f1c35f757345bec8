"""Marks in a text that are not read: [Illustration: ...], footnote markers and bodies, page numbers.

Plain-text conventions (Project Gutenberg's and others'), found in any book's text, EPUB included:
`[Illustration: A VICARAGE HOUSE.]`, a marker `[12]` or `[A]` after a word, its note `[12] The
word means...` or `[Footnote 12: ...]` further on (often under a `FOOTNOTES:` heading), `[Pg 12]`,
`[Sidenote: ...]`, `[Transcriber's Note: ...]`.
Emphasis marks (`_word_`, `*word*`) are not skipped: the words are read, the marks are dropped from
what is spoken (segments.spoken_text).
"""

from __future__ import annotations

import bisect
import re

from ..datatypes import Reason, Skip

_BRACKETED = r"[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*"  # one level of nested brackets inside
ILLUSTRATION = re.compile(
    r"\[(?:Illustrations?|Frontispiece|Image|Picture|Plate|Decoration|Vignette|Photograph|Figure|Map)\b"
    + _BRACKETED + r"\]", re.IGNORECASE)
FOOTNOTE = re.compile(r"\[Foot-?note[ \t]*(?P<label>[\w*\u2020\u2021\u00a7]{0,4})[ \t]*:" + _BRACKETED + r"\]",
                      re.IGNORECASE)
LABEL = r"\d{1,3}|[A-Za-z]|[*\u2020\u2021\u00a7\u2016\u00b6]{1,3}"  # 12, A, *, dagger, double dagger, section
INLINE = re.compile(rf"\[(?P<label>{LABEL})\]")
NOTE_BODY = re.compile(rf"(?:\A|\n[ \t]*\n)[ \t]*(?P<mark>\[(?P<label>{LABEL})\])[ \t]+\S")
NOTES_HEADING = re.compile(r"(?:\A|\n[ \t]*\n)[ \t]*(?P<h>(?:FOOT|END)?NOTES?:?)[ \t]*(?=\n[ \t]*\n|\Z)", re.IGNORECASE)
SIDENOTE = re.compile(r"\[Sidenote:" + _BRACKETED + r"\]", re.IGNORECASE)
TRANSCRIBER = re.compile(r"\[(?:Transcriber|Editor|Errata)[\u2019']?s?[\u2019']? ?(?:Note|Correction)s?\b" + _BRACKETED + r"\]",
                         re.IGNORECASE)
PAGE = re.compile(r"\[(?:Pg|Page|p\.)[ \t]*[\divxlcIVXLC]+\]|\{(?:Pg[ \t]*)?\d{1,4}\}")
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")


def find(text: str, start: int = 0, end: int | None = None) -> list[Skip]:
    """Every illustration, note marker, note body and page number in text[start:end]."""
    end = len(text) if end is None else end
    found = [Skip(m.start(), m.end(), Reason.ILLUSTRATION) for m in ILLUSTRATION.finditer(text, start, end)]
    found += [Skip(m.start(), m.end(), Reason.PAGE_NUMBER) for m in PAGE.finditer(text, start, end)]
    found += [Skip(m.start(), m.end(), Reason.NOTE) for m in SIDENOTE.finditer(text, start, end)]
    found += [Skip(m.start(), m.end(), Reason.TRANSCRIBER) for m in TRANSCRIBER.finditer(text, start, end)]
    notes = _note_bodies(text, start, end)
    body_labels = {label for label, _ in notes}
    markers: dict[str, list[int]] = {}  # label -> offsets of its inline markers
    body_starts = {s.start for _, s in notes}
    for m in INLINE.finditer(text, start, end):
        if m.start() in body_starts:
            continue
        label = m["label"]
        if label.isdigit() or label in body_labels:  # [A] or [*] only when its note is there
            markers.setdefault(label, []).append(m.start())
            found.append(Skip(m.start(), m.end(), Reason.NOTE_MARKER))
    for label, body in notes:
        refs = markers.get(label, [])
        i = bisect.bisect_left(refs, body.start) - 1  # the nearest marker before the note refers to it
        if not label.isdigit() and i < 0:
            continue  # "[A] ..." with no [A] before it: a list, not a note
        found.append(Skip(body.start, body.end, Reason.NOTE, refs[i] if i >= 0 else None))
    for m in FOOTNOTE.finditer(text, start, end):  # [Footnote 3: ...] inline or as a paragraph
        refs = markers.get(m["label"], [])
        i = bisect.bisect_left(refs, m.start()) - 1
        found.append(Skip(m.start(), m.end(), Reason.NOTE, refs[i] if i >= 0 else None))
    for m in NOTES_HEADING.finditer(text, start, end):
        after = text[m.end("h") : m.end("h") + 400]
        if re.match(r"\s*(?:\[(?:" + LABEL + r")\]|\[Foot-?note)", after, re.IGNORECASE):
            found.append(Skip(m.start("h"), m.end("h"), Reason.NOTE))  # the heading over the notes
    return found


def _note_bodies(text: str, start: int, end: int) -> list[tuple[str, Skip]]:
    """Paragraphs that start with a bracketed label: `[12] The word means ...`."""
    out: list[tuple[str, Skip]] = []
    for m in NOTE_BODY.finditer(text, start, end):
        para_end = _PARAGRAPH_END.search(text, m.start("mark"), end)
        stop = para_end.start() if para_end else end
        out.append((m["label"], Skip(m.start("mark"), stop, Reason.NOTE)))
    return out
