"""Edits to a person's voices.toml that keep their comments, order and formatting (tomlkit).

`audiotale review` sets voices, merges and renames characters here; `audiotale cast --write` writes
a starting file or adds the characters it lacks. Every edit reads the file as it is on disk now (so
two editors never undo each other), is checked like any voices.toml before it is written, and is
written atomically; a file that does not parse is reported and never overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import tomlkit
from tomlkit.items import Table

from . import atomic
from .datatypes import Voice
from .errors import ConfigError

if TYPE_CHECKING:
    from .casting import Role
    from .pipeline import Script

Check = Callable[[str], None]  # raises ConfigError when the text is not a valid voices.toml
ROLES = ("narrator", "unknown")  # the tables that are not characters
HEADER = """\
# Who reads what, in which voice. `audiotale voices` lists the voices; `audiotale cast BOOK` shows
# the book's characters and the voice each gets; `audiotale review BOOK` edits this file.
"""


def checker(path: Path) -> Check:
    """What `render` checks in a voices.toml at `path`, eSpeak NG's voices included, as a Check."""
    import tomllib

    from . import casting
    from .engines import espeak

    known, variants = espeak.espeak_voice_ids(), {v.lower() for v in espeak.espeak_variants()}

    def check(text: str) -> None:
        casting.parse_cast(tomllib.loads(text), path, text, known, variants)

    return check


def voice_settings(voice: Voice) -> dict[str, object]:
    """A Voice as the keys of a voices.toml table."""
    from .engines import REGISTRY

    if voice.engine == "espeak":
        out: dict[str, object] = {"voice": voice.id, "rate": voice.rate, "pitch": voice.pitch}
    else:
        keys = REGISTRY[voice.engine].keys  # hibari names a voice, Piper a model
        out = {"engine": voice.engine, **({"voice": voice.id} if "voice" in keys else {}),
               **({"model": voice.model or ""} if "model" in keys else {}), "rate": voice.rate}
        if voice.pitch:  # semitones from the voice's own
            out["pitch"] = voice.pitch
        out.update(dict(voice.options))
    if voice.volume != 1.0:
        out["volume"] = voice.volume
    return out


def set_voice(path: Path, role: str, changes: dict[str, object], current: Voice, check: Check) -> None:
    """Change `voice`/`engine`/`model`/`rate`/`pitch` of the narrator, the unknown voice or a character.

    A role without a table gets one, starting from `current` (the voice it has now).
    """
    doc = _read(path)
    fresh: list[Table] = []  # tables this edit creates
    table = _table(doc, role, current, fresh)
    engine = changes.get("engine")
    if engine is not None:
        from .engines import REGISTRY

        if engine != "espeak" or "engine" in table:
            table["engine"] = engine
        keys = REGISTRY[str(engine)].keys if engine in REGISTRY else {}
        for key in {k for e in REGISTRY.values() for k in e.keys} - set(keys) - {"pitch"}:
            table.pop(key, None)  # the other engine's settings (model, formant, length_scale, ...)
        if engine != current.engine and "pitch" in table and "pitch" not in changes:
            table.pop("pitch")  # 0-99 to eSpeak NG, semitones to the neural engines: not the same pitch
    for key in ("voice", "model", "rate", "pitch"):
        if key in changes:
            table[key] = changes[key]
    _write(path, doc, check, fresh)


def merge(path: Path, name: str, into: str, into_voice: Voice, check: Check) -> None:
    """Make `name` an alias of `into`: its table (if any) goes, its names join `into`'s aliases."""
    if name == into:
        raise ConfigError(f'cannot merge "{name}" into itself')
    doc = _read(path)
    fresh: list[Table] = []  # tables this edit creates
    chars = doc.get("characters", {})
    gone = chars.get(name, {}) if isinstance(chars, dict) else {}
    target = _table(doc, into, into_voice, fresh)
    names = [name, *[a for a in gone.get("aliases", []) if isinstance(a, str)]] if isinstance(gone, dict) else [name]
    if name in chars:
        del chars[name]
    _add_aliases(target, names, into)
    _write(path, doc, check, fresh)


