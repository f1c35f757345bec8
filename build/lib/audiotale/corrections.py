"""Stable quote ids and a person's corrections: `<book>.corrections.toml` maps quote ids to speakers.

An utterance is one quote, or the fragments of a quote that its speech tag interrupts
(`"I am," said he, "your creature."`): the fragments share one id and one speaker, so correcting
the id corrects every fragment. The id is 8 hex digits hashed from the utterance's words; where the
same words are said more than once, the words just before decide (then those after, then the order). No
chapter number goes in, so an id survives edits elsewhere and changes to chapter detection.

The file (a public format: other tools, such as a review page, write it too):

    "3f9a0c1e" = "Elizabeth"              # one utterance
    "3f9a0c1e..77b01d2a" = "the Creature"  # every utterance from the first id to the second, in reading order
    "5be1d00c" = "unknown"                # "" or "unknown": the [unknown] voice

A single id wins over a range that covers it; a later range over an earlier one. Ids of the older
form `<chapter>-<hash>` keep working: each is matched to the quote it named (by its words, and its
chapter where they repeat); one that no longer names exactly one quote is reported and ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from . import atomic
from .configfile import line_of, read_toml
from .datatypes import Kind, Segment
from .errors import ConfigError

log = logging.getLogger(__name__)

UNKNOWN = {"", "unknown", "?"}  # a correction that says "nobody I can name": the [unknown] voice
CONTEXT = 8  # words before and after a repeated utterance that tell it apart
OLD_ID = re.compile(r"^(\d+)-([0-9a-f]{6})(?:\.(\d+))?$")


def quote_key(text: str) -> str:
    """The words of a quote, normalized: case, quote marks, punctuation and wrapping don't count."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'")))


def _digest(text: str, length: int = 8) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:length]


# ---------------------------------------------------------------------------------------------------------
# Utterances and their ids

_OPEN_END = re.compile(r"[,;:\u2014\u2013-]\s*[\"'\u201d\u2019]?\s*$")  # "I am," / "But—"
TAG_WORDS = 25  # at most this many words of narration interrupt one utterance


def utterances(segments: list[Segment]) -> list[list[int]]:
    """Indices of the dialogue segments, grouped by utterance, in reading order."""
    groups: list[list[int]] = []
    last: int | None = None  # index of the previous dialogue segment
    between = 0  # words of narration since it
    for i, s in enumerate(segments):
        if s.kind is not Kind.DIALOGUE:
            between += len(s.text.split()) if s.kind is Kind.NARRATION else TAG_WORDS + 1
            continue
        if last is not None and _continues(segments[last], s, between):
            groups[-1].append(i)
        else:
            groups.append([i])
        last, between = i, 0
    return groups


def _continues(before: Segment, after: Segment, between: int) -> bool:
    """`after` goes on with the sentence `before` broke off: same paragraph, a short tag between."""
    if before.paragraph != after.paragraph or between > TAG_WORDS:
        return False
    opening = re.sub(r"^[\s\"'\u201c\u2018\u201e]+", "", after.text)
    return bool(_OPEN_END.search(before.text)) or opening[:1].islower()


def with_ids(segments: list[Segment]) -> list[Segment]:
    """Give every dialogue segment the stable id of its utterance."""
    groups = utterances(segments)
    keys = [" ".join(quote_key(segments[i].text) for i in g) for g in groups]
    # Repeated words: the words before tell them apart; if those repeat too, the words after; then the order.
    for around in (lambda g: _before(segments, g[0]), lambda g: _after(segments, g[-1])):
        counts = Counter(keys)
        keys = [k if counts[k] == 1 else f"{k}|{around(g)}" for g, k in zip(groups, keys)]
    seen: Counter[str] = Counter()
    out = list(segments)
    for g, key in zip(groups, keys):
        seen[key] += 1
        qid = _digest(key) + (f".{seen[key]}" if seen[key] > 1 else "")
        for i in g:
            out[i] = replace(segments[i], quote_id=qid)
    return out


def _before(segments: list[Segment], first: int) -> str:
    """The last CONTEXT words before segment `first`, whatever their kind."""
    words: list[str] = []
    for s in reversed(segments[:first]):
        words = quote_key(s.text).split() + words
        if len(words) >= CONTEXT:
            break
    return " ".join(words[-CONTEXT:])


def _after(segments: list[Segment], last: int) -> str:
    """The first CONTEXT words after segment `last`."""
    words: list[str] = []
    for s in segments[last + 1 :]:
        words += quote_key(s.text).split()
        if len(words) >= CONTEXT:
            break
    return " ".join(words[:CONTEXT])


