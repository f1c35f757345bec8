"""Mentions: the person a speech tag, an action beat or a vocative names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..datatypes import Kind, Segment
from ..segments import SPEECH_VERBS
from . import descriptions
from .characters import Character, Characters, lookup_match
from .names import DESCRIPTOR, LEADING_ADVERBS, NAME_RE, NOUN_GENDER, STOP, SUBJECT_PRONOUNS, flat


@dataclass(frozen=True, slots=True)
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
        if re.match(r"-[a-z]", after):
            continue  # "Winnie-the-Pooh": the name goes on
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


@dataclass(frozen=True, slots=True)
class Tag:
    """A quote's speech tag: whom it names, how sure the pattern is, and where it is."""

    mention: Mention
    confidence: float
    source: int  # index of the narration segment that holds the tag


def tag(segs: list[Segment], qi: int, chars: Characters) -> Tag | None:
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
    narrated_before = before is not None and before.kind is Kind.NARRATION
    # A lead-in right before the quote is its tag, whatever follows: in `and Piglet said, "..." and
    # Pooh said, "..."` the narration after the quote leads into the next one. But a name after
    # the quote beats a pronoun before it: `'...,' said he, '... my lord?' inquired the dwarf`.
    leading = before_tag(before, lead_in is not None, chars) \
        if narrated_before and _LEADS_IN.search(flat(before.text[-80:])) else None
    if leading is not None and leading[0].kind == "name":
        return Tag(*leading, qi - 1)
    following = after_tag(segs, qi, after, chars) if after is not None and after.kind is Kind.NARRATION else None
    if following is not None and (leading is None or following[0].kind == "name"):
        return Tag(*following, qi + 1)
    if leading is not None:
        return Tag(*leading, qi - 1)
    if narrated_before:
        found = before_tag(before, lead_in is not None, chars)
        if found is not None:
            return Tag(*found, qi - 1)
    return None


def after_tag(segs: list[Segment], qi: int, after: Segment, chars: Characters) -> tuple[Mention, float] | None:
    """The tag in the narration right after a quote: `"...," said Tom`, `"...," Tom said`."""
    q = segs[qi]
    # A quote that ends on a comma, a dash, ! or ? and goes on in narration is followed by its tag,
    # whatever the verb: "Serpent!" screamed the Pigeon; "That's the reason," pouted Louisa.
    open_end = re.search(r"[,!?\u2014-][\"'\u201d\u2019]?\s*$", q.text) is not None
    verbs = TAG_VERBS if open_end else SPEECH_VERBS
    head = flat(after.text[:160])[:120]
    m = re.match(r"^[,;\s\u2014-]*(?:as|while|when|and|but|then|whilst)\s+(?P<who>he|she)\b", head)
    if m and qi + 2 < len(segs) and segs[qi + 2].paragraph == q.paragraph and len(head) < 80:
        return Mention("pronoun", SUBJECT_PRONOUNS[m["who"]]), 0.8
    m = _WAS_ANSWER.match(head)
    if m:  # "..." was Sissy's reluctant admission / was my answer
        if m["who"]:
            return Mention("pronoun", SUBJECT_PRONOUNS[m["who"]]), 0.9
        c = chars.lookup(m["name"])
        if c is not None:
            return Mention("name", c.name), 0.9
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
    # Not a clause of its own: "And as Piglet looked sorrowfully round, Eeyore ..."
    if m and not re.search(r"[.!?;]", m["who"]) and not _SUBORDINATE.match(m["who"]):
        mention = mention_at(m["who"], chars, last=True)
        if mention and not (mention.kind == "name" and mention.value in vocatives(q.text, chars)):
            return mention, 0.95
    return None


_SUBORDINATE = re.compile(r"^[\s,;\u2014-]*(?:and\s+|but\s+)?(?:as|when|while|whilst|since|because|if|though|although|"
                          r"after|before|until|till|once)\b", re.IGNORECASE)


_WAS_ANSWER = re.compile(r"^[\s,;\u2014-]*(?:was|came)\s+(?:(?P<who>my|his|her)|(?P<name>[A-Z][\w.]*(?:\s+[A-Z]\w*)?)"
                         r"['\u2019]s)\s+(?:[a-z]+\s+){0,2}(?:answer|reply|response|rejoinder|retort|remark|comment|"
                         r"admission|question|exclamation|cry|greeting)\b")
# Narration that ends where a quote begins: on a comma, a colon or a dash, or on the verb itself
# ("the King cackled out", "by saying").
_LEADS_IN = re.compile(rf"(?:[,:\u2014]|--|\b(?:{SPEECH_VERBS}|saying|remarking|out))\s*$", re.IGNORECASE)


