"""Stage 4: voices.toml -> Cast; list[Segment] -> list[Line]. Pure text, no audio.

voices.toml is validated strictly: unknown tables and keys, unknown voices and out-of-range
values are ConfigErrors that name the file, the line and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import autocast, engines
from .configfile import line_of, read_toml, suggest
from .datatypes import Kind, Line, Pauses, Segment, Voice
from .errors import ConfigError
from .segments import sentences, spoken_text

if TYPE_CHECKING:
    from .attribution import Characters

COMMON_KEYS = {"engine", "rate", "volume"}  # every engine's; the rest are each engine's own (engines.Engine.keys)
VOICE_KEYS = COMMON_KEYS | {key for engine in engines.REGISTRY.values() for key in engine.keys}
CHARACTER_KEYS = {"aliases", "gender"}  # besides VOICE_KEYS, in [characters.NAME]
GENDERS = ("female", "male", "neutral")
AUTO_KEYS = {"engine"}
RANGES = {"rate": (80, 450), "volume": (0.0, 2.0)}
PAUSE_KEYS = {"sentence", "paragraph", "speaker_change", "chapter", "scene"}
TOP_KEYS = {"narrator", "unknown", "characters", "pauses", "pronunciations", "book", "auto"}
DEFAULT_NARRATOR = Voice("en-gb-x-rp", rate=155, pitch=45)


@dataclass(frozen=True, slots=True)
class Cast:
    narrator: Voice
    unknown: Voice  # for quotes nobody could be credited with
    characters: dict[str, Voice]  # name -> voice, from voices.toml
    aliases: dict[str, list[str]]  # name -> other names for the same character
    pauses: Pauses
    pronunciations: dict[str, str] = field(default_factory=dict)
    book: dict[str, str] = field(default_factory=dict)  # title, author
    source: Path | None = None
    genders: dict[str, str] = field(default_factory=dict)  # name -> "female", "male" or "neutral", set by hand
    auto_engine: str = autocast.DEFAULT_ENGINE  # whose pools the automatic voices come from ([auto] engine)
    where: dict[str, str] = field(default_factory=dict)  # character name -> "voices.toml:12", for messages


def load_cast(path: Path | None, known_voices: set[str] | None = None, variants: set[str] | None = None) -> Cast:
    """Read and validate voices.toml; None or a missing default file gives the built-in cast."""
    if path is None:  # exactly what an empty voices.toml gives, so creating one changes no voice
        return replace(parse_cast({}, Path("voices.toml")), source=None)
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory; give the path of a voices.toml file")
    data, raw = read_toml(path, "create it or pass --voices with an existing file",
                          "fix the line (strings need quotes)")
    return parse_cast(data, path, raw, known_voices, variants)


def parse_cast(data: dict, path: Path, raw: str = "", known_voices: set[str] | None = None,
               variants: set[str] | None = None) -> Cast:
    """Validate a parsed voices.toml."""
    check = _Checker(path, raw, known_voices, variants)
    check.keys(data, TOP_KEYS, "")
    narrator = check.voice(data.get("narrator", {}), "narrator", DEFAULT_NARRATOR)
    unknown_default = Voice(narrator.id.split("+")[0] + "+m3", narrator.rate, max(0, narrator.pitch - 15),
                            narrator.volume) if narrator.engine == "espeak" else narrator
    unknown = check.voice(data.get("unknown", {}), "unknown", unknown_default)
    characters: dict[str, Voice] = {}
    aliases: dict[str, list[str]] = {}
    genders: dict[str, str] = {}
    where_is: dict[str, str] = {}
    chars = data.get("characters", {})
    check.table(chars, "characters")
    for name, table in chars.items():
        where = f"characters.{name}"
        check.table(table, where)
        check.keys(table, VOICE_KEYS | CHARACTER_KEYS, where)
        where_is[name] = check.at(where)
        if "voice" not in table and table.get("engine", narrator.engine) == "espeak" and set(table) & VOICE_KEYS:
            raise ConfigError(f'{check.at(where)}: [{where}] has no "voice"; add e.g. voice = "en-us+f2"')
        if set(table) & VOICE_KEYS:  # else only aliases or gender: the voice stays automatic
            characters[name] = check.voice(table, where, narrator)
        al = table.get("aliases", [])
        if not isinstance(al, list) or not all(isinstance(a, str) for a in al):
            raise ConfigError(f'{check.at(where, "aliases")}: aliases must be a list of names, e.g. ["Lizzy"]')
        aliases[name] = list(al)
        if "gender" in table:
            if table["gender"] not in GENDERS:
                raise ConfigError(f'{check.at(where, "gender")}: {where}.gender = {table["gender"]!r} is not a gender; '
                                  'use "female", "male" or "neutral"')
            genders[name] = table["gender"]
    pauses_table = data.get("pauses", {})
    check.table(pauses_table, "pauses")
    check.keys(pauses_table, PAUSE_KEYS, "pauses")
    pauses = Pauses(**{k: check.number(pauses_table, "pauses", k, (0, 60000), int) for k in pauses_table})
    pron = data.get("pronunciations", {})
    check.table(pron, "pronunciations")
    for word, say in pron.items():
        if not isinstance(say, str):
            raise ConfigError(f'{check.at("pronunciations", word)}: pronunciation of "{word}" must be a string')
    book = data.get("book", {})
    check.table(book, "book")
    check.keys(book, {"title", "author"}, "book")
    for k, v in book.items():
        if not isinstance(v, str):
            raise ConfigError(f"{check.at('book', k)}: book.{k} must be a string")
    auto = data.get("auto", {})
    check.table(auto, "auto")
    check.keys(auto, AUTO_KEYS, "auto")
    auto_engine = auto.get("engine", autocast.DEFAULT_ENGINE)
    if auto_engine not in autocast.POOLS:
        raise ConfigError(f'{check.at("auto", "engine")}: auto.engine = {auto_engine!r} has no automatic voices; '
                          f'choose one of: {", ".join(autocast.POOLS)}')
    return Cast(narrator, unknown, characters, aliases, pauses, dict(pron), dict(book), path, genders, auto_engine,
                where_is)


class _Checker:
    def __init__(self, path: Path, raw: str, known: set[str] | None, variants: set[str] | None) -> None:
        self.path, self.raw = path, raw
        self.known, self.variants = known, variants

    def at(self, table: str, key: str | None = None) -> str:
        """`voices.toml:12`: the line of a table's header, or of a key inside it."""
        path = (table.split(".", 1) if table else []) + ([key] if key is not None else [])
        line = line_of(self.raw, path)
        return f"{self.path}:{line}" if line else str(self.path)

    def table(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise ConfigError(f"{self.at(where)}: {where} must be a table like [{where}]")

    def keys(self, table: dict, allowed: set[str], where: str) -> None:
        for k in table:
            if k in allowed:
                continue
            name = f"{where}.{k}" if where else k
            hint = suggest(k, allowed)
            if hint:
                did = f'did you mean "{hint}"? '
            elif where == "" and isinstance(table[k], dict):  # [Victor] for [characters.Victor]
                did = f'did you mean [characters.{k}]? '
            else:
                did = ""
            listing = ", ".join(sorted(allowed)) or "nothing"
            raise ConfigError(f"{self.at(where, k)}: unknown key \"{name}\"; {did}allowed: {listing}")

    def number(self, table: dict, where: str, key: str, bounds: tuple[float, float], kind: type) -> float:
        value = table[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and kind is int and isinstance(value, float) and not value.is_integer():
            ok = False
        lo, hi = bounds
        if not ok or not lo <= value <= hi:
            unit = " ms" if where == "pauses" else ""
            raise ConfigError(
                f"{self.at(where, key)}: {where}.{key} = {value!r} is out of range; use a number from {lo} to {hi}{unit}"
            )
        return kind(value)

    def voice(self, table: dict, where: str, default: Voice) -> Voice:
        self.table(table, where)
        name = table.get("engine", default.engine if "voice" not in table else "espeak")
        if name not in engines.REGISTRY:
            raise ConfigError(f'{self.at(where, "engine")}: unknown engine "{name}"; '
                              f'choose one of: {", ".join(engines.REGISTRY)}')
        engine = engines.REGISTRY[name]
        own = engine.keys
        allowed = COMMON_KEYS | set(own) | (CHARACTER_KEYS if where.startswith("characters.") else set())
        self._engine_keys(table, allowed, where, name)
        self.keys(table, allowed, where)
        # Settings come from the default voice (the narrator, for characters) when it is of the same
        # engine; otherwise from the engine's own default (pitch means semitones to neural engines).
        base = default if default.engine == name else engine.default
        strings = {}
        for key in ("voice", "model"):
            if key in own:
                value = table.get(key, base.id if key == "voice" else base.model)
                if not isinstance(value, str):
                    example = '"en-us+f2"' if name == "espeak" else '"heart"' if key == "voice" else '"joe"'
                    raise ConfigError(f"{self.at(where, key)}: {key} must be a string such as {example}")
                strings[key] = value
        vid = strings.get("voice", strings.get("model", base.id))
        if name == "espeak":
            self._check_espeak_voice(vid, where)
        rate = int(self.number(table, where, "rate", RANGES["rate"], int)) if "rate" in table else base.rate
        volume = self.number(table, where, "volume", RANGES["volume"], float) if "volume" in table else default.volume
        pitch = self._setting(table, where, "pitch", own["pitch"]) if "pitch" in table else base.pitch
        options = [(key, float(self._setting(table, where, key, bounds)))
                   for key, bounds in own.items() if key in table and key != "pitch" and bounds is not None]
        voice = Voice(id=vid, rate=rate, pitch=pitch, volume=volume, engine=name, model=strings.get("model"),
                      options=tuple(sorted(options)))
        if self.known is not None and (problem := engine.check(voice)):
            raise ConfigError(f'{self.at(where, "voice" if "voice" in table else "engine")}: {where}: {problem}')
        return voice

    def _setting(self, table: dict, where: str, key: str, bounds: tuple[float, float] | None) -> float:
        """An engine's own number: whole numbers for ranges given in whole numbers (eSpeak pitch 0-99)."""
        assert bounds is not None
        whole = all(isinstance(b, int) for b in bounds)
        value = self.number(table, where, key, bounds, int if whole else float)
        return int(value) if whole or float(value).is_integer() else value

    def _engine_keys(self, table: dict, allowed: set[str], where: str, engine: str) -> None:
        """A key of another engine ("model" on an eSpeak voice) says which engine it needs."""
        for key in table:
            if key in allowed:
                continue
            owners = [n for n, e in engines.REGISTRY.items() if key in e.keys]
            if owners:
                raise ConfigError(f'{self.at(where, key)}: "{where}.{key}" is a setting of the {" or ".join(owners)} '
                                  f'engine, not of {engine}; add engine = "{owners[0]}" to [{where}]')

    def _check_espeak_voice(self, vid: str, where: str) -> None:
        if self.known is None:
            return
        base, _, variant = vid.partition("+")
        if base.lower() not in self.known:
            close = difflib.get_close_matches(base.lower(), sorted(self.known), 1, 0.6)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            for name, engine in engines.REGISTRY.items():  # another engine's voice, e.g. hibari's "heart"
                if name != "espeak" and "voice" in engine.keys and vid in {v.name for v in engine.catalogue(None)[1]}:
                    hint = f'it is a {name} voice: add engine = "{name}"; '
            raise ConfigError(
                f'{self.at(where, "voice")}: unknown voice "{base}"; {hint}run `audiotale voices` to list them'
            )
        if variant and self.variants is not None and variant.lower() not in self.variants:
            close = difflib.get_close_matches(variant.lower(), sorted(self.variants), 1, 0.6)
            hint = f'did you mean "+{close[0]}"? ' if close else ""
            raise ConfigError(
                f'{self.at(where, "voice")}: unknown variant "+{variant}"; {hint}run `audiotale voices` to list them'
            )


# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Role:
    """One row of `audiotale cast`."""

    name: str
    lines: int
    words: int
    voice: Voice
    auto: bool  # the voice was chosen automatically: voices.toml gives none
    gender: str = "neutral"  # "female", "male" or "neutral" (not known): picks the automatic voice
    gender_set: bool = False  # voices.toml says it; else guessed from the text


_LETTER = {"female": "f", "male": "m", "neutral": None}


def set_genders(cast: Cast, characters: Characters) -> None:
    """Let voices.toml's `gender` overrule the guess, for attribution's pronouns too."""
    for name, gender in cast.genders.items():
        found = characters.lookup(name)
        if found is not None:
            found.gender = _LETTER[gender]


def assign_voices(cast: Cast, speakers: dict[str, tuple[int, int, str | None]],
                  placements: dict[str, autocast.Placement] | None = None) -> dict[str, Role]:
    """Give every speaker (name -> lines, words, gender guess) voices.toml's voice or its automatic one.

    `placements` (autocast.place_speakers) keeps characters who share scenes apart; without it each
    character takes the first slot of its own name.
    """
    pools = autocast.pools(cast.auto_engine)
    placements = placements or {}
    roles: dict[str, Role] = {}
    for name in sorted(speakers, key=lambda n: (-speakers[n][0], n)):
        lines, words, guess = speakers[name]
        placed = placements.get(name) or autocast.Placement(autocast.first_slot(name, pools.size), guess, {})
        if name in cast.genders:
            letter = _LETTER[cast.genders[name]]
        else:
            letter = placed.gender if placed.gender is not None else guess
        gender = autocast.GENDERS[letter]
        if name in cast.characters:
            roles[name] = Role(name, lines, words, cast.characters[name], False, gender, name in cast.genders)
        else:
            roles[name] = Role(name, lines, words, pools.voice(placed.slot, letter), True, gender,
                               name in cast.genders)
    return roles


def unmatched(cast: Cast, text: str, characters: Characters, segments: list[Segment]) -> list[str]:
    """voices.toml characters and corrected speakers that match nobody in the book, with the closest name."""
    speakers = {s.speaker for s in segments if s.kind is Kind.DIALOGUE and s.speaker}
    names = sorted({c.name for c in characters.all()} | speakers)

    def absent(name: str, aliases: list[str]) -> bool:
        return name not in speakers and not any(
            re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE) for n in [name, *aliases])

    def closest(name: str) -> str:
        close = difflib.get_close_matches(name, [n for n in names if n != name], 1, 0.5)
        return f'; did you mean "{close[0]}"?' if close else "; `audiotale cast` lists who speaks"

    found = []
    for name in cast.aliases:
        if absent(name, cast.aliases[name]):
            where = cast.where.get(name, str(cast.source))
            found.append(f"{where}: [characters.{name}] matches nobody in the book{closest(name)}")
    corrected = {s.speaker for s in segments if s.evidence == "corrected" and s.speaker}
    for name in sorted(corrected - set(cast.aliases)):
        if characters.lookup(name) is None and not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            close = difflib.get_close_matches(name, [n for n in names if n not in corrected], 1, 0.5)
            if close:
                found.append(f'a correction names "{name}", who is nowhere in the book; did you mean "{close[0]}"?')
    return found


def sound_alike(a: Voice, b: Voice) -> bool:
    """Two voices a listener would take for one: same engine, voice and model, pitch within 8 (eSpeak NG's
    0-99) or, for neural voices, pitch and formant both within 1.5 semitones."""
    if (a.engine, a.id.lower(), a.model) != (b.engine, b.id.lower(), b.model):
        return False
    if a.engine in engines.REGISTRY and engines.REGISTRY[a.engine].neural:
        return abs(a.pitch - b.pitch) < 1.5 and abs(a.option("formant") - b.option("formant")) < 1.5
    return abs(a.pitch - b.pitch) < 8


def clashes(cast: Cast, roles: dict[str, Role], placements: dict[str, autocast.Placement]) -> list[str]:
    """Chosen voices (voices.toml) that sound like the automatic voice of someone in the same scenes."""
    found = []
    chosen = [(r.name, r.voice, cast.where.get(r.name, "voices.toml")) for r in roles.values() if not r.auto]
    for role in roles.values():
        if not role.auto:
            continue
        mates = placements.get(role.name, autocast.Placement(0, None, {})).scene_mates
        for name, voice, where in chosen:
            if name in mates and sound_alike(voice, role.voice):
                found.append(f"{where}: {name}'s voice {voice.describe()} sounds like the automatic voice of "
                             f"{role.name}, who shares scenes with {name}; give {role.name} a voice too")
        for name, voice in (("the narrator", cast.narrator), ("the unknown voice", cast.unknown)):
            if sound_alike(voice, role.voice):
                found.append(f"{cast.source or 'voices.toml'}: {name} ({voice.describe()}) sounds like the automatic "
                             f"voice of {role.name}; give {role.name} a voice in [characters.{role.name}]")
    return found


# ---------------------------------------------------------------------------------------------------------

def make_lines(segments: Iterable[Segment], cast: Cast, roles: dict[str, Role], first_in_chapter: bool = True) -> Iterator[Line]:
    """Segments -> sentences to speak, each with its voice and the pause before it."""
    previous: Segment | None = None
    prev_voice: Voice | None = None
    first = first_in_chapter
    pron = _pronouncer(cast.pronunciations)
    after_skip = False  # the last segment was skipped: a note marker mid-sentence is no sentence end
    for seg in segments:
        if seg.kind is Kind.SKIPPED:  # shown by `script`, never spoken
            after_skip = previous is not None and seg.paragraph == previous.paragraph
            continue
        if seg.kind is Kind.DIALOGUE:
            voice = roles[seg.speaker].voice if seg.speaker in roles else cast.unknown
        else:
            voice = cast.narrator
        texts = [(piece, j > 0) for s in sentences(clean_for_speech(spoken_text(seg.text)))
                 for j, piece in enumerate(split_long(s))]
        for i, (sentence, continues) in enumerate(texts):
            sentence = pron(sentence)
            if not re.search(r"\w", sentence):
                continue
            if first:
                pause = 0
            elif continues or (i == 0 and after_skip and voice == prev_voice and not sentence[:1].isupper()):
                pause = min(cast.pauses.sentence, CLAUSE_PAUSE)
            elif i > 0:
                pause = cast.pauses.sentence
            elif seg.scene_break_before:
                pause = cast.pauses.scene
            elif previous is not None and seg.paragraph != previous.paragraph:
                pause = cast.pauses.paragraph
            elif prev_voice is not None and voice != prev_voice:
                pause = cast.pauses.speaker_change
            else:
                pause = cast.pauses.sentence
            if not first and i == 0 and prev_voice is not None and voice != prev_voice:
                pause = max(pause, cast.pauses.speaker_change)
            yield Line(seg, sentence, voice, pause, clip_key(sentence, voice))
            first = after_skip = False
            previous, prev_voice = seg, voice


MAX_LINE = 400  # characters: longer sentences are split at clauses (the engine slows down on huge inputs)
CLAUSE_PAUSE = 120  # ms between the pieces of a split sentence


def split_long(sentence: str, limit: int = MAX_LINE) -> list[str]:
    """A sentence of at most `limit` characters, or its pieces split at clause or word boundaries."""
    pieces: list[str] = []
    rest = sentence
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind(", "), window.rfind("; "), window.rfind(": "), window.rfind(" \u2014 "))
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit - 1
        pieces.append(rest[: cut + 1].strip())
        rest = rest[cut + 1 :].strip()
    if rest:
        pieces.append(rest)
    return pieces


