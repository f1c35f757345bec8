"""Stage 4: voices.toml -> Cast; list[Segment] -> list[Line]. Pure text, no audio.

voices.toml is validated strictly: unknown tables and keys, unknown voices and out-of-range
values are ConfigErrors that name the file, the line and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import logging
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import engines
from .datatypes import Kind, Line, Pauses, Segment, Voice
from .errors import ConfigError
from .segments import sentences, spoken_text

log = logging.getLogger(__name__)

COMMON_KEYS = {"engine", "rate", "volume"}  # every engine's; the rest are each engine's own (engines.Engine.keys)
RANGES = {"rate": (80, 450), "volume": (0.0, 2.0)}
PAUSE_KEYS = {"sentence", "paragraph", "speaker_change", "chapter", "scene"}
TOP_KEYS = {"narrator", "unknown", "characters", "pauses", "pronunciations", "book", "auto"}
DEFAULT_NARRATOR = Voice("en-gb-x-rp", rate=155, pitch=45)
# Automatic voices, clearest first (see VOICES.md): distinct families, variants and pitches.
AUTO_FEMALE = (Voice("en-us+f2", 165, 70), Voice("en-us+f5", 165, 60), Voice("en-gb-x-rp+f2", 160, 62),
               Voice("en-us+f4", 165, 55), Voice("en-gb-scotland+f2", 165, 66), Voice("en-029+f5", 165, 58))
AUTO_MALE = (Voice("en-us", 165, 40), Voice("en-us+m3", 165, 50), Voice("en-gb-scotland", 165, 42),
             Voice("en-029", 165, 48), Voice("en-gb-x-rp+m3", 160, 35), Voice("en-us+m1", 165, 30))
AUTO_ANY = tuple(v for pair in zip(AUTO_MALE, AUTO_FEMALE) for v in pair)


def _heart(rate: int, pitch: float, formant: float) -> Voice:
    return Voice("heart", rate, pitch, engine="hibari", options=(("formant", formant),) if formant else ())


def _joe(rate: int, pitch: float, formant: float) -> Voice:
    return Voice("joe", rate, pitch, engine="piper", model="joe", options=(("formant", formant),) if formant else ())


# Natural automatic voices ([auto] voices = "natural"): hibari's "heart" for women and Piper's "joe" for men,
# each varied by pitch and formant (semitones). The first four of each pool are at least 2.5 semitones apart in
# measured pitch (and from a "heart" narrator: lines of dialogue are spoken about a semitone higher than
# narration, hence -4.5 rather than -3); the rest sit between them with a contrasting formant, so neighbours
# differ in timbre. Low pitch with raised formants is left out: it cost joe 5 points of intelligibility.
# Measured by eval/natural_voices.py (Whisper word error rate and median pitch of every voice here).
NATURAL_FEMALE = (_heart(170, 3, 1), _heart(160, -4.5, -1.5), _heart(175, 6, 2), _heart(155, -7, -2.5),
                  _heart(165, 1.5, -2), _heart(165, -2, 2))
NATURAL_MALE = (_joe(165, 0, 0), _joe(160, 3, 1), _joe(155, -3, -1.5), _joe(170, 6, 2),
                _joe(165, 1.5, -1.5), _joe(160, -1.5, 1.5), _joe(170, 4.5, -1))
NATURAL_NEUTRAL = _heart(160, -9, -3.5)  # the unknown voice of voices-natural.toml: between the two pools
NATURAL_ANY = tuple(v for pair in itertools.zip_longest(NATURAL_MALE, NATURAL_FEMALE) for v in pair if v)
# Automatic voices by `[auto] voices`, then by gender ("f", "m", None for unknown).
POOLS: dict[str, dict[str | None, tuple[Voice, ...]]] = {
    "espeak": {"f": AUTO_FEMALE, "m": AUTO_MALE, None: AUTO_ANY},
    "natural": {"f": NATURAL_FEMALE, "m": NATURAL_MALE, None: NATURAL_ANY},
}


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
    auto: str = "espeak"  # which automatic voices characters without an entry get: a key of POOLS


def load_cast(path: Path | None, known_voices: set[str] | None = None, variants: set[str] | None = None) -> Cast:
    """Read and validate voices.toml; None or a missing default file gives the built-in cast."""
    if path is None:
        return Cast(DEFAULT_NARRATOR, DEFAULT_NARRATOR, {}, {}, Pauses())
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory; give the path of a voices.toml file")
    data, raw = read_toml(path, "create it or pass --voices with an existing file",
                          "fix the line (strings need quotes)")
    return parse_cast(data, path, raw, known_voices, variants)


def read_toml(path: Path, missing_hint: str, syntax_hint: str) -> tuple[dict, str]:
    """Parse a TOML file; ConfigError names the file (and line) and what to do."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: no such file; {missing_hint}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text; re-save it as UTF-8") from e
    try:
        return tomllib.loads(raw), raw
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        where = f"{path}:{m.group(1)}" if m else str(path)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise ConfigError(f"{where}: TOML syntax error: {msg}; {syntax_hint}") from e


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
    chars = data.get("characters", {})
    check.table(chars, "characters")
    for name, table in chars.items():
        where = f"characters.{name}"
        check.table(table, where)
        if "voice" not in table and table.get("engine", narrator.engine) == "espeak":
            raise ConfigError(f'{check.at(where)}: [{where}] has no "voice"; add e.g. voice = "en-us+f2"')
        characters[name] = check.voice(table, where, narrator)
        al = table.get("aliases", [])
        if not isinstance(al, list) or not all(isinstance(a, str) for a in al):
            raise ConfigError(f'{check.at(where, "aliases")}: aliases must be a list of names, e.g. ["Lizzy"]')
        aliases[name] = list(al)
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
    check.keys(auto, {"voices"}, "auto")
    pools = auto.get("voices", "espeak")
    if pools not in POOLS:
        raise ConfigError(f'{check.at("auto", "voices")}: auto.voices = {pools!r} is not known; '
                          f'use one of: {", ".join(repr(p) for p in POOLS)}')
    return Cast(narrator, unknown, characters, aliases, pauses, dict(pron), dict(book), path, pools)