def old_ids(segments: list[Segment]) -> dict[str, int]:
    """The ids earlier versions gave each dialogue segment (`<chapter>-<hash>[.n]`) -> segment index."""
    seen: Counter[tuple[int, str]] = Counter()
    out: dict[str, int] = {}
    for i, s in enumerate(segments):
        if s.kind is Kind.DIALOGUE:
            digest = _digest(quote_key(s.text), 6)
            seen[(s.chapter, digest)] += 1
            n = seen[(s.chapter, digest)]
            out[f"{s.chapter}-{digest}" + (f".{n}" if n > 1 else "")] = i
    return out


# ---------------------------------------------------------------------------------------------------------
# The corrections file

def default_path(book: Path) -> Path:
    """Where corrections for `book` live unless given: `<book stem>.corrections.toml` beside it."""
    return book.with_name(book.stem + ".corrections.toml")


def load(path: Path) -> dict[str, str | None]:
    """Read a corrections file: `"id" = "Speaker"` or `"id..id" = "Speaker"`; "" or "unknown" means nobody."""
    data, raw = read_toml(path, "create it or drop --corrections", 'write lines like "3f9a0c1e" = "Elizabeth"')
    table = data["speakers"] if isinstance(data.get("speakers"), dict) else data
    result: dict[str, str | None] = {}
    for key, value in table.items():
        if not isinstance(value, str):
            line = line_of(raw, [key]) or line_of(raw, ["speakers", key])
            where = f"{path}:{line}" if line else str(path)
            raise ConfigError(f'{where}: "{key}" must be a speaker name in quotes, e.g. "{key}" = "Elizabeth"')
        result[key.strip()] = None if value.strip().lower() in UNKNOWN else value.strip()
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
        table[SingleKey(quote_id, KeyType.Basic)] = value  # quoted, as people write them: "3f9a0c1e" = ...
    if value is None and not path.is_file():
        return
    atomic.write_text(path, tomlkit.dumps(doc))


def apply(segments: list[Segment], fixes: dict[str, str | None], source: Path | None = None) -> list[Segment]:
    """Segments with every corrected utterance's speaker replaced (evidence `corrected`, confidence 1).

    Keys that name no quote are reported (with `source`'s line) and ignored.
    """
    if not fixes:
        return segments
    resolve = _Resolver(segments)
    speaker_of: dict[str, str | None] = {}
    problems: list[tuple[str, str]] = []
    ranges = [(k, v) for k, v in fixes.items() if ".." in k]
    singles = [(k, v) for k, v in fixes.items() if ".." not in k]
    for key, speaker in ranges:
        first, _, last = (part.strip() for part in key.partition(".."))
        a, why_a = resolve(first)
        b, why_b = resolve(last)
        if a is None or b is None:
            problems.append((key, f'range "{key}": "{first if a is None else last}" {why_a or why_b}'))
            continue
        if resolve.position[a] > resolve.position[b]:
            problems.append((key, f'range "{key}" ends before it starts; write the earlier id first'))
            continue
        for qid in resolve.order[resolve.position[a] : resolve.position[b] + 1]:
            speaker_of[qid] = speaker
    for key, speaker in singles:
        qid, why = resolve(key)
        if qid is None:
            problems.append((key, f'"{key}" {why}'))
            continue
        speaker_of[qid] = speaker
    if problems:
        raw = source.read_text(encoding="utf-8-sig") if source is not None and source.is_file() else ""
        for key, message in problems:
            line = line_of(raw, [key]) or line_of(raw, ["speakers", key])
            where = f"{source}:{line}" if line else str(source or "corrections")
            log.warning("%s: %s; ignored", where, message)
    return [replace(s, speaker=speaker_of[s.quote_id], evidence="corrected", confidence=1.0)
            if s.quote_id in speaker_of else s for s in segments]


class _Resolver:
    """Quote ids, new or old, -> the id of their utterance."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.order: list[str] = list(dict.fromkeys(s.quote_id for s in segments if s.quote_id))
        self.position = {qid: i for i, qid in enumerate(self.order)}
        self._old: dict[str, int] | None = None
        self._by_digest: dict[str, list[str]] = defaultdict(list)

    def __call__(self, key: str) -> tuple[str | None, str]:
        if key in self.position:
            return key, ""
        m = OLD_ID.match(key)
        if m is None:
            return None, "matches no quote (its words changed?); `audiotale script` shows the ids"
        if self._old is None:
            self._old = old_ids(self.segments)
            for old, i in self._old.items():
                self._by_digest[OLD_ID.match(old).group(2)].append(old)  # type: ignore[union-attr]
        if key in self._old:
            return self.segments[self._old[key]].quote_id, ""
        same = self._by_digest.get(m.group(2), [])
        if len(same) == 1:  # its chapter's number changed; its words are unique in the book
            return self.segments[self._old[same[0]]].quote_id, ""
        if not same:
            return None, "matches no quote (its words changed?); `audiotale script` shows the ids"
        return None, (f"an old-style id whose words occur {len(same)} times and whose chapter number changed; "
                      "replace it with the quote's id from `audiotale script`")
