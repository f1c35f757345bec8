"""Characters named by a description: "said the Duchess", "the waiter answered", "replied my father".

A description that speaks in tags at least twice is a character of its own, unless it is another
way to name someone we know: "the Colonel" is Colonel Forster when he is the only colonel, and
"the Rabbit" is the White Rabbit. Generic people ("the girl", "the old man") are not characters:
who they are depends on the scene, and conversation.py resolves them there.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from ..segments import SPEECH_VERBS
from .names import NOUN_GENDER, STOP, TITLES, norm

# Nouns for anyone at all: the scene says who they are.
GENERIC = set("""
man woman girl boy lady gentleman child kid person stranger youth fellow other others one voice voices
people figure creature thing visitor newcomer speaker latter former first second third last rest same whole
two three four crowd company party group pair couple
""".split())
KIN_NOUNS = {"father", "mother", "brother", "sister", "uncle", "aunt", "husband", "wife", "son", "daughter",
             "cousin", "grandfather", "grandmother", "nephew", "niece", "guardian", "friend"}
# Words that end a description: "said the Duchess to Alice", "the doctor as he went".
_END = (STOP - KIN_NOUNS - set(NOUN_GENDER)) | {"to", "with", "and", "in", "at", "as", "who", "from", "for", "of", "after", "again", "once",
               "then", "which", "that", "but", "or", "on", "into", "without", "while", "when", "was", "had",
               "beneath", "below", "behind", "beside", "across", "among", "upon", "near", "outside", "inside"}
_WORDS = r"((?:[^\W\d_][\w'\u2019-]*\s+){0,2}[^\W\d_][\w'\u2019-]*)"
_CLOSE = r"[,!?\u2014-][\"\u201d\u2019']\s*"
_TAG_VERB = rf"(?:{SPEECH_VERBS}|[a-z]{{3,}}ed)"
_DET = r"(the|my|[A-Z][a-z]+['\u2019]s)"  # "Scrooge's nephew" is a description too
# "...," said the Duchess / "...!" cried my father / "...," cried Scrooge's nephew
_INVERTED = re.compile(rf"{_CLOSE}{_TAG_VERB}(?:\s+\w+ly)?\s+{_DET}\s+{_WORDS}")
# "...," the waiter said / "...?" my father asked
_NORMAL = re.compile(rf"[\"\u201d\u2019']\s*{_DET}\s+{_WORDS}\s+(?:\w+ly\s+)?(?:{SPEECH_VERBS})\b")
# What a person's ... names is the person: "said Catherine's voice".
OWN_PARTS = {"voice", "voices", "tones", "lips", "mouth", "tongue"}


def words_of(phrase: str) -> list[str]:
    """The words of a phrase up to its first punctuation: `King. Alice went` -> [King]."""
    return re.findall(r"[\w'\u2019-]+", re.split(r"[.,;:!?()\"\u201c\u201d]", phrase, maxsplit=1)[0])


def noun_phrase(words: list[str]) -> list[str]:
    """The words of a description up to where it ends: `Duchess to Alice` -> `Duchess`."""
    out: list[str] = []
    for w in words:
        low = w.lower()
        if low in _END and (out or low not in PERSON_ING) or low.endswith("ly") or \
                re.fullmatch(rf"(?:{SPEECH_VERBS})", low):
            break  # "said the being" is someone, "the doctor being tired" ends at "being"
        out.append(w)
    return out


def key_of(det: str, words: list[str]) -> str | None:
    """What a description is known by: `the Mock Turtle` -> `mock turtle`, `the old waiter` -> `waiter`,
    `Scrooge's nephew` -> `scrooge's nephew`."""
    phrase = noun_phrase(words)
    if not phrase:
        return None
    head = phrase[-1]
    low = head.lower().strip("'\u2019")
    if det == "my":
        return f"my {low}" if low in KIN_NOUNS else None
    if det not in ("the", "my"):  # a possessor's name
        if not head.islower() or low in OWN_PARTS or low in STOP or len(low) < 3:
            return None
        return f"{det.lower()} {low}".replace("\u2019", "'")
    if low in GENERIC or low in STOP and low not in PERSON_ING or len(low) < 3:
        return None  # but "the being" is someone
    if head[:1].isupper():
        caps: list[str] = []
        for w in reversed(phrase):  # the capitalised run: "White Rabbit", "March Hare"
            if not w[:1].isupper():
                break
            caps.insert(0, w)
        return " ".join(caps).lower()
    return low


def find(text: str) -> dict[str, tuple[str, int]]:
    """Descriptions that speak in tags: key -> (how the book writes it, how often it speaks)."""
    counts: Counter[str] = Counter()
    bare: Counter[str] = Counter()  # written with no adjective: "the drummer"
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for pattern in (_INVERTED, _NORMAL):
        for m in pattern.finditer(text):
            det = m.group(1) if m.group(1)[:1].isupper() else m.group(1).lower()
            words = words_of(m.group(2))
            key = key_of(det, words)
            if key is None:
                continue
            phrase = noun_phrase(words)
            counts[key] += 1
            n = len(key.split())
            shown[key]["the " + " ".join(phrase[-n:]) if det == "the" else det + " " + phrase[-1]] += 1
            bare[key] += det == "the" and len(phrase) == n
    out = {}
    for key, n in counts.items():
        form = shown[key].most_common(1)[0][0]
        # "replied my father", "cried Scrooge's nephew", "said the drummer" once is enough: a relation
        # or a calling names one person; "said the wife" may be anyone's wife, and "the unhappy
        # victim" someone known, until they come back.
        noun = key.split()[-1]
        if n >= 2 and (not noun.endswith("ing") or noun in PERSON_ING) or not form.startswith("the ") or (
                bare[key] and noun not in KIN_NOUNS and a_person(noun, text)):
            out[key] = (form, n)
    return out


# Nouns for a person that look like participles.
PERSON_ING = {"being", "darling", "sibling", "foundling", "changeling", "stripling", "weakling", "underling",
              "duckling", "nursling", "king"}


def a_person(noun: str, text: str) -> bool:
    """Is "the <noun>" someone the story comes back to: a noun for a person, or one it names again?"""
    if noun in NOUN_GENDER or noun.endswith("ing"):
        return noun in NOUN_GENDER or noun in PERSON_ING
    return len(re.findall(rf"\bthe {re.escape(noun)}\b", text, re.IGNORECASE)) >= 2


def gender_of_noun(key: str) -> str | None:
    """The gender a description's noun carries: duchess, laundress, washerwoman f; king, huntsman m;
    None for waiter-like nouns."""
    words = key.split()
    noun = words[-1].split("-")[-1] if words else ""
    if NOUN_GENDER.get(key) or NOUN_GENDER.get(noun):
        return NOUN_GENDER.get(key) or NOUN_GENDER.get(noun)
    if noun in TITLES and noun in _FEMALE_TITLES:
        return "f"
    if noun.endswith("woman") or noun.endswith("ess") and len(noun) > 5 and noun not in _NOT_FEMININE:
        return "f"
    if noun.endswith("man") and noun not in ("human", "talisman", "shaman") or noun in _MALE_NOUNS:
        return "m"
    return None


_NOT_FEMININE = {"witness", "business", "address", "mattress", "fortress", "darkness", "goodness", "wilderness"}
# Nouns for men that NOUN_GENDER leaves out, and for women.
_MALE_NOUNS = {"bridegroom", "groom", "lad", "monk", "friar", "squire", "cock", "bull", "stag", "ram", "drake",
               "grandson", "stepfather", "stepson", "emperor", "sultan", "abbot", "bishop", "pope", "priest"}


_FEMALE_TITLES = {"mrs", "miss", "ms", "lady", "madam", "madame", "queen", "princess", "aunt", "mother",
                  "sister", "mistress", "duchess", "countess", "baroness", "dame", "mademoiselle"}


def display(form: str) -> str:
    """A cast-list name: `the Duchess` -> `The Duchess`, `my father` -> `My father`."""
    return form[:1].upper() + form[1:]


def aliases(form: str) -> set[str]:
    """The forms a described character answers to: `the duchess`, and `duchess` when capitalised."""
    key = norm(form)
    out = {key}
    if form.startswith("the ") and any(w[:1].isupper() for w in form.split()[1:]):
        out.add(key[4:])
    return out