class _Checker:
    def __init__(self, path: Path, raw: str, known: set[str] | None, variants: set[str] | None) -> None:
        self.path, self.lines = path, raw.splitlines()
        self.known, self.variants = known, variants

    def at(self, table: str, key: str | None = None) -> str:
        """`voices.toml:12` for a table's header, or for a key inside it."""
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(
            rf"(?:{re.escape(p)}|\"{re.escape(p)}\"|'{re.escape(p)}')" for p in table.split(".", 1)) + r"\s*\]")
        start = next((i for i, ln in enumerate(self.lines) if header.match(ln)), None) if table else -1
        if start is None:
            return str(self.path)
        if key is None:
            return f"{self.path}:{start + 1}"
        key_re = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        for i in range(start + 1, len(self.lines)):
            if re.match(r"^\s*\[", self.lines[i]):
                break
            if key_re.match(self.lines[i]):
                return f"{self.path}:{i + 1}"
        return f"{self.path}:{start + 1}" if start >= 0 else str(self.path)

    def table(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise ConfigError(f"{self.at(where)}: {where} must be a table like [{where}]")

    def keys(self, table: dict, allowed: set[str], where: str) -> None:
        for k in table:
            if k not in allowed and not (where == "" and isinstance(table[k], dict) and k in allowed):
                name = f"{where}.{k}" if where else k
                hint = difflib.get_close_matches(k, sorted(allowed), 1)
                did = f'did you mean "{hint[0]}"? ' if hint else ""
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
        allowed = COMMON_KEYS | set(own) | ({"aliases"} if where.startswith("characters.") else set())
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
    auto: bool  # the voice was chosen automatically: voices.toml has no entry


def assign_voices(cast: Cast, speakers: dict[str, tuple[int, int, str | None]]) -> dict[str, Role]:
    """Give every speaker a voice: voices.toml's, or a distinct automatic one (by gender)."""
    roles: dict[str, Role] = {}
    used = {_voice_signature(cast.narrator), _voice_signature(cast.unknown)}
    used |= {_voice_signature(v) for v in cast.characters.values()}
    order = sorted(speakers, key=lambda n: (-speakers[n][0], n))
    pools = auto_pools(cast.auto)
    for name in order:
        lines, words, gender = speakers[name]
        if name in cast.characters:
            roles[name] = Role(name, lines, words, cast.characters[name], False)
            continue
        pool = pools.get(gender, pools[None])
        voice = next((v for v in pool if _voice_signature(v) not in used), None)
        if voice is None:  # more characters than distinct voices: vary the pitch
            base = pool[len(roles) % len(pool)]
            if engines.REGISTRY[base.engine].neural:  # semitones: a small step keeps the voice natural
                step = 0.75 * (1 + len(roles) // len(pool)) * (-1) ** len(roles)
                voice = replace(base, pitch=base.pitch + step, rate=base.rate + 5)
            else:
                voice = Voice(base.id, base.rate, (base.pitch + 13 * (len(roles) + 1)) % 90 + 5)
        used.add(_voice_signature(voice))
        roles[name] = Role(name, lines, words, voice, True)
    return roles


def _voice_signature(v: Voice) -> tuple:
    if v.engine in engines.REGISTRY and engines.REGISTRY[v.engine].neural:  # pitch in semitones
        return (v.engine, v.id.lower(), v.model, round(v.pitch), round(v.option("formant")))
    return (v.engine, v.id.lower(), v.model, v.pitch // 5)


_warned: set[str] = set()


def auto_pools(name: str) -> dict[str | None, tuple[Voice, ...]]:
    """The automatic voices by gender for `[auto] voices = NAME`; eSpeak NG's when their engines are missing."""
    pools = POOLS[name]
    problems = sorted({p for pool in pools.values() for v in pool if (p := engines.REGISTRY[v.engine].missing())})
    if problems:
        if name not in _warned:
            log.warning("[auto] voices = %r needs %s; characters without a voice get eSpeak NG voices instead",
                        name, problems[0])
            _warned.add(name)
        return POOLS["espeak"]
    return pools


def make_lines(segments: Iterable[Segment], cast: Cast, roles: dict[str, Role], first_in_chapter: bool = True) -> Iterator[Line]:
    """Segments -> sentences to speak, each with its voice and the pause before it."""
    previous: Segment | None = None
    prev_voice: Voice | None = None
    first = first_in_chapter
    pron = _pronouncer(cast.pronunciations)
    for seg in segments:
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
            elif continues:
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
            first = False
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


# How assembly.master_clip levels a clip; a change there re-renders every clip (v2: peaks limited, not the gain).
MASTERING = "v2"


def clip_key(text: str, voice: Voice) -> str:
    """Content address of a clip: the text, every voice setting, the engine, its version and model, the mastering."""
    version, digest = engines.engine(voice.engine).cache_tag(voice)
    h = hashlib.sha256(f"mastering-{MASTERING}\0".encode())
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
