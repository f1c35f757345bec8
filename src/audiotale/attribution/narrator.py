"""First-person narrators: the name the other characters call the narrator by."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..datatypes import Kind, Segment
from .characters import Characters
from .mentions import vocatives
from .names import FIRST_PERSON


def name_first_person(segments: list[Segment], chars: Characters) -> list[Segment]:
    """Credit a first-person narrator's lines to the name the others call them by, when it is clear."""
    mine = [i for i, s in enumerate(segments) if s.kind is Kind.DIALOGUE and s.speaker == FIRST_PERSON]
    if not mine:
        return segments
    dialogue = [i for i, s in enumerate(segments) if s.kind is Kind.DIALOGUE]
    where = {i: n for n, i in enumerate(dialogue)}
    called: Counter[str] = Counter()
    for i in mine:
        n = where[i]
        for j in dialogue[max(0, n - 2) : n + 3]:
            other = segments[j]
            if other.speaker not in (None, FIRST_PERSON) and abs(other.paragraph - segments[i].paragraph) <= 3:
                called.update(vocatives(other.text, chars) - {other.speaker})
    if not called:
        return segments
    name, votes = called.most_common(1)[0]
    if votes < 2 or votes < 0.5 * sum(called.values()):
        return segments
    return [replace(s, speaker=name) if s.kind is Kind.DIALOGUE and s.speaker == FIRST_PERSON else s
            for s in segments]
