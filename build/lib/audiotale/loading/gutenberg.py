"""Project Gutenberg's wrapping: header, licence, credits and transcriber's notes; title and author.

The same rules read a plain-text download and the text of a Gutenberg EPUB: everything up to the
`*** START OF THE PROJECT GUTENBERG EBOOK ... ***` line and from the `*** END OF ... ***` line on
is boilerplate. "Produced by ..." credits and transcriber's notes are skipped as `transcriber`,
wherever a producer put them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..datatypes import Reason, Skip

# The markers stand on lines of their own in a text file, but may run on in an EPUB's <pre> header.
START = re.compile(
    r"\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG[^\n*]*(?:\*{3})?"
    r"|^\*END\*THE SMALL PRINT![^\n]*",  # the header of the oldest files ends with this line
    re.IGNORECASE | re.MULTILINE)
END = re.compile(r"\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG", re.IGNORECASE)
# "End of the Project Gutenberg EBook of Emma, by Jane Austen" / "End of Project Gutenberg's Emma": just
# before the END line, sometimes with no END line at all.
END_LINE = re.compile(r"(?:^|(?<=\s))End of (?:the )?Project Gutenberg(?:'s|\u2019s)?\b[^\n]*",
                      re.IGNORECASE | re.MULTILINE)
TITLE = re.compile(r"^[ \t]*Title:[ \t]*(?P<value>[^\n]+(?:\n[ \t]+[^\s][^\n]*)*)", re.MULTILINE)
AUTHOR = re.compile(r"^[ \t]*Authors?:[ \t]*(?P<value>[^\n]+(?:\n[ \t]+[^\s][^\n]*)*)", re.MULTILINE)
FIRST_LINE = re.compile(r"The Project Gutenberg e-?(?:Book|Text) of (?P<title>[^\n]+?)(?:,? by (?P<author>[^\n]+))?\s*$",
                        re.IGNORECASE | re.MULTILINE)
# A paragraph of credits or notes from whoever made the e-text, not from the author.
CREDITS = re.compile(
    r"(?:\[[ \t]*)?(?:Produced by|E-?text prepared by|This e-?(?:book|text) was (?:produced|prepared|created)"
    r"|Transcribed (?:from|by)|Scanned by|(?:Original )?Transcriber[\u2019']?s?[\u2019']? Notes?"
    r"|(?:Preparer|Producer)[\u2019']?s?[\u2019']? Notes?|Notes? (?:from|by) the transcriber)\b",
    re.IGNORECASE)
MENTION = re.compile(r"Project Gutenberg|gutenberg\.org", re.IGNORECASE)
PARAGRAPH_START = re.compile(r"(?:\A|\n[ \t]*\n)[ \t]*(?=\S)")


@dataclass(frozen=True, slots=True)
class Wrapping:
    skipped: list[Skip]
    title: str | None  # from the header's Title: line
    author: str | None


def find(text: str) -> Wrapping:
    """The boilerplate and credits in a (possibly) Project Gutenberg text, and its title and author."""
    skipped: list[Skip] = []
    body_start, body_end = 0, len(text)
    start = next((m for m in START.finditer(text, 0, max(len(text) // 3, 50_000))), None)
    if start is not None:
        body_start = start.end()
        skipped.append(Skip(0, body_start, Reason.BOILERPLATE))
    ends = [m for m in END.finditer(text, body_start)] or [m for m in END_LINE.finditer(text, body_start)]
    end = ends[-1] if ends else None
    if end is not None:
        body_end = end.start()
        last = [m for m in END_LINE.finditer(text, max(body_start, body_end - 2000), body_end)]
        if last:
            body_end = last[0].start()
        skipped.append(Skip(body_end, len(text), Reason.BOILERPLATE))
    skipped += _credits(text, body_start, body_end)
    head = text[: body_start] if start is not None else text[:3000]
    title, author = _field(TITLE, head), _field(AUTHOR, head)
    first = FIRST_LINE.search(head)
    if first and (start is not None or first.start() < 200):
        title = title or _one_line(first["title"])
        author = author or (_one_line(first["author"]) if first["author"] else None)
    if start is None and not (TITLE.search(head) and MENTION.search(head)):
        title = author = None  # not a Gutenberg header: a "Title:" line in a story means nothing
    return Wrapping(skipped, title, author)


def _credits(text: str, start: int, end: int) -> list[Skip]:
    """Credits, transcriber's notes, and any other paragraph about Project Gutenberg, inside the body."""
    found: list[Skip] = []
    first = len(text[start:end]) - len(text[start:end].lstrip())  # the body's first line starts one too
    for pos in [start + first, *(m.end() for m in PARAGRAPH_START.finditer(text, start, end))]:
        if found and pos < found[-1].end or pos >= end:
            continue
        para_end = _paragraph_end(text, pos, end)
        para = text[pos:para_end]
        if CREDITS.match(para):
            stop = _note_end(text, pos, para_end, end)
            found.append(Skip(pos, stop, Reason.TRANSCRIBER))
        elif MENTION.search(para):
            found.append(Skip(pos, para_end, Reason.BOILERPLATE))
    return found


def _paragraph_end(text: str, pos: int, limit: int) -> int:
    m = re.compile(r"\n[ \t]*\n").search(text, pos, limit)
    return m.start() if m else limit


def _note_end(text: str, pos: int, para_end: int, limit: int) -> int:
    """Where a note starting at `pos` ends: its closing bracket, or the paragraphs under a note heading."""
    if text[pos] == "[":
        depth = 0
        for i in range(pos, min(limit, pos + 20_000)):
            depth += {"[": 1, "]": -1}.get(text[i], 0)
            if depth == 0:
                return i + 1
        return para_end
    if not re.search(r"notes?\s*:?\s*$", text[pos:para_end], re.IGNORECASE) or len(text[pos:para_end].split()) > 6:
        return para_end  # "Produced by Jane Doe and the Online Distributed Proofreading Team": one paragraph
    # A heading ("Transcriber's Notes:"): the paragraphs under it, up to a wider gap (two blank lines).
    gap = re.compile(r"\n[ \t]*\n[ \t]*\n").search(text, para_end, min(limit, para_end + 5000))
    return gap.start() if gap else para_end


def _field(pattern: re.Pattern[str], head: str) -> str | None:
    """A header field; continuation lines (indented) are a subtitle: "Frankenstein: or, The Modern Prometheus"."""
    m = pattern.search(head)
    if not m:
        return None
    lines = [ln.strip() for ln in m["value"].split("\n") if ln.strip()]
    value = lines[0]
    for ln in lines[1:]:
        value += f" {ln}" if value[-1:] in ",;:" else f": {ln}"
    return _one_line(value)


def _one_line(value: str) -> str | None:
    value = re.sub(r"\s+", " ", value).strip()
    return value or None