def clip_key(text: str, voice: Voice) -> str:
    """Content address of a clip: the text, every voice setting, the engine, its version and model.

    Clips are cached as the engine's own samples, trimmed; levelling happens when a chapter is stitched,
    so a change of levelling needs no new clips.
    """
    version, digest = engines.engine(voice.engine).cache_tag(voice)
    h = hashlib.sha256()
    for part in (version, voice.engine, voice.id.lower(), str(voice.rate), str(voice.pitch),
                 f"{voice.volume:.3f}", voice.model or "", digest, repr(voice.options), text):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:32]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\ufeff]")


def clean_for_speech(text: str) -> str:
    """Text the engine reads literally: no control characters, no runaway words."""
    text = _CONTROL.sub(" ", text)
    # A 5000-letter "word" makes eSpeak spell for minutes; cut it into readable pieces.
    text = re.sub(r"\S{60,}", lambda m: " ".join(m.group(0)[i : i + 30] for i in range(0, len(m.group(0)), 30)), text)
    return re.sub(r"\s+", " ", text).strip()


def _pronouncer(table: dict[str, str]):
    if not table:
        return lambda s: s
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)) + r")(?!\w)",
                         re.IGNORECASE)
    lowered = {k.lower(): v for k, v in table.items()}
    return lambda s: pattern.sub(lambda m: lowered[m.group(1).lower()], s)
