"""Anaphora: who `said she`, `cried his wife` or `said the young woman` means, with the scene in view."""

from __future__ import annotations

import json
import math
from bisect import bisect_left
from collections import Counter
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Callable

from ..datatypes import Segment
from .characters import Characters
from .mentions import ANONYMOUS, mention_stream
from .names import FIRST_PERSON

if TYPE_CHECKING:
    from .conversation import Turn


def gender_of(name: str, chars: Characters) -> str | None:
    if name.startswith(ANONYMOUS):
        return name[1:] or None
    c = chars.lookup(name)
    return c.gender if c else None


def surnames(name: str, chars: Characters) -> list[str]:
    c = chars.lookup(name)
    return sorted({a.split()[-1] for a in c.aliases if len(a.split()) >= 2}) if c else []


def resolve_anaphora(turns: list[Turn], segs: list[Segment], chars: Characters, speakers: Counter[str]) -> None:
    """`said she`, `cried his wife`: the likeliest fitting person, by the ranking model (anaphora.json)."""
    stream = mention_stream(segs, chars)
    offsets = [o for o, _, _, _, _ in stream]
    named = Counter(name for _, name, _, _, _ in stream)  # how often the chapter names each person
    for n, t in enumerate(turns):
        if t.speaker is None and t.pronoun == "i":
            t.speaker, t.evidence, t.confidence = FIRST_PERSON, "pronoun", 0.8  # "I said": the narrator speaks
            continue
        if t.speaker is not None or (t.pronoun not in ("m", "f") and not t.relation):
            continue
        i = bisect_left(offsets, t.pos)  # the mentions before the quote
        recent: list[str] = []  # every mention, nearest first: who "his"/"her" refers to
        for _, name, _, _, _ in reversed(stream[max(0, i - 40) : i]):
            if name not in recent:
                recent.append(name)
        who, evidence, confidence = None, "pronoun", 0.75
        if t.relation:
            previous = [u.speaker for u in turns[max(0, n - 1) : n] if u.speaker and u.conversation == t.conversation]
            # "My dear Mr. Bennet," said his lady: whom she addresses is the likeliest "his"
            owners = [w for w in dict.fromkeys(previous + sorted(t.addressees) + recent) if not w.startswith(ANONYMOUS)]
            possessors = [w for w in owners if gender_of(w, chars) == t.possessor][:1]
            for owner in possessors + [w for w in owners if w not in possessors]:
                for surname in surnames(owner, chars):
                    target = chars.lookup(f"{t.relation} {surname}")
                    if target is not None and target.name != owner and target.name not in t.excluded:
                        who, evidence, confidence = target.name, "descriptor", 0.85
                        break
                if who:
                    break
        if who is None and t.pronoun in ("m", "f"):
            t.candidates = rank(candidates(t, n, turns, stream[max(0, i - 40) : i], chars, speakers, named))
            known = [(w, p) for w, _, p in t.candidates if not w.startswith(ANONYMOUS)]
            # "The boy came in; he said": the boy, someone the book does not name, or a named boy?
            t.features["anonymous"] = float(bool(t.candidates) and t.candidates[0][0].startswith(ANONYMOUS))
            t.features["candidates"] = min(4, len(known))
            if known:
                who = known[0][0]
                t.features["p_first"] = known[0][1]  # how much more likely than everyone else
                confidence = 0.85 if len(known) == 1 else 0.7
        if who is not None:
            t.speaker, t.evidence, t.confidence = who, evidence, confidence


def resolve_descriptors(turns: list[Turn], chars: Characters, speakers: Counter[str]) -> None:
    """`the girl laughed`, `said the gentleman`: someone the narration just named, of that gender, not
    the viewpoint; with nobody such, the one described is someone the book does not name, and speaks
    as described ("The gentleman"), in a voice of their own rather than in a named character's."""
    for n, t in enumerate(turns):
        if t.speaker or not t.descriptor:
            continue
        last = turns[n - 1].speaker if n and turns[n - 1].conversation == t.conversation else None
        # "replied a man"; "cried the gentleman" right after "the old gentleman" came in
        fresh = t.description is not None and (t.description.startswith(("a ", "an "))
                                                or t.description.split(" ", 1)[1] in t.strangers)
        # Whom the narration just named, who talks in this conversation; in a chapter of few speakers, any.
        talking = [u.speaker for u in turns if u.conversation == t.conversation and u.speaker
                   and u.evidence not in ("guess", "other", "description")]
        chapter = [w for w, k in speakers.most_common() if k and w != chars.focal]
        on_scene = list(dict.fromkeys(t.recent + talking + (chapter if len(chapter) <= 1 else [])))
        candidates = [] if fresh else [
            w for w in on_scene if w != chars.focal and w != last and w not in t.excluded and w != FIRST_PERSON
            and (t.described_gender is None or gender_of(w, chars) in (None, t.described_gender))]
        answering = _answering(turns, n, chars, after_only=fresh)
        if answering:  # "..., Jupe?" asked he. "Yes," said the girl: whom the line before called answers
            t.speaker, t.evidence, t.confidence = answering, "vocative", 0.65
            continue
        t.features["candidates"] = min(4, len(candidates))
        if candidates:
            t.speaker, t.evidence, t.confidence = candidates[0], "description", 0.6
        elif t.description and t.description.split(" ", 1)[1] not in ("other", "friend"):  # "the other" is someone known
            who = "The " + t.description.split(" ", 1)[1]  # one voice for the gentleman, whom "a man" becomes
            # someone new, described: the tag says who speaks as surely as a name would
            t.speaker, t.evidence, t.confidence = who, "tag" if fresh else "description", 0.9 if fresh else 0.5
            t.features["unnamed_speaker"] = 1.0


