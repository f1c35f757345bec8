"""Stage 3b: list[Segment] -> list[Segment] with speakers. Pure text, no I/O.

Evidence, strongest first:
  tag       a speech tag next to the quote: `"...," said Ann` / `Ann said, "..."` / `said she`
  beat      the subject of an action sentence in the same paragraph: `"Yes." Ann smiled.`
  follow    the next paragraph says the speaker stopped: `Ann trailed off.`
  context   the character the narration just before a conversation is about
  turn      turn-taking: in a conversation, speakers alternate between two people
  other     the likeliest participant who is not excluded (names inside a quote are listeners)
Pronouns (`she said`) and descriptions (`the girl laughed`) resolve to a character only when
the scene leaves one candidate; otherwise turn-taking decides.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from .datatypes import Kind, Segment
from .segments import SPEECH_VERBS

TITLES_MALE = {"mr", "sir", "lord", "colonel", "captain", "col", "capt", "king", "prince", "uncle", "father",
               "brother", "master", "count", "duke", "baron", "general", "major", "lieutenant", "sergeant",
               "reverend", "rev", "professor", "prof", "dr", "doctor", "mister"}
TITLES_FEMALE = {"mrs", "miss", "ms", "lady", "madam", "madame", "queen", "princess", "aunt", "mother",
                 "sister", "mistress", "duchess", "countess", "baroness", "dame", "mademoiselle", "mlle", "mme"}
TITLES_NEUTRAL = {"dr", "doctor", "professor", "prof", "reverend", "rev", "general", "major", "captain"}
TITLES = TITLES_MALE | TITLES_FEMALE
HONORIFICS = r"(?:-(?:chan|san|kun|sama|senpai|sensei|dono|tan|chin|nee|nii|neesan|niisan|han))"
NAME_WORD = r"[A-Z][a-z'\u2019]*[a-z](?:-[A-Z][a-z]+)?"
TITLE_RE = r"(?:" + "|".join(sorted((t.capitalize() for t in TITLES), key=len, reverse=True)) + r")\.?"
NAME_RE = re.compile(
    rf"(?<![\w-])(?:(?P<title>{TITLE_RE})\s+)?(?P<name>{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}}){HONORIFICS}?(?![\w])"
)
STOP = set("""
a about above across after afterwards again against ah ahh all almost alone along already also although always am
among an and another any anybody anyhow anyone anything anyway anyways anywhere are around as at aye back be became
because become been before beforehand behind being below beside besides between beyond both bravo but by bye can
cannot certainly chapter come could dear did do does doing done down during each eh either else elsewhere enough
especially even ever every everybody everyone everything everywhere except excuse fine first for from further
good goodbye goodness great ha had has have having he hello her here hers herself hey hi him himself his hm hmm
how however hush i if in indeed instead into is it its itself just last later let like look maybe me meanwhile
might mine more moreover most mostly much must my myself never nevertheless next no nobody none nor not nothing now
nowhere o of off oh ok okay on once one only onto or other others otherwise our ours ourselves out over own part
perhaps please poor pray quite rather really right said same see seriously shall she should since so some somebody
someday somehow someone something sometimes somewhere soon still such sure thank thanks than that the their theirs
them themselves then there thereafter therefore these they this those though through thus to today together
tomorrow tonight too toward towards true truly under unless until up upon us very was we well were what whatever
when whenever where wherever whether which while who whoever whole whom whose why will with within without wow would
yeah yes yet you your yours yourself yourselves monday tuesday wednesday thursday friday saturday sunday january
february march april may june july august september october november december god heaven lord christmas easter
english french german italian spanish american british ma'am madam sir papa mama mamma mother father
""".split())
# Pet names -> given names, merged only when the given name is a character of its own (issue #3).
NICKNAMES = {
    "lizzy": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth", "liz": "elizabeth", "betsy": "elizabeth",
    "bess": "elizabeth", "beth": "elizabeth", "kitty": "catherine", "kate": "catherine", "katie": "catherine",
    "tom": "thomas", "tommy": "thomas", "bill": "william", "billy": "william", "will": "william",
    "bob": "robert", "bobby": "robert", "rob": "robert", "dick": "richard", "jack": "john", "johnny": "john",
    "harry": "henry", "ned": "edward", "ted": "edward", "meg": "margaret", "peggy": "margaret",
    "maggie": "margaret", "polly": "mary", "molly": "mary", "fanny": "frances", "nelly": "eleanor",
    "sally": "sarah", "jim": "james", "jimmy": "james", "jem": "james", "charlie": "charles", "fred": "frederick",
    "freddy": "frederick", "sam": "samuel", "ben": "benjamin", "joe": "joseph", "nick": "nicholas",
    "sue": "susan", "susie": "susan", "annie": "anne", "nancy": "anne", "tony": "anthony", "dolly": "dorothy",
    "becky": "rebecca", "patty": "martha", "jenny": "jane", "nell": "helen", "kit": "christopher",
}
# Titles followed by a surname, not a given name: "Colonel Fitzwilliam" makes Fitzwilliam a surname.
SURNAME_TITLES = {"mr", "mrs", "ms", "colonel", "col", "captain", "capt", "dr", "doctor", "major", "general",
                  "lieutenant", "sergeant", "professor", "prof", "reverend", "rev", "mister"}
PLACE_PREPS = {"in", "at", "to", "from", "into", "near", "towards", "toward", "through", "across", "of"}
SUBJECT_PRONOUNS = {"he": "m", "she": "f", "i": "i", "his": "m", "her": "f", "my": "i"}
PERSON_NOUNS = (
    "girl|boy|man|woman|lady|gentleman|child|kid|stranger|youth|maid|maiden|fellow|old man|old woman|"
    "mother|father|wife|husband|sister|brother|daughter|son|aunt|uncle|goddess|god|witch|knight|captain|"
    "doctor|teacher|servant|queen|king|prince|princess|friend|visitor|newcomer|other|young man|young lady"
)
DESCRIPTOR = re.compile(
    rf"^(?P<det>the|his|her|their|my|our)\s+(?:[a-z-]+\s+){{0,3}}?(?P<noun>{PERSON_NOUNS})\b", re.IGNORECASE
)
NOUN_GENDER = {
    **dict.fromkeys("girl woman lady maid maiden mother wife sister daughter aunt goddess witch queen princess "
                    "old woman young lady".split(" "), "f"),
    **dict.fromkeys("boy man gentleman fellow father husband brother son uncle god knight king prince "
                    "old man young man".split(" "), "m"),
}
NOUN_GENDER.update({"old woman": "f", "young lady": "f", "old man": "m", "young man": "m"})
# "his wife" is Mrs. <his surname>, "her father" Mr. <her surname> (issue #3).
RELATION_TITLE = {"wife": "mrs", "lady": "mrs", "mother": "mrs", "husband": "mr", "father": "mr"}
KIN = {"wife", "husband", "mother", "father", "sister", "brother", "daughter", "son", "aunt", "uncle", "lady"}
FIRST_PERSON = "I"  # the speaker name of a first-person narrator's own lines ("I said")
_TITLE_DOT = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Col|Capt|Messrs|Mme|Mlle|Rev|Prof|Gen|Lt|Sgt)\.")


def _flat(text: str) -> str:
    """Unwrapped text without the periods of titles, so `Mr.\nDarcy` reads as one name in a tag."""
    return _TITLE_DOT.sub(r"\1", " ".join(text.split()))
LEADING_ADVERBS = re.compile(
    r"^(?:(?:now|then|still|finally|suddenly|instead|again|slowly|quickly|once again|at last|meanwhile|"
    r"soon|and|but|so|yet|here|there)\b[, ]*)+",
    re.IGNORECASE,
)
_VERB_AFTER = re.compile(
    r"^\s*(?:\w+ly\s+)?(?:was|had|did|could|would|might|must|should|will|can|is|has|does|shook|took|made|"
    r"saw|knew|felt|thought|looked|smiled|said|went|came|gave|sat|stood|ran|told|began|seemed|met|got|put|"
    r"let|left|kept|held|took|brought|bought|caught|fought|found|heard|hid|hit|hung|led|lay|lost|meant|paid|"
    r"read|rode|rose|sang|sent|shut|slept|spoke|spent|stole|struck|swam|swore|threw|understood|woke|wore|"
    r"won|wrote|drew|drank|ate|fell|flew|forgot|froze|grew|knelt|[a-z]+ed|"
    r"[a-z]{2,}s)\b"
)


@dataclass
class Character:
    name: str  # canonical name: the voices.toml key, or the most frequent form
    aliases: set[str] = field(default_factory=set)  # every form that refers to this character
    gender: str | None = None  # "m", "f" or None when unknown
    mentions: int = 0


@dataclass
class Characters:
    """Every character found in a book, and how their names map to them."""

    by_alias: dict[str, Character]
    focal: str | None = None  # the character the narration names most (usually the viewpoint)

    def lookup(self, form: str) -> Character | None:
        return self.by_alias.get(_norm(form))

    def all(self) -> list[Character]:
        seen: dict[str, Character] = {}
        for c in self.by_alias.values():
            seen.setdefault(c.name, c)
        return sorted(seen.values(), key=lambda c: -c.mentions)


def _norm(form: str) -> str:
    form = re.sub(r"['\u2019]s$", "", re.sub(HONORIFICS + "$", "", form.strip()))
    form = re.sub(r"\s+", " ", form).replace("\u2019", "'")
    form = re.sub(r"^((?:" + TITLE_RE + r"))(?=\s)", lambda m: m.group(1).rstrip("."), form)
    return form.lower()


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in re.finditer(r"(?:[.!?\u2026]+[\"'\u201d\u2019)]*|\n\s*\n|[\"\u201c\u201d]|\u2014)\s*", text):
        starts.add(m.end())
    for m in re.finditer(r"\n", text):
        starts.add(m.end())
    return starts


def discover(text: str, known: dict[str, list[str]] | None = None) -> Characters:
    """Find the people in a text, cluster their names, guess their genders."""
    known = known or {}
    starts = _sentence_starts(text)
    lower_words = Counter(w.lower() for w in re.findall(r"\b[a-z][a-z']+\b", text))
    forms: Counter[str] = Counter()  # normalized form -> mid-sentence count
    total: Counter[str] = Counter()
    display: dict[str, str] = {}
    person: Counter[str] = Counter()
    tagged: Counter[str] = Counter()  # next to a speech verb: "said Ann", "Ann said"
    place: Counter[str] = Counter()  # after "in", "at", "from", "near": "in London"
    not_person: Counter[str] = Counter()
    for m in NAME_RE.finditer(text):
        title = m["title"]
        words = m["name"].split()
        # Drop leading stopwords ("The Bennets", "Then Madoka") word by word.
        while words and words[0].lower() in STOP:
            words = words[1:]
        if not words:
            continue
        if words[-1].lower() in STOP:
            continue
        at_start = m.start() in starts or (not title and m.start("name") in starts)
        for i, w in enumerate(words):
            if w.lower() in STOP or w.lower() in TITLES:
                words = words[:i]
                break
        if not words:
            continue
        name = " ".join(words)
        form = (title + " " + name) if title else name
        key = _norm(form)
        display.setdefault(key, form)
        total[key] += 1
        if not at_start or title:
            forms[key] += 1
        before = text[max(0, m.start() - 12) : m.start()].lower().split()
        after = text[m.end() : m.end() + 30]
        if title or _VERB_AFTER.match(after) or re.match(r"^'s\b|^\u2019s\b", after):
            person[key] += 1
        if re.match(rf"^\s*,?\s*(?:{SPEECH_VERBS})\b", after):
            person[key] += 1
            tagged[key] += 1
        elif re.match(r"^\s*[,!?]", after):
            person[key] += 1
        if re.search(rf"\b(?:{SPEECH_VERBS})\s*$", text[max(0, m.start() - 25) : m.start()]):
            person[key] += 2  # "said Ann"
            tagged[key] += 1
        if before and before[-1] in {"in", "at", "from", "near", "into", "towards", "through"} and not title:
            place[key] += 1
        if before and (before[-1] in {"the", "a", "an"} or (before[-1] in PLACE_PREPS and not title)):
            not_person[key] += 1
    chars: dict[str, Character] = {}
    for key in total:
        count = forms[key]
        words = key.split()
        bare = words[-1] if words[0] in TITLES else words[0]
        if person[key] < 2 and (count < 2 or person[key] == 0) and not (total[key] >= 2 and person[key]):
            continue
        if person[key] == 0 or not_person[key] > person[key] + count // 2:
            continue
        if words[0] not in TITLES and lower_words[bare] >= max(2, count):
            continue  # "Hope", "Will": ordinary words more often than names
        if words[0] not in TITLES and tagged[key] < 2 and place[key] >= 2 and place[key] * 5 >= total[key]:
            continue  # "in London", "at Netherfield": a place
        display[key] = re.sub(r"['\u2019]s$", "", display[key])
        chars[key] = Character(display[key], {key}, mentions=total[key])
    _cluster(chars, forms)
    for c in {id(c): c for c in chars.values()}.values():
        # "Bennet" alone is ambiguous next to Mrs. Bennet: call Mr. Bennet by his titled name.
        surname = c.name.lower()
        titled = sorted(a for a in c.aliases if len(a.split()) == 2 and a.split()[0] in TITLES and a.split()[1] == surname)
        rank = sorted(a for a in c.aliases if len(a.split()) == 2 and a.split()[1] == surname
                      and a.split()[0] in TITLES - {"mr", "mrs", "miss", "ms", "mister"})
        if " " not in surname and rank:
            c.name = display.get(rank[0], c.name)  # "Lady Catherine", "Colonel Fitzwilliam"
        elif " " not in surname and titled and any(
                a.endswith(" " + surname) and a.split()[0] in TITLES for o in chars.values() if o is not c for a in o.aliases):
            c.name = display.get(titled[0], c.name)
    by_alias = {alias: c for c in {id(c): c for c in chars.values()}.values() for alias in c.aliases}
    for name, aliases in known.items():
        target = by_alias.get(_norm(name))
        if target is None:
            target = Character(name, {_norm(name)})
        for alias in [name, *aliases]:
            other = by_alias.get(_norm(alias))
            if other is not None and other is not target:
                target.aliases |= other.aliases
                target.mentions += other.mentions
                for a in other.aliases:
                    by_alias[a] = target
            target.aliases.add(_norm(alias))
            by_alias[_norm(alias)] = target
        target.name = name
    result = Characters(by_alias)
    _guess_genders(text, result)
    counts = Counter({c.name: c.mentions for c in result.all()})
    result.focal = counts.most_common(1)[0][0] if counts else None
    return result


def _cluster(chars: dict[str, Character], forms: Counter[str]) -> None:
    """Merge `Madoka Kaname` into `Madoka`, `Darcy` into `Mr. Darcy`; keep Mr. and Mrs. Bennet apart."""
    keys = sorted(chars, key=lambda k: -forms[k])
    for key in sorted(chars, key=lambda k: len(k.split())):
        c = chars[key]
        words = key.split()
        if len(words) == 1:
            continue
        titled = words[0] in TITLES
        parts = words[1:] if titled else words
        if titled:
            continue
        # A full name joins the character named by its first (given) name, if that is unambiguous;
        # "Fitzwilliam Darcy" joins Darcy when Fitzwilliam is also a surname ("Colonel Fitzwilliam").
        given_is_surname = any(k.split()[0] in SURNAME_TITLES and k.split()[-1] == parts[0] for k in chars)
        for part in (parts[0], parts[-1]):
            if part == parts[0] and given_is_surname and len(parts) > 1:
                continue
            if part in chars and chars[part] is not c:
                _merge(chars, chars[part], c)
                break
    # A bare surname belongs to the one titled form that dominates it ("Darcy" -> "Mr. Darcy").
    for key in keys:
        words = key.split()
        if len(words) != 1 or key not in chars:
            continue
        forms_titled = [k for k in chars if k.split()[0] in TITLES and k.split()[-1] == key and len(k.split()) == 2]
        male = [k for k in forms_titled if k.split()[0] in TITLES_MALE and k.split()[0] not in TITLES_NEUTRAL]
        if len(forms_titled) > 1 and len(male) == 1:
            forms_titled = male  # a bare surname names a man: "Bingley" is Mr. Bingley, not Miss Bingley
        if forms_titled and (len(forms_titled) == 1 or forms[max(forms_titled, key=forms.__getitem__)]
                             >= 0.8 * sum(forms[t] for t in forms_titled)):
            best = max(forms_titled, key=forms.__getitem__)
            if chars[best] is not chars[key]:
                _merge(chars, chars[key], chars[best])

    # Pet names join the character with that given name: Lizzy, Eliza -> Elizabeth.
    for key in keys:
        full = NICKNAMES.get(key)
        if full is None or key not in chars or full not in chars or chars[full] is chars[key]:
            continue
        target = chars[full]
        if any(a.split()[0] in TITLES and a.split()[-1] == full for a in target.aliases if a.split()[0] != "miss"):
            continue  # "Catherine" is Lady Catherine here, not Kitty
        _merge(chars, target, chars[key])
        target.name = target.name if target.name.lower() != key else full.capitalize()


def _merge(chars: dict[str, Character], into: Character, other: Character) -> None:
    into.aliases |= other.aliases
    into.mentions += other.mentions
    if other.mentions > into.mentions - other.mentions:
        into.name = other.name if len(other.name.split()) <= len(into.name.split()) else into.name
    for a in other.aliases:
        chars[a] = into


def _guess_genders(text: str, chars: Characters) -> None:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in NAME_RE.finditer(text):
        title = (m["title"] or "").rstrip(".").lower()
        form = ((m["title"] or "") + " " + m["name"]).strip()
        c = chars.lookup(form) or chars.lookup(m["name"]) or chars.lookup(m["name"].split()[0])
        if c is None:
            continue
        if title in TITLES_FEMALE:
            votes[c.name]["f"] += 5
        elif title in TITLES_MALE and title not in TITLES_NEUTRAL:
            votes[c.name]["m"] += 5
        window = text[m.end() : m.end() + 80]
        window = re.split(r"[\"\u201c\u201d]|\n\n", window)[0]
        he = len(re.findall(r"\b(?:he|him|his|himself)\b", window, re.I))
        she = len(re.findall(r"\b(?:she|her|hers|herself)\b", window, re.I))
        if he and not she:
            votes[c.name]["m"] += 1
        elif she and not he:
            votes[c.name]["f"] += 1
    for c in chars.all():
        v = votes.get(c.name)
        if v:
            g, n = v.most_common(1)[0]
            if n >= 2 and n > 1.5 * (sum(v.values()) - n):
                c.gender = g


# ---------------------------------------------------------------------------------------------------------
# Attribution

@dataclass
class Mention:
    kind: str  # "name", "pronoun", "descriptor"
    value: str  # character name, pronoun gender ("m", "f", "i"), or descriptor "det noun" ("his wife")


MIN_CONFIDENCE = 0.35  # below this a quote goes to the [unknown] voice (issue #3)


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
    addressees: set[str] = field(default_factory=set)  # named in the vocative: "When is your ball, Lizzy?"
    relation: str | None = None  # "his wife": the title ("mrs") the speaker has with the possessor's surname
    possessor: str | None = None  # the gender of "his"/"her" in such a description
    pos: int = 0  # where the quote ends: mentions before it are candidates
    conversation: int = 0


def attribute(segments: list[Segment], text: str, chars: Characters, continued: set[int] | None = None) -> list[Segment]:
    """Credit every dialogue segment of one chapter with a speaker (or None), with evidence."""
    continued = continued or set()
    segs = list(segments)
    turns = _turns(segs)
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
            t.excluded |= _names_in(segs[qi].text, chars)
            t.addressees |= _vocatives(segs[qi].text, chars)
        for qi in t.quotes:
            found = _tag(segs, qi, chars)
            if found is not None:
                m, conf = found
                if m.kind == "name":
                    quote_speaker[qi] = (m.value, "tag", conf)
                elif m.kind == "unnamed":
                    t.evidence = "unnamed"  # nobody we know: the [unknown] voice, and no turn-taking guess
                else:
                    _note_unresolved(t, m)
        if not any(qi in quote_speaker for qi in t.quotes) and t.pronoun is None and not t.descriptor:
            beat = _beat(segs, t, chars)
            if beat is not None:
                if beat.kind == "name":
                    t.speaker, t.evidence, t.confidence = beat.value, "beat", 0.8
                else:
                    _note_unresolved(t, beat)
        tagged = [quote_speaker[qi][0] for qi in t.quotes if qi in quote_speaker]
        if tagged and t.speaker is None:
            t.speaker, t.evidence, t.confidence = tagged[0], "tag", 0.95
        if t.speaker:
            speakers_in_chapter[t.speaker] += 1
    _conversations(turns, by_para, text)
    _follow_and_context(turns, by_para, segs, chars, text)
    for t in turns:
        if t.speaker and t.evidence in {"follow", "context"}:
            speakers_in_chapter[t.speaker] += 1
    for name in _mentioned_in([s for s in segs if s.kind is Kind.NARRATION], chars):
        if name != "\0someone" and name not in speakers_in_chapter:
            speakers_in_chapter[name] += 0  # a known participant, ranked after every speaker
    _resolve_anaphora(turns, segs, chars)
    _resolve_descriptors(turns, chars, speakers_in_chapter)
    _turn_taking(turns, chars, speakers_in_chapter)
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


def _turns(segs: list[Segment]) -> list[Turn]:
    turns: list[Turn] = []
    for i, s in enumerate(segs):
        if s.kind is not Kind.DIALOGUE:
            continue
        if turns and turns[-1].paragraph == s.paragraph:
            turns[-1].quotes.append(i)
        else:
            turns.append(Turn(s.paragraph, [i]))
    return turns


def _names_in(quote: str, chars: Characters) -> set[str]:
    found = set()
    for m in NAME_RE.finditer(quote):
        c = _lookup_match(m, chars)
        if c is not None:
            found.add(c.name)
    return found


def _vocatives(quote: str, chars: Characters) -> set[str]:
    """Characters addressed by name: `"..., Lizzy?"`, `"Come, Darcy,"`, `"My dear Mr. Bennet,"`."""
    found: set[str] = set()
    for m in NAME_RE.finditer(quote):
        if not re.search(r"\w", quote[: m.start()] + quote[m.end() :]):
            continue  # "Bingley." / "Miss Elizabeth Bennet!": an answer, not a vocative
        before = quote[max(0, m.start() - 12) : m.start()].rstrip()
        after = quote[m.end() : m.end() + 2].lstrip()
        if (not before or before[-1] in ",!?;\u2014\"'\u201c\u2018-" or before.lower().endswith(("dear", "oh"))) and \
                (not after or after[0] in ",!?.;\u2014\"'\u201d\u2019-"):
            c = _lookup_match(m, chars)
            if c is not None:
                found.add(c.name)
    return found


def _lookup_match(m: re.Match[str], chars: Characters) -> Character | None:
    name = m["name"]
    title = m["title"]
    words = name.split()
    if title:
        c = chars.lookup(f"{title} {name}") or chars.lookup(f"{title} {words[0]}")
        if c:
            return c
        if title.rstrip(".").lower() in TITLES and chars.lookup(words[-1]) is not None:
            # "Mrs. Bennet" must not fall back to "Bennet" when that is someone else's alias.
            return None
    for n in range(len(words), 0, -1):
        c = chars.lookup(" ".join(words[:n]))
        if c:
            return c
        c = chars.lookup(" ".join(words[-n:])) if n < len(words) else None
        if c:
            return c
    return None


_PRONOUN = r"(?P<pron>he|she|I)"
_LAST_SUBJECT = re.compile(rf"(?:{NAME_RE.pattern}|\b(?P<pron>he|she|I)\b)"
                           r"(?:\s+(?:\w+ly|thus|then|now|again|also|only|at last|at length|immediately))*\s*$")
_ADVERB = r"(?:\s+\w+ly)?"


def _tag(segs: list[Segment], qi: int, chars: Characters) -> tuple[Mention, float] | None:
    """A speech tag in the narration right after or right before the quote."""
    q = segs[qi]
    after = segs[qi + 1] if qi + 1 < len(segs) and segs[qi + 1].paragraph == q.paragraph else None
    before = segs[qi - 1] if qi > 0 and segs[qi - 1].paragraph == q.paragraph else None
    lead_in = None
    if before is None and qi > 0 and segs[qi - 1].kind is Kind.NARRATION and segs[qi - 1].paragraph == q.paragraph - 1:
        last = re.split(r"(?<=[.!?])\s+", _flat(segs[qi - 1].text[-300:]))[-1]
        if last[-1:] in ",:\u2014" or last.endswith("--") or re.search(r"\b(?:thus|as follows)\b[^.]{0,30}[.:]$", last) or \
                re.search(r"\b(?:began|began again|resumed|continued)\.$", last):
            before = lead_in = segs[qi - 1]  # a lead-in paragraph: `Mrs. Bennet said only,` then the quote
    if after is not None and after.kind is Kind.NARRATION:
        head = _flat(after.text[:160])[:120]
        m = re.match(r"^[,;\s\u2014-]*(?:as|while|when|and|but|then|whilst)\s+(?P<who>he|she)\b", head)
        if m and qi + 2 < len(segs) and segs[qi + 2].paragraph == q.paragraph and len(head) < 80:
            return Mention("pronoun", SUBJECT_PRONOUNS[m["who"]]), 0.8
        m = re.match(rf"^[\s,;\u2014-]*(?:{SPEECH_VERBS}){_ADVERB}\s+(?P<who>.+)", head, re.I)
        if m and re.match(r"(?:a|an|one of|some|somebody|someone|a voice)\b", m["who"]):
            return Mention("unnamed", m["who"]), 0.0  # "cried a young Lucas": someone the book does not name
        if m:
            mention = _mention_at(m["who"], chars)
            if mention:
                return mention, 0.95
        m = re.match(rf"^[\s,;\u2014-]*(?P<who>.{{1,60}}?){_ADVERB}\s+(?P<verb>{SPEECH_VERBS})\b", head, re.I)
        last_in_paragraph = qi + 2 >= len(segs) or segs[qi + 2].paragraph != q.paragraph
        if m and m["verb"].lower() in ("began", "begins") and last_in_paragraph:
            m = None  # "... and Mrs. Hurst began again.": she speaks next, not here
        if m and not re.search(r"[.!?;]", m["who"]):
            mention = _mention_at(m["who"], chars, last=True)
            if mention:
                return mention, 0.95
    if before is not None and before.kind is Kind.NARRATION:
        tail = _flat(before.text[-200:])[-160:]
        tail = re.split(r"(?<=[.!?])\s+", tail)[-1]
        m = re.search(rf"(?P<who>[^.!?]{{1,60}}?){_ADVERB}\s+(?:{SPEECH_VERBS})\b[^.!?]{{0,40}}[,:]?\s*$", tail, re.I)
        if m:
            mention = _mention_at(m["who"].strip(), chars, last=True)
            if mention:
                return mention, 0.9
        m = re.search(rf"\b(?:{SPEECH_VERBS}){_ADVERB}\s+(?P<who>[^,.!?]{{1,40}})[,:]\s*$", tail, re.I)
        if m:
            mention = _mention_at(m["who"], chars)
            if mention:
                return mention, 0.9
        if lead_in is not None:
            # "accosted by Miss Bingley," / "he suddenly addressed her with," / "Sir William thus began."
            m = re.search(r"\bby\s+(?P<who>[^,.!?]{1,40})[,:]\s*$", tail)
            mention = _mention_at(m["who"], chars) if m else _subject(tail, chars) if len(tail) <= 120 else None
            if mention and mention.kind != "descriptor":
                return mention, 0.8
    return None


def _mention_at(phrase: str, chars: Characters, last: bool = False) -> Mention | None:
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
            c = _lookup_match(m, chars)
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
    m = NAME_RE.match(phrase)
    if m:
        c = _lookup_match(m, chars)
        if c:
            return Mention("name", c.name)
    d = DESCRIPTOR.match(phrase)
    if d:
        return Mention("descriptor", f"{d['det'].lower()} {d['noun'].lower()}")
    return None


def _subject(sentence: str, chars: Characters) -> Mention | None:
    """The grammatical subject of an action sentence, when it is a person."""
    s = sentence.strip().lstrip("\u2014-\u2013 ")
    s = LEADING_ADVERBS.sub("", s)
    first = s.split(" ", 1)[0].lower().strip(",")
    if first in SUBJECT_PRONOUNS:
        return Mention("pronoun", SUBJECT_PRONOUNS[first])
    found = _mention_at(s, chars)
    if found:
        return found
    # A leading participle or subordinate clause: "Closing her eyes, Madoka nodded."
    m = re.match(r"^(?:[A-Z]\w*ing|After|Before|As|When|While|With|Though|Although|Despite|Once|Without|"
                 r"Fighting|Even|For)\b[^,]{0,120},\s*(?P<rest>.*)$", s)
    if m:
        return _mention_at(m["rest"], chars)
    return None


def _beat(segs: list[Segment], t: Turn, chars: Characters) -> Mention | None:
    """The subject of the narration sentence right after (or else right before) the turn's quotes."""
    for qi in t.quotes:
        nxt = segs[qi + 1] if qi + 1 < len(segs) else None
        if nxt is not None and nxt.paragraph == t.paragraph and nxt.kind is Kind.NARRATION:
            first = re.split(r"(?<=[.!?\u2026])\s+", _flat(nxt.text[:300]), maxsplit=1)[0]
            if first[:1].isupper():
                m = _subject(first, chars)
                if m:
                    return m
    for qi in t.quotes:
        prv = segs[qi - 1] if qi > 0 else None
        if prv is not None and prv.paragraph == t.paragraph and prv.kind is Kind.NARRATION:
            last = re.split(r"(?<=[.!?\u2026])\s+", _flat(prv.text[-300:]))[-1]
            m = _subject(last, chars)
            if m:
                return m
    return None


