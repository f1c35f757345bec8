"""Stage 4a: automatic voices for characters without a voices.toml entry. Pure text, no audio.

A character's automatic voice is `pools.voice(slot, gender)`: its gender picks the pool, its slot
the voice in it. The slot comes from the character's name alone (a hash orders the slots, the first
one wins) unless a character who shares scenes with it and ranks higher already holds that slot; then
the next one is taken. Ranks and shared scenes come from the book's text alone (discovery without
voices.toml, and where names are mentioned), never from voices.toml or the corrections file, so
setting one character's voice, gender or corrections never moves another character's voice.

The pools are data: an engine supplies female, male and neutral voices per slot (`POOLS`), and
`[auto] engine = "..."` in voices.toml picks one.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import attribution
from .datatypes import Kind, Segment, Voice
from .errors import ConfigError

log = logging.getLogger(__name__)

GENDERS = {"f": "female", "m": "male", None: "neutral"}
SCENE = 3000  # characters: two names mentioned this close together share a scene


@dataclass(frozen=True, slots=True)
class AutoPools:
    """One engine's automatic voices: slot i is female[i], male[i] or neutral[i] by the character's gender.

    Distinct slots must mean distinct voices, across the three tuples too (neutral[i] may equal
    female[i] or male[i], never another slot's voice), so characters in different slots never sound alike.
    """

    female: tuple[Voice, ...]
    male: tuple[Voice, ...]
    neutral: tuple[Voice, ...]

    def __post_init__(self) -> None:
        if not self.female or not len(self.female) == len(self.male) == len(self.neutral):
            raise ValueError("automatic voice pools need the same number of female, male and neutral voices")

    @property
    def size(self) -> int:
        return len(self.female)

    def voice(self, slot: int, gender: str | None) -> Voice:
        """The voice of `slot` for gender "f", "m" or None (neutral)."""
        pool = self.female if gender == "f" else self.male if gender == "m" else self.neutral
        return pool[slot % self.size]


def _espeak_pools() -> AutoPools:
    # Clear variants only (docs/voices.md: +f2/+f5/+f4 and plain/+m3/+m1 keep their words; +f1/+f3 do
    # not), spread over accents and pitch. The narrator's default (en-gb-x-rp) and the unknown voice's
    # (en-gb-x-rp+m3, low) stay out, so an automatic voice never sounds like them.
    families = ("en-us", "en-gb-scotland", "en-029", "en", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc",
                "en-gb-x-rp")
    female = [Voice(f"{fam}+{var}", 165, pitch + 4 * (i % 3))
              for var, pitch in (("f2", 64), ("f5", 56), ("f4", 52)) for i, fam in enumerate(families)]
    male = [Voice(f"{fam}{var}", 165, pitch + 4 * (i % 3))
            for var, pitch in (("", 38), ("+m3", 44), ("+m1", 30)) for i, fam in enumerate(families[:-1])]
    male += [Voice("en-gb-x-rp+m1", 160, 50), Voice("en-gb-x-rp+m2", 160, 40), Voice("en-us+m2", 165, 46)]
    # Neutral (gender unknown): the female and male voices of each slot in turn.
    neutral = [female[i] if i % 2 else male[i] for i in range(len(female))]
    return AutoPools(tuple(female), tuple(male), tuple(neutral))


def _heart(rate: int, pitch: float, formant: float) -> Voice:
    return Voice("heart", rate, pitch, engine="hibari", options=(("formant", formant),) if formant else ())


def _joe(rate: int, pitch: float, formant: float) -> Voice:
    return Voice("joe", rate, pitch, engine="piper", model="joe", options=(("formant", formant),) if formant else ())


def _natural_pools() -> AutoPools:
    # hibari's "heart" for women, Piper's "joe" for men, each varied by pitch and formant in semitones (formants
    # follow the pitch a little: higher voices sound smaller, lower ones larger). Every two voices of a pool are
    # more than 2 semitones apart in measured pitch, and the women's from a "heart" narrator too: dialogue is
    # spoken about a semitone higher than narration, so no woman sits between -4 and +1.5. Measured by
    # eval/natural_voices.py (Whisper word error rate and median pitch of each voice).
    female = (_heart(170, 1.5, 0.5), _heart(170, 4, 1.5), _heart(175, 7, 2), _heart(160, -4.5, -1.5),
              _heart(155, -7, -2.5))
    male = (_joe(165, 0, 0), _joe(160, 3, 1), _joe(155, -3, -1), _joe(170, 6, 2), _joe(170, 9, 3))
    neutral = tuple(female[i] if i % 2 else male[i] for i in range(len(female)))
    return AutoPools(female, male, neutral)


# The unknown voice of voices-natural.toml: "heart" far down, between the two pools.
NATURAL_UNKNOWN = _heart(160, -9, -3.5)

# Engines that supply automatic voices; `[auto] engine = NAME` in voices.toml picks one ("natural": neural voices).
POOLS: dict[str, Callable[[], AutoPools]] = {"espeak": _espeak_pools, "natural": _natural_pools}
DEFAULT_ENGINE = "espeak"
_warned: set[str] = set()


def pools(engine: str = DEFAULT_ENGINE) -> AutoPools:
    """The automatic voice pools of `engine`; eSpeak NG's, with a warning, when their engines are not installed."""
    from . import engines

    try:
        found = POOLS[engine]()
    except KeyError:
        raise ConfigError(f'no automatic voices for engine "{engine}"; choose one of: {", ".join(POOLS)}') from None
    voices = found.female + found.male + found.neutral
    missing = sorted({v.engine for v in voices if engines.REGISTRY[v.engine].missing()})
    if missing:
        if engine not in _warned:
            log.warning('[auto] engine = "%s" needs %s, which %s not installed, so characters without a voice get '
                        "eSpeak NG voices; %s", engine, " and ".join(missing), "are" if len(missing) > 1 else "is",
                        engines.NEURAL_INSTALL)
            _warned.add(engine)
        return _espeak_pools()
    return found


# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Placement:
    """Where a speaker sits in the automatic cast."""

    slot: int
    gender: str | None  # the guess from the text: "f", "m" or None
    scene_mates: dict[str, int]  # other speakers -> how often they share a scene (weight)


def place_speakers(text: str, segments: list[Segment], speakers: Iterable[str], size: int) -> dict[str, Placement]:
    """A slot for each speaker (0..size-1), different from the slots of higher-ranked scene-mates."""
    speakers = list(speakers)
    book = attribution.discover(text)  # voices.toml's names and aliases left out on purpose: see above
    people = sorted(book.all(), key=lambda c: (-c.mentions, c.name))  # the rank: how often the text names them
    places = _mentions(text, people)
    node_of = _text_characters(book, speakers)
    # Speakers the text does not reveal (named only by corrections or voices.toml) rank after the
    # others and are placed by where they speak.
    for name in sorted(n for n in speakers if n not in node_of):
        node_of[name] = name if name not in places else f"{name} (speaker)"
        places[node_of[name]] = sorted(s.start for s in segments if s.kind is Kind.DIALOGUE and s.speaker == name)
    weights = _shared_scenes(places)
    slots: dict[str, int] = {}
    for node in places:  # in rank order: dicts keep it
        mates = {n: w for n, w in weights[node].items() if n in slots}
        slots[node] = _choose(node, size, mates, slots)
    genders = {c.name: c.gender for c in people}
    speaker_of = {node: name for name, node in node_of.items()}
    return {name: Placement(slots[node_of[name]], genders.get(node_of[name]),
                            {speaker_of[n]: w for n, w in weights[node_of[name]].items() if n in speaker_of})
            for name in speakers}


def _text_characters(book: attribution.Characters, speakers: list[str]) -> dict[str, str]:
    """Speaker -> the character the text alone knows them as; one speaker per character (exact names first)."""
    found: dict[str, str] = {}
    exact = {n for n in speakers if (c := book.lookup(n)) is not None and c.name == n}
    for name in sorted(speakers, key=lambda n: (n not in exact, n)):
        c = book.lookup(name)
        if c is not None and c.name not in found.values():
            found[name] = c.name
    return found


def preference(name: str, size: int) -> list[int]:
    """The slots in the order `name` prefers them: a hash of the name, nothing else."""
    seed = hashlib.sha256(name.encode("utf-8")).digest()
    return sorted(range(size), key=lambda i: hashlib.sha256(seed + i.to_bytes(4, "big")).digest())


def first_slot(name: str, size: int) -> int:
    """The slot of a character who shares no scene with anyone ranked above it."""
    return preference(name, size)[0]


def _choose(name: str, size: int, mates: dict[str, int], slots: dict[str, int]) -> int:
    """The first slot in the name's own order that no higher-ranked scene-mate holds (else the least shared)."""
    cost: dict[int, int] = defaultdict(int)
    for mate, weight in mates.items():
        cost[slots[mate]] += weight
    order = preference(name, size)
    return order[min(range(size), key=lambda i: (cost[order[i]], i))]


def _mentions(text: str, people: list[attribution.Character]) -> dict[str, list[int]]:
    """Where each character's names occur in the text (capitalized, whole words), keyed in `people`'s order."""
    form_of: dict[str, str] = {}
    for c in people:
        for alias in c.aliases:
            form_of[alias] = c.name
    places: dict[str, list[int]] = {c.name: [] for c in people}
    if not form_of:
        return places

    def pattern(alias: str) -> str:  # "mr kirwin" matches "Mr. Kirwin", "Mr\nKirwin"
        return r"\.?\s+".join(re.escape(w) for w in alias.split())

    names = re.compile(r"(?<![\w-])(" + "|".join(pattern(a) for a in sorted(form_of, key=len, reverse=True))
                       + r")(?![\w-])", re.IGNORECASE)
    for m in names.finditer(text):
        key = " ".join(re.sub(r"\.(?=\s)", "", m.group(1)).split()).lower()
        if m.group(1)[0].isupper() and key in form_of:
            places[form_of[key]].append(m.start())
    return places


def _shared_scenes(places: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    """For every pair of characters, how many of their mentions lie within SCENE characters of each other."""
    events = sorted((p, name) for name, ps in places.items() for p in ps)
    starts = [p for p, _ in events]
    weights: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i, (p, name) in enumerate(events):
        for q, other in events[i + 1 : bisect.bisect_right(starts, p + SCENE)]:
            if other != name:
                weights[name][other] += 1
                weights[other][name] += 1
    return weights
