"""What is not the story: front and back matter, contents, notes, told by markup or by title.

EPUB 3 `epub:type` and ARIA `role` values, EPUB 2 guide types, the class names producers give
figures, footnotes and page numbers, and the titles of sections nobody wants read aloud.
"""

from __future__ import annotations

import re

from ..datatypes import Reason

FRONT_OR_BACK = "matter"  # placed before the body: front matter; after it: back matter
# epub:type (EPUB 3 structural semantics), role="doc-..." (DPUB-ARIA) and guide type values.
TYPES: dict[str, Reason | str] = {
    "cover": FRONT_OR_BACK, "titlepage": FRONT_OR_BACK, "title-page": FRONT_OR_BACK,
    "copyright-page": FRONT_OR_BACK, "copyright": FRONT_OR_BACK, "imprint": FRONT_OR_BACK,
    "seriespage": FRONT_OR_BACK, "other-credits": FRONT_OR_BACK, "errata": FRONT_OR_BACK,
    "credits": FRONT_OR_BACK, "colophon": Reason.BACK_MATTER, "index": Reason.BACK_MATTER,
    "bibliography": Reason.BACK_MATTER, "toc": Reason.CONTENTS, "landmarks": Reason.CONTENTS,
    "page-list": Reason.CONTENTS, "loi": Reason.CONTENTS, "lot": Reason.CONTENTS, "loa": Reason.CONTENTS,
    "lov": Reason.CONTENTS, "footnotes": Reason.NOTE, "endnotes": Reason.NOTE, "rearnotes": Reason.NOTE,
    "footnote": Reason.NOTE, "endnote": Reason.NOTE, "rearnote": Reason.NOTE, "note": Reason.NOTE,
    "notes": Reason.NOTE, "noteref": Reason.NOTE_MARKER, "pagebreak": Reason.PAGE_NUMBER,
}
# Class names (lower case) that producers give what is not read: Project Gutenberg's HTML, calibre,
# Sphinx, InDesign. Matched as whole class tokens, or as the start of one (figcenter, figure-caption).
CLASSES: list[tuple[re.Pattern[str], Reason]] = [
    (re.compile(r"^(?:pg-boilerplate|pgheader|pgfooter)$"), Reason.BOILERPLATE),
    (re.compile(r"^(?:transnote|tnote|transcriber|transcribers?-?notes?)$"), Reason.TRANSCRIBER),
    (re.compile(r"^(?:pagenum|page-?num(?:ber)?|pageno|page_number|pgnum|pagebreak)$"), Reason.PAGE_NUMBER),
    (re.compile(r"^(?:fnanchor|footnote-?ref|fn-?ref|noteref|note-?ref|footref|fnref|footnote-?link)$"),
     Reason.NOTE_MARKER),
    (re.compile(r"^(?:foot-?notes?|end-?notes?|fnote|fndef|footnote-?text|endnote-?text|rearnotes?)$"), Reason.NOTE),
    (re.compile(r"^(?:fig|illus|caption|photo|plate)|caption"), Reason.ILLUSTRATION),
    (re.compile(r"^(?:related|sphinxsidebar\w*|navigation|navbar|breadcrumbs?|headerlink|toc-?backref)$"),
     Reason.NAVIGATION),
]
# Titles of sections that are not read (whole title, case and trailing punctuation aside).
TITLES: list[tuple[re.Pattern[str], Reason | str]] = [
    (re.compile(r"(?:table of )?contents|toc|index of (?:chapters|contents)|(?:list of )?(?:illustrations|plates|"
                r"figures|maps|tables)|landmarks|navigation"), Reason.CONTENTS),
    (re.compile(r"(?:the )?(?:full )?(?:project gutenberg(?:\u2122|tm)? )?licen[cs]e(?: information)?|"
                r".*project gutenberg.*"), Reason.BOILERPLATE),
    (re.compile(r"(?:original )?transcriber[\u2019']?s?[\u2019']? notes?|(?:preparer|producer)[\u2019']?s?[\u2019']? "
                r"notes?|credits"), Reason.TRANSCRIBER),
    (re.compile(r"cover|title ?page|copyright(?: page| notice)?|imprint|about this (?:e-?book|edition)"),
     FRONT_OR_BACK),
    (re.compile(r"colophon|uncopyright|index|more info(?:rmation)?|about the publisher|also by .+|"
                r"(?:other )?(?:books|titles|works) by .+|newsletter|connect with .+|bibliography"),
     Reason.BACK_MATTER),
    (re.compile(r"(?:foot|end)?notes"), Reason.NOTE),
]


def for_types(types: frozenset[str] | set[str], back: bool) -> Reason | None:
    """The reason an element with these epub:type / role / guide values is not read, or None."""
    for t in types:
        t = t.removeprefix("doc-")
        reason = TYPES.get(t)
        if reason is not None:
            return _placed(reason, back)
    return None


def for_classes(classes: list[str]) -> Reason | None:
    """The reason an element with these class names is not read, or None."""
    for c in classes:
        c = c.lower()
        for pattern, reason in CLASSES:
            if pattern.search(c):
                return reason
    return None


def for_title(title: str, back: bool) -> Reason | None:
    """The reason a section with this title is not read (Contents, Colophon, License ...), or None."""
    t = re.sub(r"\s+", " ", title).strip().strip(".:;,\u2014-").strip().lower()
    for pattern, reason in TITLES:
        if pattern.fullmatch(t):
            return _placed(reason, back)
    return None


def _placed(reason: Reason | str, back: bool) -> Reason:
    if reason == FRONT_OR_BACK:
        return Reason.BACK_MATTER if back else Reason.FRONT_MATTER
    assert isinstance(reason, Reason)
    return reason
