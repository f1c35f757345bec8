"""Letters and stories told inside the story: a speech quoted over many paragraphs has one voice.

A letter quoted paragraph after paragraph is read by whoever signs it ("Elizabeth Lavenza." at its
foot), not by whoever spoke last; a story a character tells over whole chapters in quotes (the
creature's in Frankenstein) is told by the one who began it, across chapter breaks too, however
the turn-taking of the chapters it fills would count.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ..datatypes import Kind, Segment
from .characters import Characters
from .names import NAME_RE, STOP

STORY = 4  # paragraphs: a speech this long is a story (or a letter) of its own
OWN_TAG = ("tag", "descriptor", "pronoun", "description", "beat", "unnamed")  # sieves that read the quote's own tag
_SIGNATURE = re.compile(r"^[\W_]*(?:(?:yours|your|ever|truly|sincerely|affectionately|faithfully|most|very|"
                        r"affectionate|loving|devoted|[a-z]+ly)[\s,]+)*(?P<name>[A-Z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*){0,3})"
                        r"[\W_]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quote:
    """A quote as the sieves left it, in book order."""

    segment: Segment
    continued: bool  # it goes on with the speech of the paragraph before
    speaker: str | None
    evidence: str | None


def retell(quotes: list[Quote], narration: list[Segment], chars: Characters) -> dict[int, tuple[str, str]]:
    """New speakers for the quotes of letters and told stories: index into `quotes` -> (speaker, evidence).

    `narration` holds every narration segment of the book in order (to see what lies between two speeches).
    """
    out: dict[int, tuple[str, str]] = {}
    starts = [s.start for s in narration]
    teller: str | None = None  # the voice of the story the last run belonged to
    last_end = -1  # where the last run ended, in book offsets
    for run in runs(quotes):
        paras = sorted({quotes[i].segment.paragraph for i in run})
        first = quotes[run[0]]
        between = narration[bisect_left(starts, last_end) : bisect_left(starts, first.segment.start)]
        signed = signer([quotes[i].segment for i in run], chars) if len(paras) >= 2 else None
        if signed:
            out.update({i: (signed, "letter") for i in run if quotes[i].speaker != signed})
            teller = None
        elif len(paras) >= STORY:
            if first.evidence in OWN_TAG:
                teller = first.speaker  # its own tag says who, even a tag nobody could be found for
            elif teller is None or not only_headings(between):
                # The lead-in: whoever spoke just before ("Hear my tale." ... he thus began his tale.)
                teller = previous_speaker(quotes, run[0]) if narrated_paragraphs(between) <= 2 else None
            if teller:
                out.update({i: (teller, "story") for i in run if quotes[i].speaker != teller})
        else:
            teller = None
        last_end = quotes[run[-1]].segment.end
    return out


def runs(quotes: list[Quote]) -> list[list[int]]:
    """Quotes grouped into speeches: a paragraph's quotes, and the paragraphs that go on with them."""
    out: list[list[int]] = []
    for i, q in enumerate(quotes):
        if out and (q.segment.paragraph == quotes[out[-1][-1]].segment.paragraph or
                    q.continued and q.segment.paragraph == quotes[out[-1][-1]].segment.paragraph + 1):
            out[-1].append(i)
        else:
            out.append([i])
    return out


def signer(segments: list[Segment], chars: Characters) -> str | None:
    """Who signs a letter: a name alone in one of its last paragraphs ("Elizabeth Lavenza.")."""
    paras: dict[int, list[Segment]] = {}
    for s in segments:
        paras.setdefault(s.paragraph, []).append(s)
    for p in sorted(paras)[-3:][::-1]:
        text = " ".join(s.text for s in paras[p])
        m = _SIGNATURE.match(text)
        if m is None or len(text) > 60:
            continue
        name = m["name"].rstrip(".")
        if name.lower() in STOP or not NAME_RE.fullmatch(name.replace(".", "")):
            continue
        c = chars.lookup(name) or chars.lookup(name.split()[0])
        if c is not None:
            return c.name
        if len(name.split()) >= 2:
            return name  # a full name the book never used before: the letter's signer all the same
    return None


def previous_speaker(quotes: list[Quote], i: int) -> str | None:
    """The speaker of the last quote before quote `i`."""
    return next((q.speaker for q in reversed(quotes[:i]) if q.speaker), None) if i else None


def narrated_paragraphs(segments: list[Segment]) -> int:
    """How many paragraphs of narration these are, chapter titles aside."""
    return len({s.paragraph for s in segments if s.kind is Kind.NARRATION and not heading(s)})


def only_headings(segments: list[Segment]) -> bool:
    """Nothing but chapter titles between two speeches: the story goes on in the next chapter."""
    return all(heading(s) for s in segments)


def heading(s: Segment) -> bool:
    return len(s.text) <= 60 and not re.search(r"[.!?,;:]\W*$", s.text.strip())
