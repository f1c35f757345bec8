"""Conversations: who takes part, whose turn it is, who a pronoun means."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..datatypes import Kind, Segment
from .anaphora import gender_of
from .characters import Characters, lookup_match
from .mentions import Mention, Tag, mention_at, mention_stream, subject
from .names import DESCRIPTOR, KIN, NAME_RE, NOUN_GENDER, PERSON_NOUNS, RELATION_TITLE, flat


@dataclass
class Turn:
    """A paragraph holding dialogue: one speaker unless its quotes have different tags."""

    paragraph: int
    quotes: list[int]  # indices into the segment list
    speaker: str | None = None
    evidence: str | None = None
    confidence: float = 0.0
    excluded: set[str] = field(default_factory=set)
    pronoun: str | None = None  # an unresolved pronoun subject, as a gender
    descriptor: bool = False  # the speaker is described, not named: "the girl laughed"
    described_gender: str | None = None  # the gender the description's noun carries: girl f, gentleman m
    addressees: set[str] = field(default_factory=set)  # named in the vocative: "When is your ball, Lizzy?"
    relation: str | None = None  # "his wife": the title ("mrs") the speaker has with the possessor's surname
    possessor: str | None = None  # the gender of "his"/"her" in such a description
    pos: int = 0  # where the quote ends: mentions before it are candidates
    conversation: int = 0
    features: dict[str, float] = field(default_factory=dict)  # measurements for the confidence model
    recent: list[str] = field(default_factory=list)  # people the narration just before names, nearest first


def split_turns(segs: list[Segment], tags: dict[int, Tag] | None = None, chars: Characters | None = None
                ) -> list[Turn]:
    """The turns of a chapter: a paragraph's quotes, unless they are a conversation of their own.

    Some books keep a whole exchange in one paragraph (`'...,' said she, '...' 'The dream may have
    been true,' said the king.`): a quote right after another, or one whose own tag names someone
    else than the tags before it in the paragraph, starts a new turn.
    """
    tags = tags or {}
    turns: list[Turn] = []
    for i, s in enumerate(segs):
        if s.kind is not Kind.DIALOGUE:
            continue
        if turns and turns[-1].paragraph == s.paragraph and not new_utterance(turns[-1], i, tags, chars):
            turns[-1].quotes.append(i)
        else:
            turns.append(Turn(s.paragraph, [i]))
    return turns


def new_utterance(turn: Turn, qi: int, tags: dict[int, Tag], chars: Characters | None) -> bool:
    """Does quote `qi` start another speaker's turn inside the paragraph of `turn`?"""
    last = turn.quotes[-1]
    if qi == last + 1:
        return True  # two quotes with nothing between them: two speakers
    own = tags.get(qi)
    if own is None or (last in tags and tags[last].source == own.source):
        return False  # no tag, or the one it shares with the quote before: `'Yes,' said she, 'and no.'`
    return any(q in tags and differ(tags[q].mention, own.mention, chars) for q in turn.quotes)


def differ(a: Mention, b: Mention, chars: Characters | None) -> bool:
    """Two tags that cannot name the same person: two names, a name and a description, he and she."""
    if a.kind == b.kind:
        return a.value != b.value
    if {a.kind, b.kind} == {"name", "pronoun"}:
        name, pronoun = (a, b) if a.kind == "name" else (b, a)
        gender = gender_of(name.value, chars) if chars else None
        return pronoun.value in ("m", "f") and gender is not None and gender != pronoun.value
    return "pronoun" not in (a.kind, b.kind)  # a name and a description, or someone unnamed

def note_unresolved(t: Turn, m: Mention) -> None:
    """Pronouns and descriptions are resolved later, with the whole scene in view."""
    if t.pronoun is not None or t.descriptor:
        return
    if m.kind == "pronoun":
        t.pronoun = m.value
    elif m.kind == "descriptor":
        det, noun = m.value.split(" ", 1)
        t.descriptor = True
        t.described_gender = NOUN_GENDER.get(noun)
        if det in ("his", "her") and noun in KIN:
            # Only kinship descriptions carry on as a gender; "the girl" is left to resolve_descriptors.
            t.pronoun = NOUN_GENDER.get(noun)
        if det in ("his", "her") and noun in RELATION_TITLE:
            t.relation, t.possessor = RELATION_TITLE[noun], "m" if det == "his" else "f"


def number_conversations(turns: list[Turn], by_para: dict[int, list[Segment]], text: str) -> None:
    """Number conversations: a run of dialogue paragraphs with at most two narration paragraphs between."""
    conv = 0
    for prev, t in zip([None, *turns], turns):
        if prev is not None:
            between = [p for p in range(prev.paragraph + 1, t.paragraph) if p in by_para]
            if len(between) > 2:
                conv += 1
        t.conversation = conv


def note_recent(turns: list[Turn], segs: list[Segment], chars: Characters) -> None:
    """The people the narration of the three paragraphs before each turn names, nearest first."""
    stream = [(para, name) for _, name, narration, para, _ in mention_stream(segs, chars) if narration]
    for t in turns:
        names = [name for para, name in reversed(stream) if t.paragraph - 3 <= para <= t.paragraph]
        t.recent = list(dict.fromkeys(names))


