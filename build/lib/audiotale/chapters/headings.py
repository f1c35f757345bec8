"""Chapter headings in plain text and Markdown, and chapter titles made fit to show."""

from __future__ import annotations

import re

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|first|second|"
    "third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final"
)
_NUMBER = rf"(?:\d+|[IVXLCDM]+\b|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))*)"
_UNITS = r"chapter|book|part|volume|vol\.|letter|stave|canto"
# A heading stands alone on its line: "CHAPTER I.", "Chapter 12: The Ball", "BOOK II", "PART Three",
# "VOL. II.", "Letter 4", "STAVE ONE", "Prologue", "Preface".
HEADING = re.compile(
    # "chapter", "part" ... need a number: a wrapped line ending "...on his own\npart." is prose.
    rf"^[ \t]*(?P<title>(?:(?:{_UNITS})[ \t]*(?:the[ \t]+)?{_NUMBER}|(?:(?:first|second|third|final)[ \t]+)?(?:prologue|epilogue)|"
    rf"preface|introduction|foreword|afterword)\.?"
    rf"(?:[ \t]*[:.\-\u2013\u2014][ \t]*[^\n]{{0,80}})?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A chapter's name under its number: "CHAPTER I.\nDown the Rabbit-Hole", or "CHAPTER I.\n\nTHE BOATS" in capitals.
SUBTITLE = re.compile(r"(?P<gap>\n|\n[ \t]*\n)[ \t]*(?P<sub>[^\s\[\"\u201c'\u2018][^\n]{0,60}?)[ \t]*(?=\n[ \t]*\n|\Z)")
# A roman numeral on its own line ("IV." or "IV. THE RED-HEADED LEAGUE" between blank lines), used only
# when no other heading is found.
ROMAN_HEADING = re.compile(r"(?:^|\n\n)[ \t]*(?P<title>(?P<n>[IVXLC]{1,7})(?:\.?|\.[ \t]+[A-Z][^\n]{0,70}?))[ \t]*(?=\n\n|\Z)")
MARKDOWN_HEADING = re.compile(r"^[ \t]{0,3}(?P<hashes>#{1,2})[ \t]+(?P<title>[^\n#][^\n]*?)[ \t#]*$", re.MULTILINE)
NUMBERED = re.compile(rf"(?:(?:{_UNITS})[ \t]*)?{_NUMBER}\.?", re.IGNORECASE)  # "Chapter 12", "XII", "12."
_SMALL = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "with"}


def heading_starts(text: str, markdown: bool) -> list[tuple[int, str]]:
    """(offset, title) of every heading that stands alone on its line, in order."""
    found: list[tuple[int, str]] = []
    if markdown:
        level = _top_markdown_level(text)
        for m in MARKDOWN_HEADING.finditer(text):
            if len(m["hashes"]) == level:
                found.append((m.start(), clean_title(m["title"])))
        if found:
            return found
    for m in HEADING.finditer(text):
        if _stands_alone(text, m.start(), m.end()):
            title = m["title"]
            sub = SUBTITLE.match(text, m.end())
            if sub and not re.search(r"[:.\-\u2013\u2014]\s*\w", title.rstrip(".")) and not HEADING.fullmatch(sub["sub"]) \
                    and (sub["gap"] == "\n" or sub["sub"].isupper()):
                title = f"{title.rstrip().rstrip('.')}. {sub['sub'].strip()}"
            found.append((m.start() + len(m.group(0)) - len(m.group(0).lstrip()), clean_title(title)))
    if not found:
        romans = [(m.start("title"), m["title"]) for m in ROMAN_HEADING.finditer(text)]
        if len(romans) >= 2 and re.match(r"I\b", romans[0][1]) and re.match(r"II\b", romans[1][1]):
            found = [(start, clean_title(title)) for start, title in romans]
    return found


def is_numbered(title: str) -> bool:
    """A chapter's place in the book, not a name: "Chapter 12", "Letter IV", "XII", "Prologue"."""
    return bool(NUMBERED.fullmatch(title.strip()) or HEADING.fullmatch(title.strip()))


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


def clean_title(title: str) -> str:
    """One line; no emphasis marks or trailing dot; "CHAPTER I" -> "Chapter I"; a bare "IV" -> "Chapter IV"."""
    title = re.sub(r"[*_`]+", "", title)
    title = re.sub(r"\s+", " ", title).strip().rstrip(".:;,").strip()
    if title.isupper():
        words = title.split(" ")
        title = " ".join(_capital(w, i == 0 or words[i - 1][-1:] in ":.\u2014") for i, w in enumerate(words))
    title = re.sub(rf"^(?:{_UNITS.upper()}|PROLOGUE|EPILOGUE|PREFACE)(?=[\s.:]|$)", lambda m: m.group().capitalize(), title)
    if re.fullmatch(r"\d+", title) or _ROMAN.fullmatch(title):
        title = f"Chapter {title}"
    return title


_ROMAN = re.compile(r"(?=[MDCLXVI])M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})[.,:;]?")


def _capital(word: str, first: bool) -> str:
    if _ROMAN.fullmatch(word):
        return word  # roman numerals stay upper case
    if not first and word.lower() in _SMALL:
        return word.lower()
    return "-".join(re.sub(r"[^\W\d_]", lambda m: m.group().upper(), part.lower(), count=1) for part in word.split("-"))