def before_tag(before: Segment, lead_in: bool, chars: Characters) -> tuple[Mention, float] | None:
    """The tag in the narration right before a quote (in its paragraph, or a lead-in paragraph)."""
    tail = flat(before.text[-200:])[-160:]
    tail = re.split(r"(?<=[.!?])\s+", tail)[-1]
    # The last clause first: "Robin whispered to Rabbit, and Rabbit said" is Rabbit's lead-in.
    m = re.search(rf"(?:^|[,;]\s*|\band\s+|\bbut\s+)(?P<who>[^,;]{{1,40}}?){_ADVERB}\s+(?:{SPEECH_VERBS})\b"
                  r"[^.!?,;]{0,40}[,:]?\s*$", tail, re.IGNORECASE)
    if m:
        mention = mention_at(m["who"].strip(), chars, last=True)
        if mention and mention.kind == "name":
            return mention, 0.9
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
    if lead_in:
        # "accosted by Miss Bingley," / "he suddenly addressed her with," / "Sir William thus began."
        m = re.search(r"\bby\s+(?P<who>[^,.!?]{1,40})[,:]\s*$", tail)
        mention = mention_at(m["who"], chars) if m else subject(tail, chars) if len(tail) <= 120 else None
        if mention and mention.kind != "descriptor":
            return mention, 0.8
    return None


_LEAD_VERB = re.compile(rf"\b(?:{SPEECH_VERBS}|saying|remarking|adding|exclaiming|replying|answering|asking|"
                        r"crying|shouting|whispering|murmuring|continuing|beginning)\b", re.IGNORECASE)
_OBJECT = re.compile(r"\b(?:(?:and|than)\s+|(?:to|at|with|of|for|from|upon|on|towards|toward|by|about|into|in)\s+"
                     r"(?:(?:his|her|their|its|my|the|a|an)\s+)?)$", re.IGNORECASE)


def lead_subject(sentence: str, chars: Characters) -> str | None:
    """Who speaks after a lead-in sentence: the last character named before its speech verb, objects aside."""
    verbs = list(_LEAD_VERB.finditer(sentence))
    if not verbs:
        return None
    head = sentence[: verbs[-1].start()]
    # "The King looked at the White Rabbit, who said": the one the relative clause is about.
    rel = re.search(rf"(?:{NAME_RE.pattern}),\s+who\s+(?:\w+ly\s+)?$", head)
    if rel:
        c = lookup_match(rel, chars)
        if c is not None:
            return c.name
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
    pm = _POSSESSIVE.match(phrase)
    if pm:
        return possessed(pm["who"].replace(".", ""), pm["rest"], chars)
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


_POSSESSIVE = re.compile(rf"(?P<who>{NAME_RE.pattern})['\u2019]s\s+(?P<rest>[a-z].*)", re.DOTALL)
# Nouns for a person, after a possessor: "Scrooge's nephew", "Mrs. Pegler's lodger".
_RELATIONS = descriptions.KIN_NOUNS | descriptions.GENERIC | set(NOUN_GENDER) | {
    "nephew", "niece", "servant", "clerk", "partner", "companion", "guest", "visitor", "lodger", "maid",
    "footman", "coachman", "secretary", "fiancé", "fiance", "bride", "groom", "child", "children"}


def possessed(owner: str, rest: str, chars: Characters) -> Mention | None:
    """`Catherine's voice` is Catherine; `Scrooge's nephew` the character the book calls so, or else
    someone it does not name (never Scrooge himself); `Sissy's lip` nobody."""
    words = [w.lower() for w in descriptions.words_of(rest)[:3]]
    if any(w in descriptions.OWN_PARTS for w in words):
        c = chars.lookup(owner)
        return Mention("name", c.name) if c else None
    for w in words:
        c = chars.lookup(f"{owner}'s {w}")
        if c is not None:
            return Mention("name", c.name)
        if w in _RELATIONS:
            return Mention("unnamed", f"{owner}'s {w}")
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
            # ... but not "the trembling of Sissy's lip": a possessor is not the one described
            nm = NAME_RE.match(" ".join(words[i:]))
            c = lookup_match(nm, chars) if nm and not re.search(r"['\u2019]s$", nm.group(0)) else None
            if c is not None:
                return c
            break
        if w.lower() in STOP:
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


def mention_stream(segs: list[Segment], chars: Characters) -> list[tuple[int, str, bool, int, int]]:
    """Every mention of a character in a chapter: (offset, name, in narration, paragraph, role)."""
    found = []
    for s in segs:
        for m in NAME_RE.finditer(s.text):
            c = lookup_match(m, chars)
            if c is not None:
                before = s.text[max(0, m.start() - 3) : m.start()].rstrip()
                # 0: a sentence subject, 1: any other mention, 2: a possessive ("Jane's letter")
                role = 2 if re.match(r"['\u2019]s\b", s.text[m.end() : m.end() + 3]) else \
                    0 if not before or before[-1] in ".!?;:\"\u201d" else 1
                found.append((s.start + m.start(), c.name, s.kind is Kind.NARRATION, s.paragraph, role))
    return found
