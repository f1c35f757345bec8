"""Stage 3a: Chapter -> list[Segment], narration vs dialogue. Pure text, no I/O.

Segments tile the text: every non-whitespace character of a chapter lands in exactly one segment,
in order. Quote marks belong to the dialogue segment they open or close. Scare quotes
(`a "professional" place`) and quoted titles stay inside the narration around them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from .datatypes import Chapter, Kind, Reason, Segment, Skip
from .loading.spans import trimmed

SPEECH_VERBS = (
    "said|says|say|asked|asks|ask|replied|replies|reply|answered|answers|cried|cries|exclaimed|exclaims|"
    "shouted|shouts|yelled|yells|screamed|whispered|whispers|murmured|murmurs|muttered|mutters|called|"
    "continued|continues|added|adds|began|begins|repeated|repeats|returned|rejoined|observed|remarked|"
    "declared|insisted|interrupted|pleaded|protested|responded|responds|retorted|sighed|laughed|"
    "said|snapped|spoke|speaks|stammered|stuttered|suggested|told|tells|urged|warned|went on|agreed|"
    "admitted|announced|argued|begged|blurted|called out|chuckled|conceded|demanded|explained|grumbled|"
    "groaned|growled|hissed|inquired|enquired|joked|mumbled|nodded|offered|ordered|promised|quipped|"
    "reasoned|recalled|repeated|reminded|replied|sobbed|stated|teased|thought|wondered|wailed|gasped|"
    "breathed|faltered|persisted|pursued|resumed|echoed|sneered|snarled|squeaked|shrieked|roared|"
    "bellowed|cautioned|confessed|concluded|assured|affirmed|acknowledged|observed|ventured|smiled|"
    "grinned|giggled|drawled|mused|corrected|countered|greeted|chimed in|piped up|trailed off"
)
SPEECH_VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)

_OPEN_DOUBLE = "\u201c\u201e\u00ab"  # “ „ «
_CLOSE_DOUBLE = "\u201d\u00bb"  # ” »
_OPEN_SINGLE = "\u2018\u201a\u2039"  # ‘ ‚ ‹
_CLOSE_SINGLE = "\u2019\u203a"  # ’ ›
_OPENER_CONTEXT = set(" \t\n([{<\u2014\u2013-/*_")
SCENE_BREAK = re.compile(r"^\s*(?:[*#~=_\-\u2022\u00b7]\s*){1,}\s*$")
_ELISIONS = {"tis", "twas", "twill", "twould", "em", "cause", "course", "til", "till", "n", "ere", "bout",
             "round", "scuse", "ow", "im", "er", "e", "appen", "ope", "alf", "ad", "ave", "ello", "ere's"}


@dataclass(frozen=True, slots=True)
class Paragraph:
    number: int  # paragraph number within the book
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # offset of the opening mark (or of the paragraph start for a continued quote)
    end: int  # offset just past the closing mark (or the paragraph end when unclosed)
    paragraph: int
    closed: bool
    continues: bool  # an unclosed quote whose speech goes on in the next paragraph


def paragraphs(text: str, start: int, end: int, first_number: int = 0) -> list[Paragraph]:
    """Paragraphs of text[start:end]: blank-line separated, or one per line when the book has no blank lines."""
    blank_lines = _has_blank_line_paragraphs(text)
    if blank_lines:
        pattern = _BLANK_LINE
    elif _has_indented_paragraphs(text):
        pattern = _INDENT  # hard-wrapped with indented first lines and no blank lines
    else:
        pattern = _NEWLINE
    found: list[Paragraph] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        _add_paragraph(text, pos, m.start(), found, first_number)
        pos = m.end()
    _add_paragraph(text, pos, end, found, first_number)
    return found


def _add_paragraph(text: str, start: int, end: int, found: list[Paragraph], first_number: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        found.append(Paragraph(first_number + len(found), start, end))


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_INDENT = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]+\S)\s*")
_NEWLINE = re.compile(r"\n\s*")
_last_indent: list[tuple[str, bool]] = []


def _has_indented_paragraphs(text: str) -> bool:
    """Lines mostly flush left, but some (paragraph starts) indented: a hard-wrapped book without blank lines."""
    if not _last_indent or _last_indent[0][0] is not text:
        lines = text.count("\n") + 1
        indented = len(re.findall(r"\n[ \t]+\S", text))
        _last_indent[:] = [(text, lines >= 10 and 0.03 * lines <= indented <= 0.6 * lines)]
    return _last_indent[0][1]


_last_blank: list[tuple[str, bool]] = []  # (text, answer) of the last book; an id() key could be reused


def _has_blank_line_paragraphs(text: str) -> bool:
    if not _last_blank or _last_blank[0][0] is not text:
        lines = text.count("\n") + 1
        blanks = len(re.findall(r"\n[ \t]*\n", text))
        _last_blank[:] = [(text, blanks >= 1 and (blanks * 20 >= lines or lines < 4))]
    return _last_blank[0][1]


_last_style: list[tuple[str, str]] = []  # (text, style) of the last book: chapters share it


def quote_style(text: str) -> str:
    """"double" or "single": which marks the book uses for speech (computed once per text)."""
    if not _last_style or _last_style[0][0] is not text:
        _last_style[:] = [(text, _quote_style(text))]
    return _last_style[0][1]


def _quote_style(text: str) -> str:
    # Count openers of each kind: a single-quote book nests double quotes, and vice versa (issue #3).
    doubles = len(re.findall(r"(?:^|[\s(\u2014\u2018'])[\"\u201c\u201e\u00ab](?=\S)", text))
    singles = len(re.findall(r"(?:^|[\s(\u2014\"\u201c])[\u2018'](?=[A-Za-z])", text))
    singles += text.count("\u2018") - len(re.findall(r"(?:^|[\s(\u2014\"\u201c])\u2018(?=[A-Za-z])", text))
    return "single" if singles >= 2 and singles > doubles else "double"


def find_quotes(text: str, paras: list[Paragraph], style: str) -> list[Quote]:
    """Quoted spans, paragraph by paragraph; an unclosed quote ends with its paragraph."""
    quotes: list[Quote] = []
    for i, p in enumerate(paras):
        spans = _scan_paragraph(text, p.start, p.end, style, starts_open=False)
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        for start, end, closed in spans:
            continues = False
            if not closed and nxt is not None and _opens_with_quote(text, nxt.start, style):
                continues = True
            quotes.append(Quote(start, end, p.number, closed, continues))
    return quotes


def _opens_with_quote(text: str, pos: int, style: str) -> bool:
    c = text[pos : pos + 1]
    if style == "double":
        return c == '"' or c in _OPEN_DOUBLE
    return c in _OPEN_SINGLE or c == "'"


def _scan_paragraph(text: str, start: int, end: int, style: str, starts_open: bool) -> list[tuple[int, int, bool]]:
    spans: list[tuple[int, int, bool]] = []
    open_at: int | None = start if starts_open else None
    for i in range(start, end):
        kind = _mark_kind(text, i, start, end, style, open_at is not None)
        if kind == "open" and open_at is None:
            open_at = i
        elif kind == "close" and open_at is not None:
            spans.append((open_at, i + 1, True))
            open_at = None
        elif kind == "toggle":
            if open_at is None:
                open_at = i
            else:
                spans.append((open_at, i + 1, True))
                open_at = None
    if open_at is not None:
        spans.append((open_at, end, False))
    return spans


def _mark_kind(text: str, i: int, start: int, end: int, style: str, is_open: bool) -> str | None:
    c = text[i]
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < end else " "
    if style == "double":
        if c in _OPEN_DOUBLE:
            return "open"
        if c in _CLOSE_DOUBLE:
            return "close"
        if c == '"':
            if not is_open:
                if after.isspace() and not before.isspace() and before not in _OPENER_CONTEXT:
                    return None  # a closing mark with no opening one (`MY DEAR BROTHER,"`): not a quote
                return "open" if not after.isspace() or before in _OPENER_CONTEXT else "toggle"
            return "close"
        return None
    # Single quotes: ’ and ' are apostrophes too (don't, 'tis, the Joneses').
    if c in _OPEN_SINGLE:
        return "open" if not is_open else None
    if c in _CLOSE_SINGLE or c == "'":
        if before.isalnum() and after.isalnum():
            return None  # don't, o'clock
        if not is_open:
            if (before in _OPENER_CONTEXT or i == start) and after in "'\u2019":
                return "open"  # ''Tis: a quote that opens on an elided word
            if c == "'" or c == "\u2019":
                if (before in _OPENER_CONTEXT or i == start) and after.isalnum():
                    word = re.match(r"[A-Za-z]+", text[i + 1 : i + 12])
                    if word and word.group(0).lower() in _ELISIONS and not _closer_ahead(text, i + 1, end):
                        return None
                    return "open"
            return None
        if after.isalnum():
            return None
        if before == "s" and after in " \t\n" and not _closer_ahead(text, i + 1, end):
            return "close"
        if before == "s" and after in " \t\n":
            return None  # the Joneses' house: a closer still follows
        return "close" if not before.isspace() else None
    return None


def _closer_ahead(text: str, pos: int, end: int) -> bool:
    """Is there a plausible closing single quote later in the paragraph?"""
    return re.search(r"[^\s\w][\u2019']|\w[\u2019'](?=[\s,.;:!?\u2014-]|$)", text[pos:end]) is not None


def is_speech(text: str, q: Quote, para: Paragraph) -> bool:
    """False for scare quotes and quoted titles: short, mid-sentence, no speech verb nearby."""
    if not q.closed or q.start == para.start:
        return True
    inner = text[q.start + 1 : q.end - 1].strip()
    words = inner.split()
    before = text[para.start : q.start].rstrip()
    after = text[q.end : para.end].lstrip()
    if not before or before[-1] in ".!?:\u2026" or before.endswith(("\u201d", '"', "\u2019")):
        return True  # the quote starts a sentence
    if SPEECH_VERB.search(_sentence_tail(before)) or re.match(rf"^[,\s]*(?:{SPEECH_VERBS})\b", after, re.I):
        return True
    if re.match(r"^[,\s]*(?:he|she|they|I|we)\s+(?:" + SPEECH_VERBS + r")\b", after, re.I):
        return True
    if inner[-1:] in ".!?\u2026" and len(words) >= 3:
        return True
    return len(words) > 5


def _sentence_tail(before: str) -> str:
    """The current sentence's text before a quote."""
    cut = max(before.rfind(". "), before.rfind("! "), before.rfind("? "))
    return before[cut + 1 :] if cut >= 0 else before


