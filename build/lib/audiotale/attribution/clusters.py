"""Name forms clustered into characters: Darcy / Mr. Darcy / Fitzwilliam Darcy, Nelly / Ellen Dean /
Mrs. Dean, Winnie-the-Pooh / Pooh; while titles keep Mr. and Mrs. Bennet apart, and given names
Hindley and Hareton Earnshaw."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .names import (
    FEMALE_NAMES,
    GIVEN_NAME_TITLES,
    MALE_NAMES,
    NICKNAMES,
    RANKS,
    SURNAME_TITLES,
    TITLES,
    TITLES_FEMALE,
    TITLES_MALE,
    TITLES_NEUTRAL,
)

if TYPE_CHECKING:
    from .characters import Character


def cluster(chars: dict[str, Character], forms: Counter[str], maleness: dict[str, int] | None = None) -> None:
    """Merge `Madoka Kaname` into `Madoka`, `Darcy` into `Mr. Darcy`; keep Mr. and Mrs. Bennet apart.

    `maleness` is, for each form, how much more often "he" than "she" follows it: a bare surname
    that is a "he" does not join the only titled form, when that is a woman's ("Braddocks" is not
    Mrs. Braddocks).
    """
    maleness = maleness or {}
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
        # "Fitzwilliam Darcy" joins Darcy when Fitzwilliam is also a surname ("Colonel Fitzwilliam"),
        # though "Mr. Edgar" is only a servant's way to say a given name.
        rank = any(k.split()[0] in RANKS and k.split()[-1] == parts[0] for k in chars)
        polite = any(k.split()[0] in SURNAME_TITLES - RANKS and k.split()[-1] == parts[0] for k in chars)
        given_is_surname = rank or polite and parts[0] not in FEMALE_NAMES | MALE_NAMES
        # Hindley and Hareton Earnshaw, each a character by their given name too: "Earnshaw" alone
        # is neither of them for sure.
        shared = len({id(chars[k.split()[0]]) for k in chars if len(k.split()) == 2 and k.split()[-1] == parts[-1]
                      and k.split()[0] in chars}) > 1
        for part in (parts[0], parts[-1]):
            if part == parts[0] and given_is_surname and len(parts) > 1 and not shared:
                continue
            if part == parts[-1] and part != parts[0] and shared:
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
    # "Winnie-the-Pooh" is Pooh: a name made of words, the last of them a character's name.
    for key in list(chars):
        parts = key.split("-")
        if len(parts) >= 3 and " " not in key and parts[-1] in chars and chars[parts[-1]] is not chars[key]:
            merge(chars, chars[parts[-1]], chars[key])
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
        sex = maleness.get(key, 0)
        forms_titled = [k for k in forms_titled if not (sex >= 2 and k.split()[0] in TITLES_FEMALE or
                                                        sex <= -2 and k.split()[0] in TITLES_MALE - TITLES_NEUTRAL)]
        if forms_titled and (len(forms_titled) == 1 or forms[max(forms_titled, key=forms.__getitem__)]
                             >= 0.8 * sum(forms[t] for t in forms_titled)):
            best = max(forms_titled, key=forms.__getitem__)
            if chars[best] is not chars[key]:
                merge(chars, chars[key], chars[best])

    # Pet names join the character with that given name: Lizzy, Eliza -> Elizabeth; Nelly -> Ellen Dean.
    for key in keys:
        pet = NICKNAMES.get(key, ())
        full = next((f for f in ((pet,) if isinstance(pet, str) else pet) if given_name(chars, f)), None)
        if full is None or key not in chars or given_name(chars, full) is chars[key]:
            continue
        target = given_name(chars, full)
        assert target is not None
        if any(a.split()[0] in TITLES and a.split()[-1] == full for a in target.aliases if a.split()[0] != "miss"):
            continue  # "Catherine" is Lady Catherine here, not Kitty
        merge(chars, target, chars[key])
        target.name = target.name if target.name.lower() != key else full.capitalize()
    # "Mrs. Dean" is Ellen Dean when she is the only Dean called by a given name, a woman's.
    for key in list(chars):
        words = key.split()
        if len(words) != 2 or words[0] not in ("mr", "mrs", "mister") or words[1] in chars:
            continue
        full = [k for k in chars if len(k.split()) == 2 and k.split()[1] == words[1] and k.split()[0] not in TITLES]
        names = FEMALE_NAMES if words[0] == "mrs" else MALE_NAMES
        if len({id(chars[k]) for k in full}) == 1 and any(k.split()[0] in names for k in full) \
                and chars[full[0]] is not chars[key]:
            merge(chars, chars[full[0]], chars[key])


def given_name(chars: dict[str, Character], name: str) -> Character | None:
    """The character called by a given name, alone or as the one full name it begins."""
    if name in chars:
        return chars[name]
    full = {id(c): c for k, c in chars.items() if len(k.split()) == 2 and k.split()[0] == name}
    return next(iter(full.values())) if len(full) == 1 else None


def merge(chars: dict[str, Character], into: Character, other: Character) -> None:
    into.aliases |= other.aliases
    into.mentions += other.mentions
    if other.mentions > into.mentions - other.mentions:
        into.name = other.name  # the form the book uses most: "Christopher Robin", not "Robin"
    for a in other.aliases:
        chars[a] = into