def _note_unresolved(t: Turn, m: Mention) -> None:
    """Pronouns and descriptions are resolved later, with the whole scene in view."""
    if t.pronoun is not None or t.descriptor:
        return
    if m.kind == "pronoun":
        t.pronoun = m.value
    elif m.kind == "descriptor":
        det, noun = m.value.split(" ", 1)
        t.descriptor = True
        if det in ("his", "her") and noun in KIN:
            # Only kinship descriptions carry on as a gender; "the girl" is left to _resolve_descriptors.
            t.pronoun = NOUN_GENDER.get(noun)
        if det in ("his", "her") and noun in RELATION_TITLE:
            t.relation, t.possessor = RELATION_TITLE[noun], "m" if det == "his" else "f"


def _conversations(turns: list[Turn], by_para: dict[int, list[Segment]], text: str) -> None:
    """Number conversations: a run of dialogue paragraphs with at most two narration paragraphs between."""
    conv = 0
    for prev, t in zip([None, *turns], turns):
        if prev is not None:
            between = [p for p in range(prev.paragraph + 1, t.paragraph) if p in by_para]
            if len(between) > 2:
                conv += 1
        t.conversation = conv


def _mentioned_in(segs: list[Segment], chars: Characters) -> list[str]:
    names: list[str] = []
    for s in segs:
        if s.kind is Kind.NARRATION:
            for m in NAME_RE.finditer(s.text):
                c = _lookup_match(m, chars)
                if c is not None:
                    names.append(c.name)
            if DESCRIPTOR.search(s.text.lower()) or re.search(rf"\bthe\s+(?:[a-z-]+\s+){{0,3}}(?:{PERSON_NOUNS})\b", s.text, re.I):
                names.append("\0someone")
    return names