def segment_chapter(text: str, chapter: Chapter, first_paragraph: int = 0) -> list[Segment]:
    """Split one chapter into narration, dialogue and skipped segments that tile its text."""
    paras = paragraphs(text, chapter.start, chapter.end, first_paragraph)
    skips = chapter.skipped
    skip_starts = [sk.start for sk in skips]
    spoken = [p for p in paras if not _inside(skips, skip_starts, p.start, p.end)] if skips else paras
    style = quote_style(text)
    quotes = find_quotes(text, spoken, style)
    by_para: dict[int, list[Quote]] = {}
    for q in quotes:
        by_para.setdefault(q.paragraph, []).append(q)
    pieces: list[tuple[Kind, int, int, int]] = []  # kind, start, end, paragraph
    breaks: set[int] = set()  # starts of scene-break paragraphs

    for p in spoken:
        if SCENE_BREAK.match(text[p.start : p.end]):
            pieces.append((Kind.NARRATION, p.start, p.end, p.number))
            breaks.add(p.start)
            continue
        pos = p.start
        for q in by_para.get(p.number, []):
            if not is_speech(text, q, p):
                continue
            pieces.append((Kind.NARRATION, pos, q.start, p.number))
            pieces.append((Kind.DIALOGUE, q.start, q.end, p.number))
            pos = q.end
        pieces.append((Kind.NARRATION, pos, p.end, p.number))
    if skips:
        pieces = _cut_out(pieces, skips, skip_starts)
    para_starts = [p.start for p in paras]
    segments: list[Segment] = []
    scene_break = False
    for kind, start, end, para in pieces:
        start, end = trimmed(text, start, end)
        if start >= end:
            continue
        reason = skips[para].reason if kind is Kind.SKIPPED else None  # para: the skip's index
        number = _paragraph_at(paras, para_starts, start) if kind is Kind.SKIPPED else para
        segments.append(Segment(chapter.number, len(segments), kind, text[start:end], start, end, number,
                                scene_break_before=scene_break and kind is not Kind.SKIPPED, reason=reason))
        if kind is not Kind.SKIPPED:
            scene_break = start in breaks
    return segments


