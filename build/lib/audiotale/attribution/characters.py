"""Characters: who is in a book, every form of their name, and their gender."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..segments import SPEECH_VERBS
from . import descriptions
from .clusters import cluster
from .names import (
    POLITE_TITLES,
    FEMALE_NAMES,
    MALE_NAMES,
    NAME_RE,
    PLACE_NAMES,
    PLACE_PREPS,
    PLACE_WORDS,
    STOP,
    TITLES,
    TITLES_FEMALE,
    TITLES_MALE,
    TITLES_NEUTRAL,
    VERB_AFTER,
    norm,
    sentence_starts,
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
        """The character a name form or alias means ("Lizzy", "the Duchess"), or None."""
        return self.by_alias.get(norm(form))

    def all(self) -> list[Character]:
        """Every character (name, aliases, gender, mentions), most mentioned first: the cast list."""
        seen: dict[str, Character] = {}
        for c in self.by_alias.values():
            seen.setdefault(c.name, c)
        return sorted(seen.values(), key=lambda c: -c.mentions)

def is_stopword(word: str) -> bool:
    """Never a name: "The", "Then", "Where's", and contractions ("Don’t", "You'll")."""
    low = word.lower().replace("\u2019", "'")
    return re.sub(r"'s$", "", low) in STOP or re.search(r"'(?:t|ll|ve|re|d|m)$", low) is not None


def discover(text: str, known: dict[str, list[str]] | None = None) -> Characters:
    """Find the people in a text, cluster their names, guess their genders."""
    known = known or {}
    starts = sentence_starts(text)
    lower_words = Counter(w.lower() for w in re.findall(r"\b[a-z][a-z']+\b", text))
    forms: Counter[str] = Counter()  # normalized form -> mid-sentence count
    total: Counter[str] = Counter()
    display: dict[str, str] = {}
    person: Counter[str] = Counter()
    tagged: Counter[str] = Counter()  # next to a speech verb: "said Ann", "Ann said"
    place: Counter[str] = Counter()  # after "in", "at", "from", "near": "in London"
    not_person: Counter[str] = Counter()
    acts: Counter[str] = Counter()  # followed by a verb or 's: "Ann smiled", "Ann's hat"
    pronouns: dict[str, Counter[str]] = defaultdict(Counter)  # "he" or "she" soon after the form
    for m in NAME_RE.finditer(text):
        title = m["title"]
        words = m["name"].split()
        # Drop leading stopwords ("The Bennets", "Then Madoka", "Where's Brett") word by word.
        while words and is_stopword(words[0]):
            words = words[1:]
        if not words:
            continue
        if is_stopword(words[-1]):
            continue
        at_start = m.start() in starts or (not title and m.start("name") in starts)
        for i, w in enumerate(words):
            bare_word = re.sub(r"['\u2019]s$", "", w.lower())  # "Mademoiselle's" is a title too
            if is_stopword(w) or bare_word in TITLES:
                words = words[:i]
                break
        if not words:
            continue
        name = " ".join(words)
        form = (title + " " + name) if title else name
        key = norm(form)
        display.setdefault(key, form)
        total[key] += 1
        if not at_start or title:
            forms[key] += 1
        before = text[max(0, m.start() - 12) : m.start()].lower().split()
        after = text[m.end() : m.end() + 30]
        if title or VERB_AFTER.match(after) or re.match(r"^'s\b|^\u2019s\b", after):
            person[key] += 1
            acts[key] += 1
        if re.match(rf"^\s*,?\s*(?:{SPEECH_VERBS})\b", after):
            person[key] += 1
            tagged[key] += 1
        elif re.match(r"^\s*[,!?]", after):
            person[key] += 1
        if re.search(rf"\b(?:{SPEECH_VERBS})\s*$", text[max(0, m.start() - 25) : m.start()]):
            person[key] += 2  # "said Ann"
            tagged[key] += 1
        pronouns[key][pronoun_after(text, m.end())] += 1
        if before and before[-1] in {"in", "at", "from", "near", "into", "towards", "through"} and not title:
            place[key] += 1
        if before and (before[-1] in {"the", "a", "an"} or (before[-1] in PLACE_PREPS and not title)):
            not_person[key] += 1
    chars: dict[str, Character] = {}
    surnames = {k.split()[-1] for k in total if len(k.split()) > 1}
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
        if words[0] not in TITLES and (key in PLACE_NAMES or words[-1] in PLACE_NAMES and tagged[key] < 2):
            continue  # "England", "the Alps", "Swiss": places and peoples
        if words[0] not in TITLES and tagged[key] < 2 and place[key] >= 2 and place[key] * 5 >= total[key]:
            continue  # "in London", "at Netherfield": a place
        if words[0] not in TITLES and tagged[key] < 2 and (
                words[-1] in PLACE_WORDS or words[-1].endswith(("town", "shire", "borough", "burgh", "chester"))):
            continue  # "Styles Court", "Scotland Yard", "Coketown"
        if len(words) == 1 and tagged[key] < 2 and (key[:-1] in surnames or key[:-2] in surnames):
            continue  # "the Gradgrinds", "the Penroses": a family, not a person
        if words[0] not in TITLES and count == 0 and acts[key] == 0 and tagged[key] == 0:
            continue  # "Alas,", "Begone!": never mid-sentence, never doing anything
        display[key] = re.sub(r"['\u2019]s$", "", display[key])
        chars[key] = Character(display[key], {key}, mentions=total[key])
    cluster(chars, forms, {k: v["m"] - v["f"] for k, v in pronouns.items()})
    for c in {id(c): c for c in chars.values()}.values():
        # "Bennet" alone is ambiguous next to Mrs. Bennet: call Mr. Bennet by his titled name.
        surname = c.name.lower()
        titled = sorted(a for a in c.aliases if len(a.split()) == 2 and a.split()[0] in TITLES and a.split()[1] == surname)
        rank = sorted(a for a in c.aliases if len(a.split()) == 2 and a.split()[1] == surname
                      and a.split()[0] in TITLES - {"mr", "mrs", "miss", "ms", "mister"} - POLITE_TITLES)
        if " " not in surname and rank:
            c.name = display.get(rank[0], c.name)  # "Lady Catherine", "Colonel Fitzwilliam"
        elif " " not in surname and titled and any(
                a.endswith(" " + surname) and a.split()[0] in TITLES for o in chars.values() if o is not c for a in o.aliases):
            c.name = display.get(titled[0], c.name)
    unique = list({id(c): c for c in chars.values()}.values())
    for c in unique:
        # A one-word name another character also bears ("Robert" beside Robert Prentiss) is
        # ambiguous in a cast list: call this one by their full name ("Robert Cohn").
        word = c.name.lower()
        if " " in word or not any(word in a.split() for o in unique if o is not c for a in o.aliases):
            continue
        full = sorted((a for a in c.aliases if word in a.split() and len(a.split()) > 1 and a.split()[0] not in TITLES),
                      key=lambda a: (-forms[a], a))
        if full:
            c.name = display.get(full[0], c.name)
    by_alias = {alias: c for c in unique for alias in c.aliases}
    add_bare_titles(text, by_alias)
    add_descriptions(text, by_alias)
    for name, aliases in known.items():
        target = by_alias.get(norm(name))
        if target is None:
            target = Character(name, {norm(name)})
        for alias in [name, *aliases]:
            other = by_alias.get(norm(alias))
            if other is not None and other is not target:
                target.aliases |= other.aliases
                target.mentions += other.mentions
                for a in other.aliases:
                    by_alias[a] = target
            target.aliases.add(norm(alias))
            by_alias[norm(alias)] = target
        target.name = name
    result = Characters(by_alias)
    guess_genders(text, result)
    counts = Counter({c.name: c.mentions for c in result.all()})
    result.focal = counts.most_common(1)[0][0] if counts else None
    return result


_BARE_TITLE = re.compile(r"(?<=[a-z,;] )(" + "|".join(sorted((t.capitalize() for t in TITLES), key=len, reverse=True))
                         + r")\b(?![.]?\s+[A-Z])")


def add_bare_titles(text: str, by_alias: dict[str, Character]) -> None:
    """A title alone mid-sentence names the one character who bears it: "returned Mademoiselle"."""
    used = Counter(m.group(1).lower() for m in _BARE_TITLE.finditer(text))
    for title, n in used.items():
        if n < 2 or title in by_alias:
            continue
        bearers = {id(c): c for a, c in by_alias.items() if a.split()[0] == title and len(a.split()) > 1}
        if len(bearers) == 1:
            c = next(iter(bearers.values()))
            c.aliases.add(title)
            by_alias[title] = c


def add_descriptions(text: str, by_alias: dict[str, Character]) -> None:
    """Characters named by a description ("the Duchess"), or a description of someone known ("the Colonel")."""
    low = text.lower()
    for key, (form, n) in descriptions.find(text).items():
        target = by_alias.get(key) if not key.startswith("my ") else None
        head = key.split()[-1]
        if target is None and head in TITLES:
            # "the Colonel" is Colonel Forster when he is the only colonel
            titled = {id(c): c for a, c in by_alias.items() if a.split()[0] == head and len(a.split()) > 1}
            if len(titled) == 1:
                target = next(iter(titled.values()))
        if target is not None and head in TITLES and not near_most(low, f"the {key}", target):
            target = None  # "the king" of a hundred tales is not King Grisly-beard of one
        if target is None:
            target = Character(descriptions.display(form), set(), descriptions.gender_of_noun(key), n)
        elif target.name.lower() == key and form.startswith("the "):
            target.name = descriptions.display(form)  # "Footman" is the Footman, as the book says
        for a in descriptions.aliases(form):
            if a not in by_alias:
                target.aliases.add(a)
                by_alias[a] = target


def pronoun_after(text: str, at: int) -> str | None:
    """"m" or "f" when the rest of the sentence after a mention says only he or only she."""
    window = re.split(r"[\"\u201c\u201d.!?;]|\n\n", text[at : at + 80])[0]
    he = len(re.findall(r"\b(?:he|him|his|himself)\b", window, re.IGNORECASE))
    she = len(re.findall(r"\b(?:she|her|hers|herself)\b", window, re.IGNORECASE))
    return "m" if he and not she else "f" if she and not he else None


def near_most(low: str, description: str, c: Character, reach: int = 20_000) -> bool:
    """Is a description ("the count") mostly used near where the character's names are (in lower case)?"""
    named = sorted(m.start() for a in c.aliases if " " in a for m in re.finditer(rf"\b{re.escape(a)}\b", low))
    used = [m.start() for m in re.finditer(rf"\b{re.escape(description)}\b", low)]
    if not named or not used:
        return True
    near = sum(1 for u in used if abs(named[min(bisect_left(named, u), len(named) - 1)] - u) <= reach
               or abs(named[max(bisect_left(named, u) - 1, 0)] - u) <= reach)
    return near >= 0.5 * len(used)