def rename(path: Path, name: str, to: str, voice: Voice, check: Check) -> None:
    """Call character `name` `to` from now on; `name` stays an alias, so the book's lines still find them."""
    to = " ".join(to.split())
    if not to or to.lower() in ROLES:
        raise ConfigError(f'"{to}" cannot name a character; choose another name')
    doc = _read(path)
    fresh: list[Table] = []  # tables this edit creates
    chars = doc.get("characters")
    if isinstance(chars, dict) and to in chars:
        raise ConfigError(f'voices.toml already has [characters."{to}"]; merge the two instead')
    if isinstance(chars, Table) and isinstance(chars.get(name), Table):
        old = chars[name]
        new = Table(old.value, old.trivia, False)  # same body, comments and place; a header for the new name
        try:
            chars.value._replace(name, to, new)  # tomlkit has no public rename that keeps the place
        except (AttributeError, TypeError):
            del chars[name]
            chars[to] = new
        target = chars[to]
    else:
        target = _table(doc, to, voice, fresh)
        if isinstance(chars, dict) and name in chars:  # an inline table or a dotted key: move its settings
            for key, value in chars[name].items():
                target[key] = value
            del chars[name]
    _add_aliases(target, [name], to)
    _write(path, doc, check, fresh)


@dataclass(frozen=True, slots=True)
class CastEntry:
    """One character as `audiotale cast --write` writes it."""

    name: str
    voice: Voice
    lines: int
    words: int
    aliases: tuple[str, ...] = ()
    gender: str | None = None  # "f", "m" or None
    auto: bool = True  # the voice was chosen automatically


def write_cast(path: Path, entries: Iterable[CastEntry], narrator: Voice, unknown: Voice, check: Check,
               silent: Iterable[str] = ()) -> tuple[list[str], int]:
    """Write a voices.toml with every entry, or add the entries an existing one lacks.

    Returns the names added and how many characters the file already had. An existing file keeps
    every byte it had; the new characters are appended after its last character.
    """
    entries = list(entries)
    existing = path.is_file()
    doc = _read(path)
    fresh: list[Table] = []  # tables this edit creates
    if not existing:
        fresh.append(_add_table(doc, "narrator", voice_settings(narrator), "the voice that reads the story"))
        fresh.append(_add_table(doc, "unknown", voice_settings(unknown), "quotes nobody could be credited with"))
    chars = doc.get("characters")
    had = len(chars) if isinstance(chars, dict) else 0
    taken = {_norm(n) for n in (chars or {})}
    for table in (chars or {}).values():
        if isinstance(table, dict):
            taken |= {_norm(a) for a in table.get("aliases", []) if isinstance(a, str)}
    added = []
    for e in entries:
        if _norm(e.name) in taken:
            continue
        settings = voice_settings(e.voice)
        if e.aliases:
            settings["aliases"] = list(e.aliases)
        gender = {"f": ", female", "m": ", male"}.get(e.gender or "", "")
        how = "automatic voice" if e.auto else "voice as cast now"
        fresh.append(_add_table(doc, ("characters", e.name), settings,
                                f"{e.lines} lines, {e.words} words{gender}; {how}"))
        taken.add(_norm(e.name))
        added.append(e.name)
    others = [n for n in silent if _norm(n) not in taken]
    if others and not existing:
        doc.add(tomlkit.nl())
        doc.add(tomlkit.comment("Also named in the book, without a line of their own: " + ", ".join(others[:40])
                                + (" ..." if len(others) > 40 else "")))
    if added or not existing:
        _write(path, doc, check, fresh)
    return added, had