def _inside(skips: tuple[Skip, ...], starts: list[int], start: int, end: int) -> bool:
    """Is [start, end) wholly inside one skipped span?"""
    i = bisect.bisect_right(starts, start) - 1
    return i >= 0 and skips[i].end >= end


def _cut_out(pieces: list[tuple[Kind, int, int, int]], skips: tuple[Skip, ...],
             starts: list[int]) -> list[tuple[Kind, int, int, int]]:
    """Spoken pieces minus the skipped spans, with one SKIPPED piece per span, in text order.

    A SKIPPED piece carries the index of its span in `skips` where the others carry a paragraph.
    """
    out: list[tuple[Kind, int, int, int]] = []
    for i, sk in enumerate(skips):
        out.append((Kind.SKIPPED, sk.start, sk.end, i))
    for kind, start, end, para in pieces:
        i = max(0, bisect.bisect_right(starts, start) - 1)
        pos = start
        while i < len(skips) and skips[i].start < end:
            sk = skips[i]
            if sk.end > pos:
                if sk.start > pos:
                    out.append((kind, pos, sk.start, para))
                pos = max(pos, sk.end)
            i += 1
        if pos < end:
            out.append((kind, pos, end, para))
    out.sort(key=lambda piece: piece[1])
    return out


def _paragraph_at(paras: list[Paragraph], starts: list[int], pos: int) -> int:
    """The number of the paragraph holding `pos` (or the one before)."""
    i = bisect.bisect_right(starts, pos) - 1
    if i < 0:
        return paras[0].number if paras else 0
    return paras[i].number


