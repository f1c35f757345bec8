"""Mentions: the person a speech tag, an action beat or a vocative names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..datatypes import Kind, Segment
from ..segments import SPEECH_VERBS
from . import descriptions
from .characters import Character, Characters, lookup_match
from .names import DESCRIPTOR, LEADING_ADVERBS, NAME_RE, SUBJECT_PRONOUNS, flat


@dataclass
class Mention:
    kind: str  # "name", "pronoun", "descriptor"
    value: str  # character name, pronoun gender ("m", "f", "i"), or descriptor "det noun" ("his wife")

def names_in(quote: str, chars: Characters) -> set[str]:
    found = set()
    for m in NAME_RE.finditer(quote):
        c = lookup_match(m, chars)
        if c is not None:
            found.add(c.name)
    return found


def vocatives(quote: str, chars: Characters) -> set[str]:
    """Characters addressed by name: `"..., Lizzy?"`, `"Come, Darcy,"`, `"My dear Mr. Bennet,"`."""
    found: set[str] = set()
    for m in NAME_RE.finditer(quote):
        if not re.search(r"\w", quote[: m.start()] + quote[m.end() :]):
            continue  # "Bingley." / "Miss Elizabeth Bennet!": an answer, not a vocative
        before = quote[max(0, m.start() - 12) : m.start()].rstrip()
        after = quote[m.end() : m.end() + 2].lstrip()
        if (not before or before[-1] in ",!?;\u2014\"'\u201c\u2018-" or before.lower().endswith(("dear", "oh"))) and \
                (not after or after[0] in ",!?.;\u2014\"'\u201d\u2019-"):
            c = lookup_match(m, chars)
            if c is not None:
                found.add(c.name)
    return found

_TO = re.compile(r"\b(?:turned to|turning to|said to|says to|spoke to|speaking to|replied to|whispered to|"
                 r"called to|looked at|looking at|addressed|asked|told)\s+$")


def addressed(narration: str, chars: Characters) -> set[str]:
    """People the narration says a line is spoken to: `Brett turned to Bill.`, `she said to Jake`."""
    found: set[str] = set()
    for m in NAME_RE.finditer(narration):
        if _TO.search(narration[max(0, m.start() - 20) : m.start()]):
            c = lookup_match(m, chars)
            if c is not None:
                found.add(c.name)
    return found


_PRONOUN = r"(?P<pron>he|she|I)"
_LAST_SUBJECT = re.compile(rf"(?:{NAME_RE.pattern}|\b(?P<pron>he|she|I)\b)"
                           r"(?:\s+(?:\w+ly|thus|then|now|again|also|only|at last|at length|immediately))*\s*$")
_ADVERB = r"(?:\s+\w+ly)?"
# Any verb in the past tense, or a phrasal one, can make a tag right after an open-ended quote.
TAG_VERBS = (rf"{SPEECH_VERBS}|[a-z]{{3,}}ed|went on|broke in|put in|cut in|struck in|burst out|broke out|"
             r"took (?:him|her|them) up|spoke up|chimed in|flung out|threw in|got out")


def tag(segs: list[Segment], qi: int, chars: Characters) -> tuple[Mention, float] | None:
    """A speech tag in the narration right after or right before the quote."""
    q = segs[qi]
    after = segs[qi + 1] if qi + 1 < len(segs) and segs[qi + 1].paragraph == q.paragraph else None
    before = segs[qi - 1] if qi > 0 and segs[qi - 1].paragraph == q.paragraph else None
    lead_in = None
    if before is None and qi > 0 and segs[qi - 1].kind is Kind.NARRATION and segs[qi - 1].paragraph == q.paragraph - 1:
        last = re.split(r"(?<=[.!?])\s+", flat(segs[qi - 1].text[-300:]))[-1]
        # `"Still I do not see," I began.` tags the quote before it, in its own paragraph.
        spoken = qi > 1 and segs[qi - 2].paragraph == segs[qi - 1].paragraph
        if last[-1:] in ",:\u2014" or last.endswith("--") or not spoken and (
                re.search(r"\b(?:thus|as follows)\b[^.]{0,30}[.:]$", last) or
                re.search(r"\b(?:began|began again|resumed|continued)\.$", last)):
            before = lead_in = segs[qi - 1]  # a lead-in paragraph: `Mrs. Bennet said only,` then the quote
    # A quote that ends on a comma, a dash, ! or ? and goes on in narration is followed by its tag,
    # whatever the verb: "Serpent!" screamed the Pigeon; "That's the reason," pouted Louisa.
    open_end = re.search(r"[,!?\u2014-][\"'\u201d\u2019]?\s*$", q.text) is not None
    verbs = TAG_VERBS if open_end else SPEECH_VERBS
    if after is not None and after.kind is Kind.NARRATION:
        head = flat(after.text[:160])[:120]
        m = re.match(r"^[,;\s\u2014-]*(?:as|while|when|and|but|then|whilst)\s+(?P<who>he|she)\b", head)
        if m and qi + 2 < len(segs) and segs[qi + 2].paragraph == q.paragraph and len(head) < 80:
            return Mention("pronoun", SUBJECT_PRONOUNS[m["who"]]), 0.8
        m = re.match(rf"^[\s,;\u2014-]*(?:{verbs}){_ADVERB}\s+(?P<who>.+)", head, re.IGNORECASE)
        if m and re.match(r"(?:a|an|one of|some|somebody|someone|a voice)\b", m["who"]):
            return Mention("unnamed", m["who"]), 0.0  # "cried a young Lucas": someone the book does not name
        if m:
            mention = mention_at(m["who"], chars)
            if mention:
                return mention, 0.95
        m = re.match(rf"^[\s,;\u2014-]*(?P<who>.{{1,60}}?){_ADVERB}\s+(?P<verb>{verbs})\b", head, re.IGNORECASE)
        last_in_paragraph = qi + 2 >= len(segs) or segs[qi + 2].paragraph != q.paragraph
        if m and m["verb"].lower() in ("began", "begins") and last_in_paragraph:
            m = None  # "... and Mrs. Hurst began again.": she speaks next, not here
        if m and not re.search(r"[.!?;]", m["who"]):
            mention = mention_at(m["who"], chars, last=True)
            if mention:
                return mention, 0.95
    if before is not None and before.kind is Kind.NARRATION:
        tail = flat(before.text[-200:])[-160:]
        tail = re.split(r"(?<=[.!?])\s+", tail)[-1]
        m = re.search(rf"(?P<who>[^.!?]{{1,60}}?){_ADVERB}\s+(?:{SPEECH_VERBS})\b[^.!?]{{0,40}}[,:]?\s*$", tail, re.IGNORECASE)
        if m:
            mention = mention_at(m["who"].strip(), chars, last=True)
            if mention:
                return mention, 0.9
        m = re.search(rf"\b(?:{SPEECH_VERBS}){_ADVERB}\s+(?P<who>[^,.!?]{{1,40}})[,:]\s*$", tail, re.IGNORECASE)
        if m:
            mention = mention_at(m["who"], chars)
            if mention:
                return mention, 0.9
        # A long lead-in ending on a colon or comma: "Mary, who had begun to darn again, stooped down
        # and remarked to Ralph:" -- the last person named before the speech verb who is not its object.
        if re.search(r"(?:[,:\u2014]|--)\s*$", tail):
            sentence = re.split(r"(?<=[.!?])\s+", flat(before.text[-600:]))[-1]
            who = lead_subject(sentence, chars)
            if who is not None:
                return Mention("name", who), 0.85
        if lead_in is not None:
            # "accosted by Miss Bingley," / "he suddenly addressed her with," / "Sir William thus began."
            m = re.search(r"\bby\s+(?P<who>[^,.!?]{1,40})[,:]\s*$", tail)
            mention = mention_at(m["who"], chars) if m else subject(tail, chars) if len(tail) <= 120 else None
            if mention and mention.kind != "descriptor":
                return mention, 0.8
    return None


_LEAD_VERB = re.compile(rf"\b(?:{SPEECH_VERBS}|saying|remarking|adding|exclaiming|replying|answering|asking|"
                        r"crying|shouting|whispering|murmuring|continuing|beginning)\b", re.IGNORECASE)
_OBJECT = re.compile(r"\b(?:to|at|with|of|for|from|upon|on|towards|toward|by|about|and|than)\s+$", re.IGNORECASE)


def lead_subject(sentence: str, chars: Characters) -> str | None:
    """Who speaks after a lead-in sentence: the last character named before its speech verb, objects aside."""
    verbs = list(_LEAD_VERB.finditer(sentence))
    if not verbs:
        return None
    head = sentence[: verbs[-1].start()]
    found = None
    for m in NAME_RE.finditer(head):
        if _OBJECT.search(head[max(0, m.start() - 12) : m.start()]):
            continue  # "turning to Mr. Fortescue", "looked at Edna"
        c = lookup_match(m, chars)
        if c is not None:
            found = c.name
    for m in re.finditer(r"\b(?:the|my)\s+[\w'\u2019-]+(?:\s+[\w'\u2019-]+)?", head, re.IGNORECASE):
        if _OBJECT.search(head[max(0, m.start() - 12) : m.start()]):
            continue
        c = described(m.group(0), chars)
        if c is not None and (found is None or head.rfind(m.group(0)) > head.rfind(found.split()[-1])):
            found = c.name
    return found


def mention_at(phrase: str, chars: Characters, last: bool = False) -> Mention | None:
    """The character a short phrase starts with (or ends with, when `last`)."""
    phrase = phrase.strip(" ,;:\u2014-")
    if last:
        # "... till Sir William thus": the name right before the verb, adverbs aside;
        # "Mr. Darcy, drawing near Elizabeth,": a participle clause between them does not count.
        phrase = re.sub(r",\s*\w+ing\b[^,]*$", "", phrase)
        m = _LAST_SUBJECT.search(phrase)
        if m and m["pron"]:
            return Mention("pronoun", SUBJECT_PRONOUNS[m["pron"].lower()])
        if m:
            c = lookup_match(m, chars)
            if c:
                return Mention("name", c.name)
        # "At this point, Madoka" / "and then she": the mention nearest the verb.
        phrase = re.split(r",\s*", phrase)[-1]
        phrase = LEADING_ADVERBS.sub("", phrase)
    else:
        phrase = LEADING_ADVERBS.sub("", phrase)
    low = phrase.lower()
    word = re.match(r"[a-z]+", low)
    first = word.group(0) if word else ""
    if first in ("he", "she", "i") and not re.match(r"^[a-z]+['\u2019]", low):
        return Mention("pronoun", SUBJECT_PRONOUNS[first])
    c = described(phrase, chars)
    if c is not None:
        return Mention("name", c.name)
    m = NAME_RE.match(phrase)
    if m:
        c = lookup_match(m, chars)
        if c:
            return Mention("name", c.name)
    d = DESCRIPTOR.match(phrase)
    if d:
        return Mention("descriptor", f"{d['det'].lower()} {d['noun'].lower()}")
    return None


_DESCRIBED = re.compile(r"^(the|my|poor|old|little|young|dear|good|big|great)\s+(.*)", re.IGNORECASE | re.DOTALL)


def described(phrase: str, chars: Characters) -> Character | None:
    """The character a description names: `the Duchess`, `the old waiter`, `cried the indignant Clara`."""
    m = _DESCRIBED.match(phrase)
    if m is None:
        return None
    det, words = m[1].lower(), descriptions.words_of(m[2])[:5]
    for k in range(min(3, len(words)), 0, -1):  # as written: "the being", a voices.toml alias
        c = chars.lookup(f"{det} {' '.join(words[:k])}")
        if c is not None:
            return c
    for i, w in enumerate(words[:3]):
        if w[:1].isupper():  # "the indignant Clara", "poor Tom": a name after a few adjectives
            nm = NAME_RE.match(" ".join(words[i:]))
            c = lookup_match(nm, chars) if nm else None
            if c is not None:
                return c
            break
    key = descriptions.key_of("my" if det == "my" else "the", words)
    if key is None:
        return None
    return chars.lookup(key) if det == "my" else chars.lookup("the " + key)


def subject(sentence: str, chars: Characters) -> Mention | None:
    """The grammatical subject of an action sentence, when it is a person."""
    s = sentence.strip().lstrip("\u2014-\u2013 ")
    s = LEADING_ADVERBS.sub("", s)
    first = s.split(" ", 1)[0].lower().strip(",")
    if first in SUBJECT_PRONOUNS:
        return Mention("pronoun", SUBJECT_PRONOUNS[first])
    found = mention_at(s, chars)
    if found:
        return found
    # A leading participle or subordinate clause: "Closing her eyes, Madoka nodded."
    m = re.match(r"^(?:[A-Z]\w*ing|After|Before|As|When|While|With|Though|Although|Despite|Once|Without|"
                 r"Fighting|Even|For)\b[^,]{0,120},\s*(?P<rest>.*)$", s)
    if m:
        return mention_at(m["rest"], chars)
    return None


def beat(segs: list[Segment], quotes: list[int], paragraph: int, chars: Characters) -> Mention | None:
    """The subject of the narration sentence right after (or else right before) a paragraph's quotes."""
    for qi in quotes:
        nxt = segs[qi + 1] if qi + 1 < len(segs) else None
        if nxt is not None and nxt.paragraph == paragraph and nxt.kind is Kind.NARRATION:
            first = re.split(r"(?<=[.!?\u2026])\s+", flat(nxt.text[:300]), maxsplit=1)[0]
            if first[:1].isupper():
                m = subject(first, chars)
                if m:
                    return m
    for qi in quotes:
        prv = segs[qi - 1] if qi > 0 else None
        if prv is not None and prv.paragraph == paragraph and prv.kind is Kind.NARRATION:
            last = re.split(r"(?<=[.!?\u2026])\s+", flat(prv.text[-300:]))[-1]
            m = subject(last, chars)
            if m:
                return m
    return None