def entries_for(script: Script, roles: dict[str, Role]) -> tuple[list[CastEntry], list[str]]:
    """Every speaker as `cast --write` writes them (most lines first), and the named characters who never speak."""
    entries = []
    for r in sorted(roles.values(), key=lambda r: (-r.lines, r.name)):
        char = script.characters.lookup(r.name)
        aliases = display_aliases(script.book.text, r.name, char.aliases) if char else ()
        entries.append(CastEntry(r.name, r.voice, r.lines, r.words, aliases, char.gender if char else None, r.auto))
    silent = [c.name for c in script.characters.all() if c.name not in roles]
    return entries, silent


def display_aliases(text: str, name: str, forms: Iterable[str]) -> tuple[str, ...]:
    """The other names of a character as the book spells them ("Lizzy", "Miss Eliza Bennet")."""
    own = _norm(name)
    out = []
    for form in sorted(forms):
        if form == own or not form.strip():
            continue
        words = [re.escape(w).replace("'", "['\u2019]") for w in form.split()]
        m = re.search(r"(?<!\w)" + r"\.?\s+".join(words) + r"(?!\w)", text, re.IGNORECASE)
        out.append(" ".join(m.group(0).split()) if m else form.title())
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------------------

def _norm(name: str) -> str:
    return " ".join(name.lower().replace(".", "").split())


def _read(path: Path) -> tomlkit.TOMLDocument:
    if not path.is_file():
        return tomlkit.parse(HEADER)
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8-sig"))
    except (tomlkit.exceptions.ParseError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot be edited until it is fixed ({e})") from e


def _write(path: Path, doc: tomlkit.TOMLDocument, check: Check, fresh: list[Table]) -> None:
    _blank_lines_after(doc, fresh)
    text = tomlkit.dumps(doc)
    check(text)  # never write a file that `render` would refuse
    atomic.write_text(path, text)


def _blank_lines_after(doc: tomlkit.TOMLDocument, fresh: list[Table]) -> None:
    """A blank line after each new table that something follows (tomlkit puts one before each new table)."""
    keys = [k.key for k, v in doc.body if k is not None]
    last = keys[-1] if keys else None
    chars = doc.get("characters")
    children = list(chars.values()) if isinstance(chars, dict) else []
    for table in fresh:
        # New top-level tables go last; a new character goes after the others, before what follows [characters].
        if children and children[-1] is table and last != "characters":
            table.add(tomlkit.nl())  # added last, so that the keys set before it stay above it


def _table(doc: tomlkit.TOMLDocument, role: str, current: Voice, fresh: list[Table]):
    """The table of `role` (narrator, unknown or a character), made from `current` if missing."""
    if role in ROLES:
        if role not in doc:
            fresh.append(_add_table(doc, role, voice_settings(current)))
        return doc[role]
    chars = doc.get("characters")
    if chars is None or role not in chars:
        fresh.append(_add_table(doc, ("characters", role), voice_settings(current)))
    return doc["characters"][role]


def _add_table(doc: tomlkit.TOMLDocument, where: str | tuple[str, str], settings: dict[str, object],
               comment: str = "") -> Table:
    table = tomlkit.table()
    for key, value in settings.items():
        table[key] = value
    if comment:
        table.comment(comment)
        table.trivia.comment_ws = "  "
    if isinstance(where, str):
        doc[where] = table
        return doc[where]
    parent, name = where
    if parent not in doc:
        doc[parent] = tomlkit.table(is_super_table=True)
    doc[parent][name] = table
    return doc[parent][name]


def _add_aliases(table, names: Iterable[str], owner: str) -> None:
    have = table.get("aliases")
    if not isinstance(have, list):
        have = tomlkit.array()
        table["aliases"] = have
        have = table["aliases"]
    known = {_norm(a) for a in have if isinstance(a, str)} | {_norm(owner)}
    for n in names:
        if _norm(n) not in known:
            have.append(n)
            known.add(_norm(n))
