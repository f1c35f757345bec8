"""The sieves in order: every quote of a chapter gets a speaker, the evidence and a confidence."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ..datatypes import Kind, Segment
from .characters import Characters
from .conversation import (
    Turn,
    follow_and_context,
    mentioned_in,
    note_unresolved,
    number_conversations,
    resolve_anaphora,
    resolve_descriptors,
    split_turns,
    turn_taking,
)
from .mentions import beat, names_in, tag, vocatives

MIN_CONFIDENCE = 0.35  # below this a quote goes to the [unknown] voice (issue #3)

def attribute(segments: list[Segment], text: str, chars: Characters, continued: set[int] | None = None) -> list[Segment]:
    """Credit every dialogue segment of one chapter with a speaker (or None), with evidence."""
    continued = continued or set()
    segs = list(segments)
    turns = split_turns(segs)
    if not turns:
        return segs
    by_para: dict[int, list[Segment]] = defaultdict(list)
    for s in segs:
        by_para[s.paragraph].append(s)
    quote_speaker: dict[int, tuple[str, str, float]] = {}
    speakers_in_chapter: Counter[str] = Counter()
    for t in turns:
        first = t.quotes[0]
        after = segs[first + 1] if first + 1 < len(segs) and segs[first + 1].paragraph == t.paragraph else None
        t.pos = after.end if after is not None else segs[first].end
        for qi in t.quotes:
            t.excluded |= names_in(segs[qi].text, chars)
            t.addressees |= vocatives(segs[qi].text, chars)
        for qi in t.quotes:
            found = tag(segs, qi, chars)
            if found is not None:
                m, conf = found
                if m.kind == "name":
                    quote_speaker[qi] = (m.value, "tag", conf)
                elif m.kind == "unnamed":
                    t.evidence = "unnamed"  # nobody we know: the [unknown] voice, and no turn-taking guess
                else:
                    note_unresolved(t, m)
        if not any(qi in quote_speaker for qi in t.quotes) and t.pronoun is None and not t.descriptor:
            found_beat = beat(segs, t.quotes, t.paragraph, chars)
            if found_beat is not None:
                if found_beat.kind == "name":
                    t.speaker, t.evidence, t.confidence = found_beat.value, "beat", 0.8
                else:
                    note_unresolved(t, found_beat)
        tagged = [quote_speaker[qi][0] for qi in t.quotes if qi in quote_speaker]
        if tagged and t.speaker is None:
            t.speaker, t.evidence, t.confidence = tagged[0], "tag", 0.95
        if t.speaker:
            speakers_in_chapter[t.speaker] += 1
    number_conversations(turns, by_para, text)
    follow_and_context(turns, by_para, segs, chars, text)
    for t in turns:
        if t.speaker and t.evidence in {"follow", "context"}:
            speakers_in_chapter[t.speaker] += 1
    for name in mentioned_in([s for s in segs if s.kind is Kind.NARRATION], chars):
        if name != "\0someone" and name not in speakers_in_chapter:
            speakers_in_chapter[name] += 0  # a known participant, ranked after every speaker
    resolve_anaphora(turns, segs, chars)
    resolve_descriptors(turns, chars, speakers_in_chapter)
    turn_taking(turns, chars, speakers_in_chapter)
    # Continued multi-paragraph speeches keep their speaker.
    prev_turn: Turn | None = None
    for t in turns:
        if prev_turn and any(segs[q].start in continued for q in t.quotes[:1]) and prev_turn.speaker:
            t.speaker, t.evidence, t.confidence = prev_turn.speaker, "continued", prev_turn.confidence
        prev_turn = t
    out = list(segs)
    for t in turns:
        for qi in t.quotes:
            who, ev, conf = quote_speaker.get(qi, (t.speaker, t.evidence, t.confidence))
            if who is not None and conf < MIN_CONFIDENCE:
                who, ev = None, "unsure"  # read in the [unknown] voice rather than maybe the wrong one
            if who is None and ev not in ("unsure", "unnamed"):
                ev, conf = None, 0.0
            out[qi] = replace(segs[qi], speaker=who, evidence=ev, confidence=round(conf, 2))
    return out
