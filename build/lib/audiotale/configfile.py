"""The user's TOML files (voices.toml, corrections): parsing, the line of any key, and what a wrong key meant.

tomllib gives no positions, so `line_of` finds a dotted key by reading the lines itself: table
headers, dotted keys and inline tables, quoted or bare. Good enough to point a person at a line.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path

from .errors import ConfigError

# What people write for a key by what they mean (a spelling match would send `speed` to `speaker`).
# Several targets: the first one allowed where the key was written wins.
MEANINGS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("speed", "wpm", "tempo", "pace", "words_per_minute", "rate_wpm", "speaking_rate"), ("rate",)),
    **dict.fromkeys(("lang", "language", "accent", "voice_id", "id", "variant", "espeak", "dialect"), ("voice",)),
    **dict.fromkeys(("name", "names"), ("title", "aliases")),
    **dict.fromkeys(("alias", "nickname", "nicknames", "aka", "also", "other_names"), ("aliases",)),
    **dict.fromkeys(("sex", "female", "male", "genre"), ("gender",)),
    **dict.fromkeys(("loudness", "gain", "vol", "level", "loud"), ("volume",)),
    **dict.fromkeys(("tone", "frequency", "pitch_shift", "height"), ("pitch",)),
    **dict.fromkeys(("synth", "backend", "tts", "synthesizer"), ("engine",)),
    **dict.fromkeys(("model_path", "onnx", "path", "file"), ("model",)),
    **dict.fromkeys(("length", "slowness"), ("length_scale",)),
    "speaker_id": ("speaker",),
    "speakers": ("characters", "speaker"),
    **dict.fromkeys(("character", "cast", "people", "roles", "voices", "persons"), ("characters",)),
    **dict.fromkeys(("pause", "silence", "silences", "gaps", "breaks"), ("pauses",)),
    **dict.fromkeys(("pronunciation", "pronounce", "lexicon", "dictionary", "respell", "respellings", "words"),
                    ("pronunciations",)),
    **dict.fromkeys(("narration", "reader"), ("narrator",)),
    **dict.fromkeys(("metadata", "meta", "info", "tags"), ("book",)),
    **dict.fromkeys(("automatic", "defaults"), ("auto",)),
    **dict.fromkeys(("unattributed", "nobody", "anonymous", "other"), ("unknown",)),
    **dict.fromkeys(("writer", "by", "artist", "authors"), ("author",)),
    **dict.fromkeys(("sentences", "full_stop"), ("sentence",)),
    **dict.fromkeys(("para", "paragraphs"), ("paragraph",)),
    **dict.fromkeys(("turn", "speaker", "change", "dialogue"), ("speaker_change",)),
    **dict.fromkeys(("chapters", "chapter_end"), ("chapter",)),
    **dict.fromkeys(("scene_break", "section", "break"), ("scene",)),
}


def read_toml(path: Path, missing_hint: str, syntax_hint: str) -> tuple[dict, str]:
    """Parse a TOML file; ConfigError names the file (and line) and what to do."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: no such file; {missing_hint}") from e
    except IsADirectoryError as e:
        raise ConfigError(f"{path}: is a directory; {missing_hint}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text; re-save it as UTF-8") from e
    try:
        return tomllib.loads(raw), raw
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        where = f"{path}:{m.group(1)}" if m else str(path)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise ConfigError(f"{where}: TOML syntax error: {msg}; {syntax_hint}") from e


_PART = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _parts(dotted: str) -> list[str]:
    out = []
    for m in re.finditer(_PART, dotted):
        p = m.group(0)
        out.append(p[1:-1].encode().decode("unicode_escape") if p[0] == '"' else p.strip("'"))
    return out


def line_of(raw: str, path: list[str]) -> int | None:
    """The 1-based line that defines the dotted key `path` (or the closest enclosing table), or None."""
    best, best_len = None, 0
    table: list[str] = []
    for number, line in enumerate(raw.splitlines(), 1):
        here: list[list[str]] = []
        if m := _HEADER.match(line):
            table = _parts(m.group(1))
            here.append(table)
        elif m := _KEY.match(line):
            key = table + _parts(m.group(1))
            here.append(key)
            here += [key + _parts(k.group(1)) for k in _INLINE_KEY.finditer(line[m.end():])]
        for found in here:
            if found == path:
                return number
            if len(found) > best_len and path[: len(found)] == found:
                best, best_len = number, len(found)
    return best


def suggest(key: str, allowed: set[str]) -> str | None:
    """The allowed key someone who wrote `key` most likely meant: by meaning first, then by spelling."""
    lowered = key.lower().replace("-", "_").replace(" ", "_")
    for target in MEANINGS.get(lowered, ()):
        if target in allowed:
            return target
    if lowered in allowed:
        return lowered
    close = difflib.get_close_matches(lowered, sorted(allowed), 1)
    return close[0] if close else None