def _follow_and_context(turns: list[Turn], by_para: dict[int, list[Segment]], segs: list[Segment],
                        chars: Characters, text: str) -> None:
    paras = sorted(by_para)
    index = {p: i for i, p in enumerate(paras)}
    for n, t in enumerate(turns):
        if t.speaker or t.evidence == "unnamed":
            continue
        i = index[t.paragraph]
        # The next paragraph opens with the speaker finishing: "Ann trailed off."
        if i + 1 < len(paras):
            nxt = by_para[paras[i + 1]]
            if nxt and nxt[0].kind is Kind.NARRATION:
                first = re.split(r"(?<=[.!?])\s+", _flat(nxt[0].text[:300]), maxsplit=1)[0]
                m = re.match(r"^(?P<who>.{1,40}?)\s+(?:trailed off|finished|continued|went on|added|concluded|"
                             r"fell silent|paused)\b", first)
                if m:
                    mention = _mention_at(m["who"], chars)
                    if mention and mention.kind == "name":
                        t.speaker, t.evidence, t.confidence = mention.value, "follow", 0.7
                        continue
        # The first turn of a conversation: the narration just before is about the speaker.
        first_of_conv = n == 0 or turns[n - 1].conversation != t.conversation
        if first_of_conv and i > 0:
            prev = by_para[paras[i - 1]]
            if all(s.kind is Kind.NARRATION for s in prev):
                names = set(_mentioned_in(prev, chars))
                if len(names) == 1 and "\0someone" not in names:
                    who = names.pop()
                    if who not in t.excluded:
                        t.speaker, t.evidence, t.confidence = who, "context", 0.5