def count_present(turns: list[Turn], by_para: dict[int, list[Segment]], chars: Characters) -> None:
    """How many people are on the scene of each conversation: two make turn-taking safe, more do not."""
    convs: dict[int, list[Turn]] = defaultdict(list)
    for t in turns:
        convs[t.conversation].append(t)
    for conv in convs.values():
        first, last = conv[0].paragraph, conv[-1].paragraph
        segs = [s for p in range(first - 2, last + 1) for s in by_para.get(p, [])]
        names = {n for n in mentioned_in(segs, chars) if n != "\0someone"}
        names |= {t.speaker for t in conv if t.speaker}
        for t in conv:
            t.features["present"] = float(min(5, len(names)))
            t.features["two"] = float(len(names) <= 2)


def mentioned_in(segs: list[Segment], chars: Characters) -> list[str]:
    names: list[str] = []
    for s in segs:
        if s.kind is Kind.NARRATION:
            for m in NAME_RE.finditer(s.text):
                c = lookup_match(m, chars)
                if c is not None:
                    names.append(c.name)
            if DESCRIPTOR.search(s.text.lower()) or re.search(rf"\bthe\s+(?:[a-z-]+\s+){{0,3}}(?:{PERSON_NOUNS})\b", s.text, re.IGNORECASE):
                names.append("\0someone")
    return names


def follow_and_context(turns: list[Turn], by_para: dict[int, list[Segment]], segs: list[Segment],
                        chars: Characters, text: str) -> None:
    paras = sorted(by_para)
    index = {p: i for i, p in enumerate(paras)}
    for n, t in enumerate(turns):
        if t.speaker or t.evidence == "unnamed" or t.pronoun is not None or t.descriptor:
            continue  # a pronoun or a description in the tag is resolved with the scene in view
        i = index[t.paragraph]
        # The next paragraph opens with the speaker finishing: "Ann trailed off."
        if i + 1 < len(paras):
            nxt = by_para[paras[i + 1]]
            if nxt and nxt[0].kind is Kind.NARRATION:
                first = re.split(r"(?<=[.!?])\s+", flat(nxt[0].text[:300]), maxsplit=1)[0]
                m = re.match(r"^(?P<who>.{1,40}?)\s+(?:trailed off|finished|continued|went on|added|concluded|"
                             r"fell silent|paused)\b", first)
                if m:
                    mention = mention_at(m["who"], chars)
                    if mention and mention.kind == "name":
                        t.speaker, t.evidence, t.confidence = mention.value, "follow", 0.7
                        continue
        # The first turn of a conversation: the narration just before is about the speaker.
        first_of_conv = n == 0 or turns[n - 1].conversation != t.conversation
        if first_of_conv and i > 0:
            prev = by_para[paras[i - 1]]
            if all(s.kind is Kind.NARRATION for s in prev):
                names = set(mentioned_in(prev, chars))
                if len(names) == 1 and "\0someone" not in names:
                    who = names.pop()
                    if who not in t.excluded:
                        t.speaker, t.evidence, t.confidence = who, "context", 0.5


def lead_in(turns: list[Turn], by_para: dict[int, list[Segment]], chars: Characters) -> None:
    """A narration paragraph whose last sentence has a person as subject leads into their line.

    "Mr. Hilbery was relieved, though he could not say so." then his line. Not where the first
    anchored quote of the same unbroken exchange says otherwise by alternation.
    """
    for n, t in enumerate(turns):
        if t.speaker or t.evidence == "unnamed" or t.pronoun is not None or t.descriptor:
            continue
        prev = by_para.get(t.paragraph - 1)
        if not prev or not all(s.kind is Kind.NARRATION for s in prev):
            continue
        run = [t]
        for u in turns[n + 1 :]:
            if u.paragraph - run[-1].paragraph != 1:
                break
            run.append(u)
        last = re.split(r"(?<=[.!?])\s+", flat(prev[-1].text[-300:]))[-1]
        mention = subject(last, chars)
        if not mention or mention.kind != "name" or mention.value in t.excluded:
            continue
        anchor = next(((d, u.speaker) for d, u in enumerate(run) if d and u.speaker), None)
        if anchor is not None and (anchor[1] == mention.value) != (anchor[0] % 2 == 0):
            continue  # the exchange's own alternation says otherwise
        t.speaker, t.evidence, t.confidence = mention.value, "lead", 0.6


