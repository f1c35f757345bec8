"""Stable quote ids and a person's corrections: `corrections.toml` maps quote id -> speaker.

A quote id is `<chapter>-<hash of the quote's words>` (plus `.2`, `.3` for a repeated quote in the
same chapter), so it survives edits anywhere else in the book (issue #3).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from . import atomic
from .casting import read_toml
from .datatypes import Kind, Segment
from .errors import ConfigError

log = logging.getLogger(__name__)

UNKNOWN = {"", "unknown", "?"}  # a correction that says "nobody I can name": the [unknown] voice


def quote_key(text: str) -> str:
    """The words of a quote, normalized: case, quote marks, punctuation and wrapping don't count."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'")))


def with_ids(segments: list[Segment]) -> list[Segment]:
    """Give every dialogue segment its stable id."""
    seen: Counter[tuple[int, str]] = Counter()
    out: list[Segment] = []
    for s in segments:
        if s.kind is Kind.DIALOGUE:
            digest = hashlib.sha1(quote_key(s.text).encode()).hexdigest()[:6]
            seen[(s.chapter, digest)] += 1
            n = seen[(s.chapter, digest)]
            s = replace(s, quote_id=f"{s.chapter}-{digest}" + (f".{n}" if n > 1 else ""))
        out.append(s)
    return out


def default_path(book: Path) -> Path:
    """Where corrections for `book` live unless given: `<book stem>.corrections.toml` beside it."""
    return book.with_name(book.stem + ".corrections.toml")


def load(path: Path) -> dict[str, str | None]:
    """Read a corrections file: `"quote id" = "Speaker"` lines; "" or "unknown" means nobody."""
    data, _raw = read_toml(path, "create it or drop --corrections", 'write lines like "3-a1b2c3" = "Elizabeth"')
    table = data.get("speakers", data) if isinstance(data.get("speakers"), dict) else data
    result: dict[str, str | None] = {}
    for key, value in table.items():
        if not isinstance(value, str):
            raise ConfigError(f'{path}: "{key}" must be a speaker name in quotes, e.g. "{key}" = "Elizabeth"')
        result[key] = None if value.strip().lower() in UNKNOWN else value.strip()
    return result


HEADER = """\
# Who says which quote, by quote id (`audiotale script` shows the ids). Read by `audiotale script`
# and `audiotale render`; `audiotale review` writes it. "unknown" means the [unknown] voice.
"""


def set_speaker(path: Path, quote_id: str, speaker: str | None) -> None:
    """Write one quote's speaker into a corrections file (None: "unknown"), keeping all else in it."""
    _edit(path, quote_id, "unknown" if speaker is None else speaker)


def forget(path: Path, quote_id: str) -> None:
    """Drop one quote's correction, so attribution decides again; the rest of the file stays as it is."""
    _edit(path, quote_id, None)


def _edit(path: Path, quote_id: str, value: str | None) -> None:
    import tomlkit  # round-trips the person's comments and order
    from tomlkit.items import KeyType, SingleKey

    if path.is_file():
        load(path)  # a broken file is reported, never overwritten
        doc = tomlkit.parse(path.read_text(encoding="utf-8-sig"))
    else:
        doc = tomlkit.parse(HEADER)
    speakers = doc.get("speakers")
    table = speakers if isinstance(speakers, dict) else doc
    if value is None:
        if quote_id in table:
            del table[quote_id]
    else:
        table[SingleKey(quote_id, KeyType.Basic)] = value  # quoted, as people write them: "3-41be07" = ...
    if value is None and not path.is_file():
        return
    atomic.write_text(path, tomlkit.dumps(doc))


def apply(segments: list[Segment], fixes: dict[str, str | None]) -> list[Segment]:
    """Segments with every corrected quote's speaker replaced (evidence `corrected`, confidence 1)."""
    if not fixes:
        return segments
    used: set[str] = set()
    out = []
    for s in segments:
        if s.quote_id is not None and s.quote_id in fixes:
            used.add(s.quote_id)
            s = replace(s, speaker=fixes[s.quote_id], evidence="corrected", confidence=1.0)
        out.append(s)
    for stale in sorted(set(fixes) - used):
        log.warning("correction for quote %s matches no quote (its text changed?); ignored", stale)
    return out