def read_skipped(segments: list[Segment], chapters: list[Chapter], reasons: frozenset[Reason]) -> list[Segment]:
    """Skipped segments with one of `reasons` read as narration, one per paragraph; a note is read at the
    end of the chapter that refers to it (where its marker is), so the story is never interrupted."""
    if not reasons:
        return segments
    refs = {sk.start: sk.ref for ch in chapters for sk in ch.skipped if sk.ref is not None}
    starts = [ch.start for ch in chapters]
    kept: list[Segment] = []
    notes: dict[int, list[Segment]] = {}  # chapter number -> notes to read after it
    for seg in segments:
        if seg.kind is not Kind.SKIPPED or seg.reason not in reasons:
            kept.append(seg)
            continue
        pieces = [replace(seg, kind=Kind.NARRATION, text=seg.text[a:b], start=seg.start + a, end=seg.start + b,
                          paragraph=seg.paragraph + i) for i, (a, b) in enumerate(_paragraph_spans(seg.text))]
        if seg.reason is Reason.NOTE:
            ref = refs.get(seg.start)
            home = chapters[bisect.bisect_right(starts, ref) - 1].number if ref is not None else seg.chapter
            notes.setdefault(home, []).extend(replace(p, chapter=home) for p in pieces)
        else:
            kept.extend(pieces)
    by_chapter: dict[int, list[Segment]] = {}
    for seg in kept:
        by_chapter.setdefault(seg.chapter, []).append(seg)
    out: list[Segment] = []
    for ch in chapters:
        mine = by_chapter.get(ch.number, []) + notes.get(ch.number, [])
        out.extend(replace(s, index=i) for i, s in enumerate(mine))
    return out


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in _BLANK_LINE.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def continued_quotes(text: str, chapter: Chapter, first_paragraph: int = 0) -> set[int]:
    """Start offsets of dialogue segments that continue the previous paragraph's speech."""
    paras = paragraphs(text, chapter.start, chapter.end, first_paragraph)
    quotes = find_quotes(text, paras, quote_style(text))
    result: set[int] = set()
    for prev, q in zip(quotes, quotes[1:]):
        if prev.continues and q.paragraph == prev.paragraph + 1:
            result.add(q.start)
    return result


def spoken_text(segment_text: str) -> str:
    """The words to say: quote marks and Markdown emphasis removed."""
    t = segment_text.strip()
    if t[:1] in '"\u201c\u201d\u201e\u00ab\u2018\u2019\u201a\u2039\'':
        t = t[1:]
    if t[-1:] in '"\u201c\u201d\u00bb\u2019\u203a\'':
        t = t[:-1]
    t = re.sub(r"(?<!\w)[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?!\w)", "", t)
    return t.strip()


_ABBREV = "".join(rf"(?<!\b{a}\.)" for a in ("Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "vs", "Mt", "No", "Col", "Capt",
                                            "Gen", "Prof", "Rev", "Lt", "Sgt", "Mme", "Mlle", "Messrs", "e.g", "i.e"))
SENTENCE_END = re.compile(_ABBREV + r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Split spoken text into sentences (keeps abbreviations like Mr. together)."""
    parts = [s.strip() for s in SENTENCE_END.split(text)]
    return [p for p in parts if p]
