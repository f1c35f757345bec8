"""First-person narrators: the name the other characters call the narrator by, chapter by chapter.

A book can have more than one "I": Wuthering Heights is Lockwood's diary around Nelly Dean's story,
Frankenstein Walton's letters around Victor's tale. Each chapter's "I" is named by the vocatives
the others address to it there; a chapter that does not show it keeps the nearest chapter's.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..datatypes import Segment
from .characters import Characters
from .mentions import vocatives
from .names import FIRST_PERSON


def narrator_names(quotes: list[tuple[Segment, str | None]], chars: Characters,
                   voted: dict[int, str] | None = None, tagged: dict[int, set[str]] | None = None) -> dict[int, str]:
    """The name a first-person narrator's lines go to, by chapter; chapters without a clear name are left out.

    `quotes` holds every quote of the book in reading order with its likeliest speaker. `voted`,
    when given, receives the chapters that name their "I" themselves (not by their neighbours).
    `tagged` holds, by chapter, who has lines a tag names them in ("said Hareton"): not the "I" there.
    """
    tagged = tagged or {}
    mine = [n for n, (_, who) in enumerate(quotes) if who == FIRST_PERSON]
    called: dict[int, Counter[str]] = defaultdict(Counter)
    for n in mine:
        seg = quotes[n][0]
        # The lines just before and after the narrator's, in the paragraphs next to it: who answers
        # or is answered (a wider window catches whoever else the others are talking to).
        for other, who in quotes[max(0, n - 3) : n + 4]:
            if who not in (None, FIRST_PERSON) and abs(other.paragraph - seg.paragraph) <= 1:
                called[seg.chapter].update(vocatives(other.text, chars) - {who} - tagged.get(seg.chapter, set()))
    book = clear(sum(called.values(), Counter()))
    named: dict[int, str] = {}
    for ch, votes in called.items():
        name = clear(votes, 3)
        # A chapter names another "I" than the book's only when the book's is hardly addressed there.
        if name is not None and (book is None or name == book or votes[name] >= 3 * votes[book]):
            named[ch] = name
    if voted is not None:
        voted.update(named)
    out: dict[int, str] = {}
    for ch in sorted({quotes[n][0].chapter for n in mine}):
        if ch in named:
            out[ch] = named[ch]
            continue
        # The story goes on: the nearest chapter before that names its "I", else after, else the book's.
        before = [c for c in named if c < ch]
        after = [c for c in named if c > ch]
        name = named[max(before)] if before else named[min(after)] if after else book
        if name is not None:
            out[ch] = name
    return out


def clear(votes: Counter[str], least: int = 2) -> str | None:
    """The name given far more often than any other: others are addressed near the narrator's lines too."""
    if not votes:
        return None
    (name, n), *rest = votes.most_common(2)
    second = rest[0][1] if rest else 0
    if n < least or n < 2 * second or n < 0.3 * sum(votes.values()):
        return None
    return name


def local_names(quotes: list[tuple[Segment, str | None]], narrators: dict[int, str], chars: Characters
                ) -> dict[int, str]:
    """The narrator's own lines that the line just before names: `"Glad to see you, Mr. Lockwood," he
    said.` then `"An idle whim, I fear," was my answer.` -- in a book with several narrators, the
    one addressed there (by start of the quote)."""
    out: dict[int, str] = {}
    if len(set(narrators.values())) < 2:
        return out
    for n, (seg, who) in enumerate(quotes):
        if who != FIRST_PERSON or not n:
            continue
        before, other = quotes[n - 1]
        if other in (None, FIRST_PERSON) or seg.paragraph - before.paragraph > 1:
            continue
        said = " ".join(q.text for q, w in quotes[max(0, n - 4) : n] if q.paragraph == before.paragraph and w == other)
        # only a name that is the "I" of chapters of its own (not of one chapter, by a mistake)
        called = (vocatives(said, chars) - {other}) & {w for w, k in Counter(narrators.values()).items() if k > 1}
        if len(called) == 1:
            out[seg.start] = called.pop()
    return out