def _answering(turns: list[Turn], n: int, chars: Characters, after_only: bool = False) -> str | None:
    """The one person of the description's gender whom the line before addresses by name, or the
    line after answers by name ("At four, Monsieur Farival," Robert replied), if any (`after_only`:
    someone new just came in, whom the line before may have greeted without a name)."""
    t = turns[n]
    found: set[str] = set()
    for k in (n - 1, n + 1):
        if not 0 <= k < len(turns) or turns[k].conversation != t.conversation or (after_only and k < n):
            continue
        other = turns[k]
        if k > n and (other.speaker is None or other.evidence != "tag"):
            continue  # only a reply whose own tag names its speaker tells whom it answers
        found |= {w for w in other.addressees - {other.speaker}
                  if w != FIRST_PERSON and w != chars.focal and w not in t.excluded
                  and (t.described_gender is None or gender_of(w, chars) == t.described_gender)}
    return found.pop() if len(found) == 1 else None


# What makes someone the likeliest "he" or "she" (the ranking model weighs these; see candidates()).
FEATURES = ("rule", "here", "subject1", "subject", "topic", "recency", "distance", "possessive", "focal", "last", "last2", "previous",
            "talking", "spoke", "addressed", "addressed_before", "next", "named", "ungendered", "described", "anonymous", "talk_share", "mentions",
            "here*last", "subject1*last")


