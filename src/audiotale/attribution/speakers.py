"""The sieves in order: every quote of a chapter gets a speaker, the evidence and a confidence."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from ..datatypes import Kind, Segment
from . import confidence, descriptions, stories
from .anaphora import resolve_anaphora, resolve_descriptors
from .characters import Character, Characters
from .conversation import (
    alternate,
    Turn,
    count_present,
    follow_and_context,
    lead_in,
    mentioned_in,
    note_recent,
    note_unresolved,
    number_conversations,
    split_turns,
    turn_taking,
)
from .mentions import ANONYMOUS, addressed, beat, names_in, tag, vocatives
from .names import FIRST_PERSON, norm
from .narrator import local_names, narrator_names


@dataclass(frozen=True, slots=True)
class Guess:
    """What the sieves concluded about one quote."""

    speaker: str | None  # the likeliest speaker; None when no sieve found one
    evidence: str | None  # the sieve that decided: tag, pronoun, beat, vocative, turn, ...
    raw: dict[str, float] = field(default_factory=dict)  # the sieve's measurements, for the confidence
    candidates: tuple[tuple[str, dict[str, float], float], ...] = ()  # whom a pronoun tag could mean, ranked


@dataclass(frozen=True, slots=True)
class Decision:
    """One quote as attributed, and why (for evaluation and the confidence model's training)."""

    segment: Segment  # speaker None when the probability is under the threshold
    guess: str | None  # the likeliest speaker before the threshold
    features: dict[str, float]
    probability: float
    candidates: tuple[tuple[str, dict[str, float], float], ...] = ()  # a pronoun's, for training the ranking


def attribute_book(text: str, chapters: list[tuple[list[Segment], set[int]]], chars: Characters,
                   decisions: list[Decision] | None = None) -> list[Segment]:
    """Credit every quote of a book with a speaker, or None where the confidence is under the threshold.

    `chapters` holds each chapter's segments and the starts of its quotes that continue the speech
    of the paragraph before. `decisions`, when given, receives every quote's Decision.
    """
    guesses: list[tuple[list[Segment], dict[int, Guess]]] = []
    for segs, continued in chapters:
        guesses.append((segs, decide(segs, text, chars, continued)))
    retell(guesses, [continued for _, continued in chapters], chars)
    quotes = [(segs[i], g.speaker) for segs, found in guesses for i, g in sorted(found.items())]
    voted: dict[int, str] = {}
    tagged: dict[int, set[str]] = defaultdict(set)
    for segs, found in guesses:
        for i, g in found.items():
            if g.evidence == "tag" and g.speaker:
                tagged[segs[i].chapter].add(g.speaker)
    narrators = narrator_names(quotes, chars, voted, tagged)
    own = local_names(quotes, voted, chars)
    not_the_narrator(guesses, voted)
    cut = confidence.threshold()
    out: list[Segment] = []
    for segs, found in guesses:
        # With only two people on stage, a doubtful quote keeps its guess: a third, neutral voice
        # would break the alternation the listener follows, and the other voice is the only wrong
        # one there is. Not a guess by elimination of someone never heard speaking (the silent
        # Phantom, the sister a letter is written to). On the development novels these quotes
        # were right as often as their probability says, or more (eval/dev.py prints how often).
        two_hander = two_people(segs, found, chars)
        tagged = heard(found)
        for i, s in enumerate(segs):
            g = found.get(i)
            if g is None:
                out.append(s)
                continue
            who = own.get(s.start) or narrators.get(s.chapter, FIRST_PERSON) if g.speaker == FIRST_PERSON else g.speaker
            if who is None:
                out.append(replace(s, speaker=None, evidence=g.evidence, confidence=0.0))
                if decisions is not None:
                    decisions.append(Decision(out[-1], None, {}, 0.0))
                continue
            feats = confidence.features(g.evidence or "", g.raw)
            p = confidence.probability(feats)
            kept = who if p >= cut or two_hander and (g.evidence not in ("other", "guess") or who in tagged) else None
            out.append(replace(s, speaker=kept, evidence=g.evidence if kept else "unsure", confidence=round(p, 2)))
            if decisions is not None:
                decisions.append(Decision(out[-1], who, feats, p, g.candidates))
    for s in out:  # someone described by a tag ("The gentleman") is in the cast, of the noun's gender
        if s.speaker and s.speaker.startswith("The ") and chars.lookup(s.speaker) is None:
            chars.by_alias[norm(s.speaker)] = Character(s.speaker, {norm(s.speaker)},
                                                        descriptions.gender_of_noun(s.speaker[4:].lower()))
    return out


def not_the_narrator(guesses: list[tuple[list[Segment], dict[int, Guess]]], narrators: dict[int, str]) -> None:
    """`"...," he said` is never the chapter's "I": the next likeliest person instead."""
    for segs, found in guesses:
        for i, g in found.items():
            me = narrators.get(segs[i].chapter)
            if me is None or g.speaker != me or g.evidence != "pronoun" or not g.candidates:
                continue
            others = [w for w, _, _ in g.candidates if w != me and not w.startswith(ANONYMOUS)]
            found[i] = replace(g, speaker=others[0] if others else None, evidence="pronoun" if others else None)


def two_people(segs: list[Segment], found: dict[int, Guess], chars: Characters) -> bool:
    """Are only two people on stage in a chapter: whoever speaks, and anyone its narration names
    more than in passing (a twentieth of its mentions of people)?"""
    named = Counter(mentioned_in([s for s in segs if s.kind is Kind.NARRATION], chars))
    named.pop("\0someone", None)
    on_stage = {g.speaker for g in found.values() if g.speaker}
    on_stage |= {w for w, k in named.items() if k >= 0.05 * sum(named.values())}
    return len(on_stage) <= 2


def heard(found: dict[int, Guess]) -> set[str]:
    """Who a quote's own tag or beat shows speaking in a chapter."""
    return {g.speaker for g in found.values() if g.speaker and g.evidence in ("tag", "pronoun", "beat", "descriptor")}


def retell(guesses: list[tuple[list[Segment], dict[int, Guess]]], continued: list[set[int]], chars: Characters
           ) -> None:
    """Letters go to their signers and stories told over many paragraphs to their tellers (stories.py)."""
    quotes: list[stories.Quote] = []
    where: list[tuple[int, int]] = []
    for c, (segs, found) in enumerate(guesses):
        for i in sorted(found):
            quotes.append(stories.Quote(segs[i], segs[i].start in continued[c], found[i].speaker, found[i].evidence))
            where.append((c, i))
    narration = [s for segs, _ in guesses for s in segs if s.kind is Kind.NARRATION]
    for k, (who, evidence) in stories.retell(quotes, narration, chars).items():
        c, i = where[k]
        g = guesses[c][1][i]
        guesses[c][1][i] = Guess(who, evidence, {**g.raw, "rule_conf": 0.9 if evidence == "letter" else 0.7},
                                 g.candidates)


def decide(segments: list[Segment], text: str, chars: Characters, continued: set[int] | None = None
           ) -> dict[int, Guess]:
    """The likeliest speaker of every quote of one chapter (by index into `segments`), with its evidence."""
    continued = continued or set()
    segs = list(segments)
    tags = {qi: found for qi, s in enumerate(segs)
            if s.kind is Kind.DIALOGUE and (found := tag(segs, qi, chars)) is not None}
    turns = split_turns(segs, tags, chars)
    if not turns:
        return {}
    by_para: dict[int, list[Segment]] = defaultdict(list)
    for s in segs:
        by_para[s.paragraph].append(s)
    quote_speaker: dict[int, tuple[str, str, float]] = {}
    speakers_in_chapter: Counter[str] = Counter()
    for t in turns:
        first = t.quotes[0]
        after = segs[first + 1] if first + 1 < len(segs) and segs[first + 1].paragraph == t.paragraph else None
        t.pos = segs[first].start
        for qi in t.quotes:
            t.excluded |= names_in(segs[qi].text, chars)
            t.addressees |= vocatives(segs[qi].text, chars)
        for s in by_para[t.paragraph]:
            if s.kind is Kind.NARRATION:
                t.addressees |= addressed(s.text, chars)  # "Brett turned to Bill."
        for qi in t.quotes:
            found = tags.get(qi)
            if found is not None:
                m, conf = found.mention, found.confidence
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
                    note_unresolved(t, found_beat, tagged=False)
        tagged = [quote_speaker[qi][0] for qi in t.quotes if qi in quote_speaker]
        if tagged and t.speaker is None:
            t.speaker, t.evidence, t.confidence = tagged[0], "tag", 0.95
        if t.speaker:
            speakers_in_chapter[t.speaker] += 1
    number_conversations(turns, by_para, text)
    count_present(turns, by_para, chars)
    note_recent(turns, segs, chars)
    follow_and_context(turns, by_para, segs, chars, text)
    for t in turns:
        if t.speaker and t.evidence in {"follow", "context", "lead"}:
            speakers_in_chapter[t.speaker] += 1
    for name in mentioned_in([s for s in segs if s.kind is Kind.NARRATION], chars):
        if name != "\0someone" and name not in speakers_in_chapter:
            speakers_in_chapter[name] += 0  # a known participant, ranked after every speaker
    resolve_anaphora(turns, segs, chars, speakers_in_chapter)
    resolve_descriptors(turns, chars, speakers_in_chapter)
    lead_in(turns, by_para, chars)
    alternate(turns, chars)
    turn_taking(turns, chars, speakers_in_chapter)
    # Continued multi-paragraph speeches keep their speaker.
    prev_turn: Turn | None = None
    for t in turns:
        if prev_turn and any(segs[q].start in continued for q in t.quotes[:1]) and prev_turn.speaker:
            t.speaker, t.evidence, t.confidence = prev_turn.speaker, "continued", prev_turn.confidence
        prev_turn = t
    out: dict[int, Guess] = {}
    # How much of the chapter's tagged talk is each speaker's: a main character is a safer guess.
    tags = Counter(w for w, ev, _ in quote_speaker.values())
    talked: dict[int, set[str]] = defaultdict(set)  # who has spoken so far, by conversation
    for n, t in enumerate(turns):
        prev = turns[n - 1] if n and turns[n - 1].paragraph == t.paragraph - 1 else None
        # Someone the narration just named who has not spoken yet: a third person come in.
        t.features["newcomers"] = float(min(2, len(set(t.recent) - talked[t.conversation] - {t.speaker})))
        if t.speaker and t.evidence in ("tag", "beat", "pronoun", "descriptor", "vocative"):
            talked[t.conversation].add(t.speaker)
        for qi in t.quotes:
            who, ev, conf = quote_speaker.get(qi, (t.speaker, t.evidence, t.confidence))
            raw = {"rule_conf": conf if who else 0.0, **t.features,
                   # the same person again in the next paragraph is rare; being just addressed is not
                   "repeat": float(prev is not None and who is not None and prev.speaker == who),
                   "addressed": float(prev is not None and who in prev.addressees),
                   "words": min(4.0, math.log1p(len(segs[qi].text.split()))),
                   "narrated": float(any(s.kind is Kind.NARRATION for s in by_para[t.paragraph])),
                   "narrator": float(who == FIRST_PERSON),
                   "near": float(who in t.recent[:3]),  # the narration just before names the speaker
                   "share": tags[who] / max(1, sum(tags.values())) if who else 0.0}
            out[qi] = Guess(who, ev if who or ev == "unnamed" else None, raw, tuple(t.candidates))
    return out
