"""Characters: who is in a book, every form of their name, and their gender."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..segments import SPEECH_VERBS
from . import descriptions
from .names import (
    POLITE_TITLES,
    GIVEN_NAME_TITLES,
    FEMALE_NAMES,
    MALE_NAMES,
    NAME_RE,
    NICKNAMES,
    PLACE_PREPS,
    PLACE_WORDS,
    STOP,
    SURNAME_TITLES,
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
    for m in NAME_RE.finditer(text):
        title = m["title"]
        words = m["name"].split()
        # Drop leading stopwords ("The Bennets", "Then Madoka", "Where's Brett") word by word.
        while words and re.sub(r"['\u2019]s$", "", words[0].lower()) in STOP:
            words = words[1:]
        if not words:
            continue
        if words[-1].lower() in STOP:
            continue
        at_start = m.start() in starts or (not title and m.start("name") in starts)
        for i, w in enumerate(words):
            bare_word = re.sub(r"['\u2019]s$", "", w.lower())  # "Mademoiselle's" is a title too
            if bare_word in STOP or bare_word in TITLES:
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
    cluster(chars, forms)
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
    for key, (form, n) in descriptions.find(text).items():
        target = by_alias.get(key) if not key.startswith("my ") else None
        head = key.split()[-1]
        if target is None and head in TITLES:
            # "the Colonel" is Colonel Forster when he is the only colonel
            titled = {id(c): c for a, c in by_alias.items() if a.split()[0] == head and len(a.split()) > 1}
            if len(titled) == 1:
                target = next(iter(titled.values()))
        if target is None:
            target = Character(descriptions.display(form), set(), descriptions.gender_of_noun(key), n)
        elif target.name.lower() == key and form.startswith("the "):
            target.name = descriptions.display(form)  # "Footman" is the Footman, as the book says
        for a in descriptions.aliases(form):
            if a not in by_alias:
                target.aliases.add(a)
                by_alias[a] = target


def cluster(chars: dict[str, Character], forms: Counter[str]) -> None:
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
                merge(chars, chars[part], c)
                break
        # "Robert Cohn" also joins a bare "Cohn" when no one else in the book bears that surname
        # (Mr. and Mrs. Harlow, Edwin Harlow: then "Harlow" stays apart, see below).
        surname = parts[-1]
        others = [k for k in chars if k.split()[-1] == surname and chars[k] is not chars[key]
                  and chars[k] is not chars.get(surname)]
        titles = {k.split()[0] for k in others if len(k.split()) == 2 and k.split()[0] in TITLES}
        # One titled form ("Mr. Cohn") is the same person; Mr. and Mrs., or another given name, are not.
        if len(parts) == 2 and surname in chars and chars[surname] is not chars[key] and \
                len(titles) == len(others) <= 1:
            merge(chars, chars[key], chars[surname])
    # "Monsieur John", "Miss Cynthia": a title before a given name is the character of that name.
    given = {k.split()[0] for k in chars if len(k.split()) == 2 and k.split()[0] not in TITLES}
    family = {k.split()[-1] for k in chars if len(k.split()) >= 2}
    for key in list(chars):
        words = key.split()
        if len(words) == 2 and words[0] in GIVEN_NAME_TITLES and words[1] in chars and \
                words[1] in given and words[1] not in family and chars[words[1]] is not chars[key]:
            merge(chars, chars[words[1]], chars[key])
    # A bare surname belongs to the one titled form that dominates it ("Darcy" -> "Mr. Darcy").
    for key in keys:
        words = key.split()
        if len(words) != 1 or key not in chars:
            continue
        forms_titled = [k for k in chars if k.split()[0] in TITLES and k.split()[-1] == key and len(k.split()) == 2]
        male = [k for k in forms_titled if k.split()[0] in TITLES_MALE and k.split()[0] not in TITLES_NEUTRAL]
        if len(forms_titled) > 1 and len(male) == 1:
            forms_titled = male  # a bare surname names a man: "Bingley" is Mr. Bingley, not Miss Bingley
        if len(male) > 1 and len(male) == len(forms_titled):
            for k in male:  # "Mr. Poirot", "Monsieur Poirot": one man, by two titles
                if chars[k] is not chars[key]:
                    merge(chars, chars[key], chars[k])
            continue
        if forms_titled and (len(forms_titled) == 1 or forms[max(forms_titled, key=forms.__getitem__)]
                             >= 0.8 * sum(forms[t] for t in forms_titled)):
            best = max(forms_titled, key=forms.__getitem__)
            if chars[best] is not chars[key]:
                merge(chars, chars[key], chars[best])

    # Pet names join the character with that given name: Lizzy, Eliza -> Elizabeth.
    for key in keys:
        full = NICKNAMES.get(key)
        if full is None or key not in chars or full not in chars or chars[full] is chars[key]:
            continue
        target = chars[full]
        if any(a.split()[0] in TITLES and a.split()[-1] == full for a in target.aliases if a.split()[0] != "miss"):
            continue  # "Catherine" is Lady Catherine here, not Kitty
        merge(chars, target, chars[key])
        target.name = target.name if target.name.lower() != key else full.capitalize()


def merge(chars: dict[str, Character], into: Character, other: Character) -> None:
    into.aliases |= other.aliases
    into.mentions += other.mentions
    if other.mentions > into.mentions - other.mentions:
        into.name = other.name if len(other.name.split()) <= len(into.name.split()) else into.name
    for a in other.aliases:
        chars[a] = into


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