def alternate(turns: list[Turn], chars: Characters) -> None:
    """Two people take turns: in three consecutive paragraphs A, B, ?, the third is A again.

    Applied forwards and backwards until nothing changes; a name inside the quote (a listener)
    or a pronoun of the other gender stops it.
    """
    for _ in range(len(turns)):
        changed = False
        for n, t in enumerate(turns):
            if t.speaker or t.evidence == "unnamed":
                continue
            prev = turns[n - 1] if n else None
            if prev is not None and prev.speaker and prev.paragraph == t.paragraph - 1 and \
                    len(prev.addressees - {prev.speaker}) == 1:
                # Someone just addressed by name answers: "When is your next ball to be, Lizzy?" -> Lizzy.
                (addressee,) = prev.addressees - {prev.speaker}
                if addressee not in t.excluded and fits_pronoun(addressee, t, chars):
                    t.speaker, t.evidence, t.confidence = addressee, "vocative", 0.65
                    changed = True
                    continue
            for a, b, d in ((n - 2, n - 1, -1), (n + 2, n + 1, 1)):
                if not (0 <= a < len(turns) and 0 <= b < len(turns)):
                    continue
                ta, tb = turns[a], turns[b]
                if tb.paragraph != t.paragraph + d or ta.paragraph != t.paragraph + 2 * d:
                    continue
                if not ta.speaker or not tb.speaker or ta.speaker == tb.speaker:
                    continue
                if ta.speaker in t.excluded or not fits_pronoun(ta.speaker, t, chars):
                    continue
                t.speaker, t.evidence, t.confidence = ta.speaker, "alternation", 0.7
                t.features["chain"] = min(8.0, ta.features.get("chain", 0.0) + 2)
                changed = True
                break
        if not changed:
            break


def turn_taking(turns: list[Turn], chars: Characters, speakers: Counter[str]) -> None:
    convs: dict[int, list[Turn]] = defaultdict(list)
    for t in turns:
        convs[t.conversation].append(t)
    for conv in convs.values():
        for _ in range(len(conv) + 1):
            changed = False
            for i, t in enumerate(conv):
                if t.speaker or t.evidence == "unnamed":
                    continue
                who, ev = from_neighbours(conv, i, chars, speakers)
                if who:
                    t.speaker, t.evidence, t.confidence = who, ev, {"turn": 0.6, "vocative": 0.65, "guess": 0.3}.get(ev, 0.4)
                    changed = True
            if not changed:
                break
        talkers = {t.speaker for t in conv if t.speaker and t.evidence not in ("turn", "guess", "other")}
        for t in conv:
            t.features["talkers"] = min(4.0, len(talkers))  # three or more people break the alternation
            t.features["conv_turns"] = min(3.0, math.log1p(len(conv)))


def participants(conv: list[Turn], speakers: Counter[str]) -> list[str]:
    seen = Counter(t.speaker for t in conv if t.speaker)
    ranked = [w for w, _ in seen.most_common()]
    for w, _ in speakers.most_common():
        if w not in ranked:
            ranked.append(w)
    return ranked


def other_speaker(who: str, conv: list[Turn], i: int, speakers: Counter[str], excluded: set[str]) -> str | None:
    """The person `who` is talking with: the nearest different speaker in the conversation."""
    for d in range(1, len(conv)):
        for j in (i - d, i + d):
            if 0 <= j < len(conv) and conv[j].speaker and conv[j].speaker != who and conv[j].speaker not in excluded:
                return conv[j].speaker
    for w in participants(conv, speakers):
        if w != who and w not in excluded:
            return w
    return None


def from_neighbours(conv: list[Turn], i: int, chars: Characters, speakers: Counter[str]) -> tuple[str | None, str]:
    t = conv[i]
    prev = conv[i - 1] if i > 0 else None
    if prev is not None and prev.speaker and len(prev.addressees - {prev.speaker}) == 1:
        # Someone just addressed by name answers: "When is your next ball to be, Lizzy?" -> Lizzy.
        (addressee,) = prev.addressees - {prev.speaker}
        if addressee not in t.excluded and fits_pronoun(addressee, t, chars):
            return addressee, "vocative"
    anchors = [(abs(j - i), j) for j, u in enumerate(conv) if u.speaker and u.evidence not in {"other", "guess"}]
    for _, j in sorted(anchors):
        anchor = conv[j].speaker
        assert anchor is not None
        d = abs(j - i)
        who = anchor if d % 2 == 0 else other_speaker(anchor, conv, j, speakers, set())
        # How far turn-taking counted, through every turn it had itself decided: a measure of doubt.
        t.features["chain"] = min(8.0, conv[j].features.get("chain", 0.0) + d)
        if who and who not in t.excluded and fits_pronoun(who, t, chars):
            return who, "turn"
        if who and who in t.excluded:
            alt = other_speaker(who, conv, i, speakers, t.excluded)
            if alt:
                return alt, "turn"
        break
    if anchors:
        return None, ""
    # No anchor in this conversation: a name inside the quote tells us who is *not* speaking.
    candidates = [w for w in participants(conv, speakers) if w not in t.excluded]
    if t.excluded and candidates:
        spoke = candidates[0] in {u.speaker for u in conv} or speakers[candidates[0]] > 0
        return candidates[0], "other" if len(candidates) == 1 or spoke else "guess"
    return (candidates[0], "other") if len(candidates) == 1 else (None, "")


def fits_pronoun(who: str, t: Turn, chars: Characters) -> bool:
    if t.pronoun is None or t.pronoun == "i":
        return True
    c = chars.lookup(who)
    return c is None or c.gender is None or c.gender == t.pronoun