def guess_genders(text: str, chars: Characters) -> None:
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
        he = len(re.findall(r"\b(?:he|him|his|himself)\b", window, re.IGNORECASE))
        she = len(re.findall(r"\b(?:she|her|hers|herself)\b", window, re.IGNORECASE))
        if he and not she:
            votes[c.name]["m"] += 1
        elif she and not he:
            votes[c.name]["f"] += 1
    # A described character is "he" or "she" by what follows its description: the Creature ... he.
    described = {a: c for a, c in chars.by_alias.items() if a.startswith(("the ", "my "))}
    if described:
        pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in sorted(described, key=len, reverse=True))
                             + r")\b", re.IGNORECASE)
        for m in pattern.finditer(text):
            c = described[m.group(1).lower()]
            window = re.split(r"[\"\u201c\u201d]|\n\n", text[m.end() : m.end() + 80])[0]
            he = len(re.findall(r"\b(?:he|him|his|himself)\b", window, re.IGNORECASE))
            she = len(re.findall(r"\b(?:she|her|hers|herself)\b", window, re.IGNORECASE))
            if he != she:
                votes[c.name]["m" if he > she else "f"] += 1
    for c in chars.all():
        # A given name is a vote too, outweighed only by a title or by several pronouns.
        given = {a.split()[0] for a in c.aliases if a.split()[0] not in TITLES}
        if given & FEMALE_NAMES and not given & MALE_NAMES:
            votes[c.name]["f"] += 3
        elif given & MALE_NAMES and not given & FEMALE_NAMES:
            votes[c.name]["m"] += 3
        v = votes.get(c.name)
        if v:
            g, n = v.most_common(1)[0]
            if n >= 2 and n > 1.5 * (sum(v.values()) - n):
                c.gender = g
        if c.gender is None:  # no title, no pronouns: a given name still tells
            given = {a.split()[0] for a in c.aliases if a.split()[0] not in TITLES}
            if given & FEMALE_NAMES and not given & MALE_NAMES:
                c.gender = "f"
            elif given & MALE_NAMES and not given & FEMALE_NAMES:
                c.gender = "m"

def lookup_match(m: re.Match[str], chars: Characters) -> Character | None:
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