def _stream(segs: list[Segment], chars: Characters) -> list[tuple[int, str, bool, int, int]]:
    """Every mention of a character in a chapter: (offset, name, in narration, paragraph, role)."""
    found = []
    for s in segs:
        for m in NAME_RE.finditer(s.text):
            c = _lookup_match(m, chars)
            if c is not None:
                before = s.text[max(0, m.start() - 3) : m.start()].rstrip()
                # 0: a sentence subject, 1: any other mention, 2: a possessive ("Jane's letter")
                role = 2 if re.match(r"['\u2019]s\b", s.text[m.end() : m.end() + 3]) else \
                    0 if not before or before[-1] in ".!?;:\"\u201d" else 1
                found.append((s.start + m.start(), c.name, s.kind is Kind.NARRATION, s.paragraph, role))
    return found


def _gender(name: str, chars: Characters) -> str | None:
    c = chars.lookup(name)
    return c.gender if c else None


def _surnames(name: str, chars: Characters) -> list[str]:
    c = chars.lookup(name)
    return sorted({a.split()[-1] for a in c.aliases if len(a.split()) >= 2}) if c else []


def _resolve_anaphora(turns: list[Turn], segs: list[Segment], chars: Characters) -> None:
    """`said she`, `cried his wife`: the nearest fitting character, preferring a change of speaker."""
    stream = _stream(segs, chars)
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
            possessors = [w for w in previous + recent if _gender(w, chars) == t.possessor][:1]
            for owner in possessors + [w for w in recent if w not in possessors]:
                for surname in _surnames(owner, chars):
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
            rivals = [w for w in by_role[0] if w != chars.focal and _gender(w, chars) == t.pronoun]
            focal = [chars.focal] if chars.focal in present and _gender(chars.focal, chars) == t.pronoun \
                and not rivals else []
            candidates = list(dict.fromkeys(here + focal + by_role[0] + by_role[1] + by_role[2]))
            for u in reversed(turns[:n]):
                if u.conversation == t.conversation and u.speaker and u.speaker not in candidates:
                    candidates.append(u.speaker)
            if n and turns[n - 1].conversation == t.conversation and t.paragraph - turns[n - 1].paragraph == 1:
                # Whoever was just addressed by name is the likeliest "he" or "she" to answer.
                spoken_to = sorted(turns[n - 1].addressees - {turns[n - 1].speaker or ""})
                candidates = spoken_to + [w for w in candidates if w not in spoken_to]
            candidates = [w for w in candidates if w != FIRST_PERSON]
            fitting = [w for w in candidates if _gender(w, chars) == t.pronoun and w not in t.excluded]
            # Nobody of that gender: someone whose gender the book never showed ("Lucy ... she said").
            candidates = fitting or [w for w in candidates if _gender(w, chars) is None and w not in t.excluded]
            last_turn = turns[n - 1] if n and turns[n - 1].conversation == t.conversation else None
            if last_turn is not None and len(candidates) > 1 and candidates[0] == last_turn.speaker:
                candidates.append(candidates.pop(0))  # a new paragraph: most likely the other person
            if candidates:
                who = candidates[0]
                confidence = 0.85 if len(candidates) == 1 else 0.7
        if who is not None:
            t.speaker, t.evidence, t.confidence = who, evidence, confidence


