"""Anaphora: who `said she`, `cried his wife` or `said the young woman` means, with the scene in view."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from typing import TYPE_CHECKING

from ..datatypes import Segment
from .characters import Characters
from .mentions import mention_stream
from .names import FIRST_PERSON

if TYPE_CHECKING:
    from .conversation import Turn


def gender_of(name: str, chars: Characters) -> str | None:
    c = chars.lookup(name)
    return c.gender if c else None


def surnames(name: str, chars: Characters) -> list[str]:
    c = chars.lookup(name)
    return sorted({a.split()[-1] for a in c.aliases if len(a.split()) >= 2}) if c else []


def resolve_anaphora(turns: list[Turn], segs: list[Segment], chars: Characters) -> None:
    """`said she`, `cried his wife`: the nearest fitting character, preferring a change of speaker."""
    stream = mention_stream(segs, chars)
    offsets = [o for o, _, _, _, _ in stream]
    for n, t in enumerate(turns):
        if t.speaker is None and t.pronoun == "i":
            t.speaker, t.evidence, t.confidence = FIRST_PERSON, "pronoun", 0.8  # "I said": the narrator speaks
            continue
        if t.speaker is not None or (t.pronoun not in ("m", "f") and not t.relation):
            continue
        i = bisect_left(offsets, t.pos)
        recent: list[str] = []  # every mention, nearest first: who "his"/"her" refers to
        for _, name, _, _, _ in reversed(stream[max(0, i - 40) : i]):
            if name not in recent:
                recent.append(name)
        who, evidence, confidence = None, "pronoun", 0.75
        if t.relation:
            previous = [u.speaker for u in turns[max(0, n - 1) : n] if u.speaker and u.conversation == t.conversation]
            possessors = [w for w in previous + recent if gender_of(w, chars) == t.possessor][:1]
            for owner in possessors + [w for w in recent if w not in possessors]:
                for surname in surnames(owner, chars):
                    target = chars.lookup(f"{t.relation} {surname}")
                    if target is not None and target.name != owner and target.name not in t.excluded:
                        who, evidence, confidence = target.name, "descriptor", 0.85
                        break
                if who:
                    break
        if who is None and t.pronoun in ("m", "f"):
            # A subject in the same paragraph first ("Mrs. Bennet ... she said"), then the viewpoint
            # character when present, then subjects, other mentions and possessives, nearest first.
            here: list[str] = []
            by_role: list[list[str]] = [[], [], []]
            for _, name, narration, para, role in reversed(stream[max(0, i - 40) : i]):
                if para < t.paragraph - 3:
                    break
                if narration:
                    by_role[role].append(name)
                    if role == 0 and para == t.paragraph:
                        here.append(name)
            present = set(by_role[0] + by_role[1] + by_role[2])
            rivals = [w for w in by_role[0] if w != chars.focal and gender_of(w, chars) == t.pronoun]
            focal = [chars.focal] if chars.focal in present and gender_of(chars.focal, chars) == t.pronoun \
                and not rivals else []
            # Who has been talking lately in this conversation comes before people merely mentioned.
            talking = [u.speaker for u in reversed(turns[max(0, n - 4) : n])
                       if u.conversation == t.conversation and u.speaker and u.evidence not in ("guess", "other")]
            talking = list(dict.fromkeys(w for w in talking if w and gender_of(w, chars) == t.pronoun))
            candidates = list(dict.fromkeys(here + focal + by_role[0] + by_role[1] + by_role[2]))
            for u in reversed(turns[:n]):
                if u.conversation == t.conversation and u.speaker and u.speaker not in candidates:
                    candidates.append(u.speaker)
            if n and turns[n - 1].conversation == t.conversation and t.paragraph - turns[n - 1].paragraph == 1:
                # Whoever was just addressed by name is the likeliest "he" or "she" to answer.
                spoken_to = sorted(turns[n - 1].addressees - {turns[n - 1].speaker or ""})
                candidates = spoken_to + [w for w in candidates if w not in spoken_to]
            candidates = [w for w in candidates if w != FIRST_PERSON]
            fitting = [w for w in candidates if gender_of(w, chars) == t.pronoun and w not in t.excluded]
            # Nobody of that gender: someone whose gender the book never showed ("Lucy ... she said").
            candidates = fitting or [w for w in candidates if gender_of(w, chars) is None and w not in t.excluded]
            last_turn = turns[n - 1] if n and turns[n - 1].conversation == t.conversation else None
            if last_turn is not None and len(candidates) > 1 and candidates[0] == last_turn.speaker:
                candidates.append(candidates.pop(0))  # a new paragraph: most likely the other person
            t.features["candidates"] = min(4, len(candidates))
            t.features["talking"] = float(bool(candidates) and candidates[0] in talking)
            if candidates:
                who = candidates[0]
                confidence = 0.85 if len(candidates) == 1 else 0.7
        if who is not None:
            t.speaker, t.evidence, t.confidence = who, evidence, confidence


def resolve_descriptors(turns: list[Turn], chars: Characters, speakers: Counter[str]) -> None:
    """`the girl laughed`, `said the gentleman`: someone on the scene of that gender, not the viewpoint."""
    for n, t in enumerate(turns):
        if t.speaker or not t.descriptor:
            continue
        last = turns[n - 1].speaker if n and turns[n - 1].conversation == t.conversation else None
        on_scene = list(dict.fromkeys(t.recent + [w for w, k in speakers.most_common() if k]))
        candidates = [w for w in on_scene if w != chars.focal and w != last and w not in t.excluded
                      and w != FIRST_PERSON and (t.described_gender is None or
                                                 gender_of(w, chars) in (None, t.described_gender))]
        t.features["candidates"] = min(4, len(candidates))
        if candidates:
            t.speaker, t.evidence, t.confidence = candidates[0], "description", 0.6
