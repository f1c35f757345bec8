"""First-person narrators: the name the other characters call the narrator by."""

from __future__ import annotations

from collections import Counter

from ..datatypes import Segment
from .characters import Characters
from .mentions import vocatives
from .names import FIRST_PERSON


def narrator_name(quotes: list[tuple[Segment, str | None]], chars: Characters) -> str | None:
    """The name the others call a first-person narrator by, when it is clear; None otherwise.

    `quotes` holds every quote of the book in reading order with its likeliest speaker.
    """
    mine = [n for n, (_, who) in enumerate(quotes) if who == FIRST_PERSON]
    if not mine:
        return None
    called: Counter[str] = Counter()
    for n in mine:
        seg = quotes[n][0]
        for other, who in quotes[max(0, n - 2) : n + 3]:
            if who not in (None, FIRST_PERSON) and abs(other.paragraph - seg.paragraph) <= 3:
                called.update(vocatives(other.text, chars) - {who})
    if not called:
        return None
    (name, votes), *rest = called.most_common(2)
    second = rest[0][1] if rest else 0
    # Others address many people near the narrator's lines; the narrator is the one named far more often.
    if votes < 2 or votes < 2 * second or votes < 0.3 * sum(called.values()):
        return None
    return name