def candidates(t: Turn, n: int, turns: list[Turn], window: list[tuple[int, str, bool, int, int]],
               chars: Characters, speakers: Counter[str], named: Counter[str]) -> dict[str, dict[str, float]]:
    """Everyone a pronoun tag could mean, with what the scene says of each: the people the narration
    of the last paragraphs names (nearest first), who talked lately, who was just addressed."""
    out: dict[str, dict[str, float]] = {}

    def fits(w: str) -> bool:
        g = gender_of(w, chars)
        return w != FIRST_PERSON and w not in t.excluded and (g is None or g == t.pronoun)

    def entry(w: str) -> dict[str, float]:
        if w not in out:
            out[w] = dict.fromkeys(FEATURES, 0.0) | {
                "distance": 4.0, "ungendered": float(gender_of(w, chars) is None),
                "anonymous": float(w.startswith(ANONYMOUS)),
                "described": float(w.startswith(("The ", "My ")) or "'s " in w or "\u2019s " in w),
                "focal": float(w == chars.focal),
                "mentions": math.log1p(named[w]) / 5}
        return out[w]

    subjects = 0
    seen: list[str] = []
    # The first subject of the nearest narration paragraph is what that paragraph is about.
    narrated = [(para, name, role) for _, name, narration, para, role in window if narration]
    topic = next(((name, role) for para, name, role in narrated if para == narrated[-1][0]), None) if narrated else None
    if topic and topic[1] == 0 and fits(topic[0]) and narrated[-1][0] >= t.paragraph - 1:
        entry(topic[0])["topic"] = 1.0
    for _, name, narration, para, role in reversed(window):
        if para < t.paragraph - 3:
            break
        if not narration or not fits(name):
            continue
        f = entry(name)
        if name not in seen:
            seen.append(name)
            f["recency"] = 1.0 / len(seen)
            f["distance"] = float(t.paragraph - para)
            f["possessive"] = float(role == 2)
        if role == 0:
            f["subject1"] = max(f["subject1"], float(subjects == 0))
            f["subject"] = 1.0
            f["here"] = max(f["here"], float(para == t.paragraph))
            subjects += 1
    conv = [u for u in turns[max(0, n - 6) : n] if u.conversation == t.conversation]
    for back, u in enumerate(reversed(conv), 1):
        if u.speaker and u.evidence not in ("guess", "other") and fits(u.speaker):
            f = entry(u.speaker)
            adjacent = t.paragraph - u.paragraph <= back  # no narration paragraph between
            f["last"] = max(f["last"], float(back == 1 and adjacent))
            f["previous"] = max(f["previous"], float(back == 1))  # narration between, or not
            f["last2"] = max(f["last2"], float(back == 2 and adjacent))
            f["talking"] = max(f["talking"], float(back <= 4))
    if conv:
        for w in conv[-1].addressees - {conv[-1].speaker or ""}:
            if fits(w):  # the last line spoke to them, right before or a narration paragraph ago
                entry(w)["addressed" if t.paragraph - conv[-1].paragraph <= 1 else "addressed_before"] = 1.0
        for w in conv[-1].excluded - conv[-1].addressees:  # "Where is Tom?" -- "Here," he said.
            if fits(w) and t.paragraph - conv[-1].paragraph <= 1:
                entry(w)["named"] = 1.0
    after = turns[n + 1] if n + 1 < len(turns) else None
    if after is not None and after.conversation == t.conversation and after.paragraph - t.paragraph == 1 and \
            after.evidence in ("tag", "beat") and after.speaker in out:
        out[after.speaker]["next"] = 1.0  # the next line is theirs, by its own tag
    for u in turns[:n]:
        if u.conversation == t.conversation and u.speaker in out and u.evidence not in ("guess", "other"):
            out[u.speaker]["spoke"] = 1.0  # earlier in this conversation
    if chars.focal and named[chars.focal] and fits(chars.focal):
        entry(chars.focal)  # the book's viewpoint, when this chapter names it
    first = rule_first(t, n, turns, window, chars, fits)
    if first in out:
        out[first]["rule"] = 1.0
    total = sum(speakers.values()) or 1
    for w, f in out.items():
        f["talk_share"] = speakers.get(w, 0) / total
        f["here*last"] = f["here"] * f["last"]  # the last speaker is the subject here: "Tom rose; he said"
        f["subject1*last"] = f["subject1"] * f["last"]
    return out


def rule_first(t: Turn, n: int, turns: list[Turn], window: list[tuple[int, str, bool, int, int]],
               chars: Characters, fits: Callable[[str], bool]) -> str | None:
    """Whom the rules of thumb choose: a subject in the paragraph, the viewpoint character, the
    nearest subject, the nearest mention, who talked lately; whoever was just addressed before them
    all; and of several, not whoever spoke last (a new paragraph is most likely the other person)."""
    here: list[str] = []
    by_role: list[list[str]] = [[], [], []]
    for _, name, narration, para, role in reversed(window):
        if para < t.paragraph - 3:
            break
        if narration and not name.startswith(ANONYMOUS):
            by_role[role].append(name)
            if role == 0 and para == t.paragraph:
                here.append(name)
    rivals = [w for w in by_role[0] if w != chars.focal and gender_of(w, chars) == t.pronoun]
    focal = [chars.focal] if chars.focal in set(sum(by_role, [])) and not rivals else []
    order = list(dict.fromkeys(here + focal + by_role[0] + by_role[1] + by_role[2]))
    conv = [u for u in turns[:n] if u.conversation == t.conversation]
    order += [u.speaker for u in reversed(conv) if u.speaker and u.speaker not in order]
    if conv and t.paragraph - conv[-1].paragraph == 1:
        spoken_to = sorted(conv[-1].addressees - {conv[-1].speaker or ""})
        order = spoken_to + [w for w in order if w not in spoken_to]
    fitting = [w for w in order if fits(w) and gender_of(w, chars) is not None]
    order = fitting or [w for w in order if fits(w)]
    if conv and len(order) > 1 and order[0] == conv[-1].speaker:
        order.append(order.pop(0))
    return order[0] if order else None


@cache
def _model() -> dict[str, float]:
    return json.loads(files(__package__).joinpath("anaphora.json").read_text(encoding="utf-8"))["weights"]


def rank(found: dict[str, dict[str, float]]) -> list[tuple[str, dict[str, float], float]]:
    """Candidates, likeliest first, each with its features and its probability among them."""
    w = _model()
    scores = {name: sum(w.get(k, 0.0) * v for k, v in f.items()) for name, f in found.items()}
    top = max(scores.values(), default=0.0)
    z = sum(math.exp(v - top) for v in scores.values()) or 1.0
    return sorted(((name, found[name], math.exp(scores[name] - top) / z) for name in found),
                  key=lambda x: -x[2])