def _resolve_descriptors(turns: list[Turn], chars: Characters, speakers: Counter[str]) -> None:
    """`the girl laughed`: a description names someone other than the viewpoint character."""
    for t in turns:
        if t.speaker or not t.descriptor:
            continue
        candidates = [w for w, n in speakers.most_common() if n and w != chars.focal and w not in t.excluded]
        if candidates:
            t.speaker, t.evidence, t.confidence = candidates[0], "beat", 0.6


def _turn_taking(turns: list[Turn], chars: Characters, speakers: Counter[str]) -> None:
    convs: dict[int, list[Turn]] = defaultdict(list)
    for t in turns:
        convs[t.conversation].append(t)
    for conv in convs.values():
        for _ in range(len(conv) + 1):
            changed = False
            for i, t in enumerate(conv):
                if t.speaker or t.evidence == "unnamed":
                    continue
                who, ev = _from_neighbours(conv, i, chars, speakers)
                if who:
                    t.speaker, t.evidence, t.confidence = who, ev, {"turn": 0.6, "vocative": 0.65, "guess": 0.3}.get(ev, 0.4)
                    changed = True
            if not changed:
                break


def _participants(conv: list[Turn], speakers: Counter[str]) -> list[str]:
    seen = Counter(t.speaker for t in conv if t.speaker)
    ranked = [w for w, _ in seen.most_common()]
    for w, _ in speakers.most_common():
        if w not in ranked:
            ranked.append(w)
    return ranked


