"""Stage 2: Book -> list[Chapter]. Pure text, no I/O."""

from __future__ import annotations

import re

from .datatypes import Book, Chapter

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|first|second|"
    "third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final"
)
_NUMBER = rf"(?:\d+|[IVXLCDM]+\b|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))*)"
# A heading stands alone on its line: "CHAPTER I.", "Chapter 12: The Ball", "BOOK II", "PART Three".
HEADING = re.compile(
    # "chapter", "part" ... need a number: a wrapped line ending "...on his own\npart." is prose.
    rf"^[ \t]*(?P<title>(?:(?:chapter|book|part|volume)[ \t]+{_NUMBER}|prologue|epilogue)\.?"
    rf"(?:[ \t]*[:.\-\u2013\u2014][ \t]*[^\n]{{0,80}})?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A bare roman numeral on its own line ("IV." between blank lines), used only when no other heading is found.
ROMAN_HEADING = re.compile(r"(?:^|\n\n)[ \t]*(?P<title>[IVXLC]{1,7})\.?[ \t]*(?=\n\n|\Z)")
MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}(?P<hashes>#{1,2})[ \t]+(?P<title>[^\n#][^\n]*?)[ \t#]*$", re.MULTILINE)


def split_chapters(book: Book) -> list[Chapter]:
    """Chapters in reading order; text before the first heading is a chapter of its own."""
    if book.chapters is not None:
        return list(book.chapters)
    text = book.text
    starts = _heading_starts(text, markdown=book.path.suffix.lower() in {".md", ".markdown"})
    if not starts:
        return [Chapter(1, book.title, 0, len(text))]
    chapters: list[Chapter] = []
    first = starts[0][0]
    front = text[:first].strip()
    if front and not MARKDOWN_HEADING.fullmatch(front):
        chapters.append(Chapter(1, book.title, 0, first))
    elif front:  # only the book's `# Title`: it opens the first chapter
        starts[0] = (0, starts[0][1])
    for i, (start, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        chapters.append(Chapter(len(chapters) + 1, title, start, end))
    return chapters


def _heading_starts(text: str, markdown: bool) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    if markdown:
        level = _top_markdown_level(text)
        for m in MARKDOWN_HEADING.finditer(text):
            if len(m["hashes"]) == level:
                found.append((m.start(), _clean_title(m["title"])))
        if found:
            return found
    for m in HEADING.finditer(text):
        if _stands_alone(text, m.start(), m.end()):
            found.append((m.start() + len(m.group(0)) - len(m.group(0).lstrip()), _clean_title(m["title"])))
    if not found:
        romans = [(m.start("title"), m["title"]) for m in ROMAN_HEADING.finditer(text)]
        if len(romans) >= 2 and romans[0][1] == "I":
            found = romans
    return found


def _top_markdown_level(text: str) -> int:
    levels = [len(m["hashes"]) for m in MARKDOWN_HEADING.finditer(text)]
    if not levels:
        return 0
    # A single `# Title` above `## Chapter` headings is the book title, not a chapter.
    if levels.count(1) == 1 and levels.count(2) >= 2:
        return 2
    return min(levels)


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A heading has a blank line (or the start/end of the text) on at least one side."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    return start == 0 or before.endswith("\n\n") or after.startswith("\n\n") or end >= len(text) - 1


def _clean_title(title: str) -> str:
    title = re.sub(r"[*_`]+", "", title).strip()
    title = title.rstrip(".").strip()
    if title.isupper():
        # "CHAPTER I" -> "Chapter I" (keep roman numerals upper case)
        title = " ".join(w if re.fullmatch(r"[IVXLCDM]+", w) else w.capitalize() for w in title.split())
    return title