def _other(who: str, conv: list[Turn], i: int, speakers: Counter[str], excluded: set[str]) -> str | None:
    """The person `who` is talking with: the nearest different speaker in the conversation."""
    for d in range(1, len(conv)):
        for j in (i - d, i + d):
            if 0 <= j < len(conv) and conv[j].speaker and conv[j].speaker != who and conv[j].speaker not in excluded:
                return conv[j].speaker
    for w in _participants(conv, speakers):
        if w != who and w not in excluded:
            return w
    return None


def _from_neighbours(conv: list[Turn], i: int, chars: Characters, speakers: Counter[str]) -> tuple[str | None, str]:
    t = conv[i]
    prev = conv[i - 1] if i > 0 else None
    if prev is not None and prev.speaker and len(prev.addressees - {prev.speaker}) == 1:
        # Someone just addressed by name answers: "When is your next ball to be, Lizzy?" -> Lizzy.
        (addressee,) = prev.addressees - {prev.speaker}
        if addressee not in t.excluded and _fits_pronoun(addressee, t, chars):
            return addressee, "vocative"
    anchors = [(abs(j - i), j) for j, u in enumerate(conv) if u.speaker and u.evidence not in {"other", "guess"}]
    for _, j in sorted(anchors):
        anchor = conv[j].speaker
        assert anchor is not None
        d = abs(j - i)
        who = anchor if d % 2 == 0 else _other(anchor, conv, j, speakers, set())
        if who and who not in t.excluded and _fits_pronoun(who, t, chars):
            return who, "turn"
        if who and who in t.excluded:
            alt = _other(who, conv, i, speakers, t.excluded)
            if alt:
                return alt, "turn"
        break
    if anchors:
        return None, ""
    # No anchor in this conversation: a name inside the quote tells us who is *not* speaking.
    candidates = [w for w in _participants(conv, speakers) if w not in t.excluded]
    if t.excluded and candidates:
        spoke = candidates[0] in {u.speaker for u in conv} or speakers[candidates[0]] > 0
        return candidates[0], "other" if len(candidates) == 1 or spoke else "guess"
    return (candidates[0], "other") if len(candidates) == 1 else (None, "")


def _fits_pronoun(who: str, t: Turn, chars: Characters) -> bool:
    if t.pronoun is None or t.pronoun == "i":
        return True
    c = chars.lookup(who)
    return c is None or c.gender is None or c.gender == t.pronoun


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
                called.update(_vocatives(other.text, chars) - {other.speaker})
    if not called:
        return segments
    name, votes = called.most_common(1)[0]
    if votes < 2 or votes < 0.5 * sum(called.values()):
        return segments
    return [replace(s, speaker=name) if s.kind is Kind.DIALOGUE and s.speaker == FIRST_PERSON else s
            for s in segments]
