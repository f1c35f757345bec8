"""Wires stages 1-7. No click, no print: progress goes to a callback, problems are raised."""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import attribution, autocast, cache, casting, chapters, corrections, loading, segments, synthesis
from .casting import Cast, Role
from .datatypes import Book, Chapter, Kind, Line, Reason, Segment

if TYPE_CHECKING:
    from . import export

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Script:
    """Stages 1-3: the book, its chapters and its attributed segments."""

    book: Book
    chapters: list[Chapter]
    segments: list[Segment]
    characters: attribution.Characters


def read_script(path: Path, cast: Cast | None = None, fixes: Path | None = None,
                read_skipped: frozenset[Reason] = frozenset()) -> Script:
    """Load, split into chapters, segment and attribute (pure text, fast), then apply corrections.

    `fixes` names a corrections file that must exist; without it, the book's own is read if present.
    Skipped parts whose reason is in `read_skipped` are read as narration (notes after their chapter).
    """
    script = attribute_script(path, cast)
    script = apply_corrections(script, fixes or corrections.default_path(Path(path)), required=fixes is not None)
    for problem in casting.unmatched(cast, script.book.text, script.characters, script.segments) if cast else []:
        log.warning("%s", problem)
    if read_skipped:
        script = replace(script, segments=segments.read_skipped(script.segments, script.chapters, read_skipped))
    return script


def attribute_script(path: Path, cast: Cast | None = None) -> Script:
    """Stages 1-3 as the program sees them, before a person's corrections."""
    book = loading.load(path)
    chs = chapters.split_chapters(book)
    known = {name: aliases for name, aliases in (cast.aliases.items() if cast else [])}
    for name in (cast.characters if cast else {}):
        known.setdefault(name, [])
    chars = attribution.discover(_spoken_text(book.text, chs), known)
    if cast:
        casting.set_genders(cast, chars)  # "said he" finds a character voices.toml calls male
    skipped: list[Segment] = []
    heard = corrections.with_ids(attribution.attribute_book(book.text, segment_book(book, chs, skipped), chars))
    return Script(book, chs, list(heapq.merge(heard, skipped, key=lambda s: s.start)), chars)


def segment_book(book: Book, chs: list[Chapter], skipped: list[Segment] | None = None
                 ) -> list[tuple[list[Segment], set[int]]]:
    """Each chapter's segments read aloud (all attribution sees), and the starts of its quotes that go on
    from the paragraph before; the skipped segments, when `skipped` is given, are added to it."""
    out = []
    paragraph = 0
    for ch in chs:
        found = segments.segment_chapter(book.text, ch, paragraph)
        if found:
            paragraph = found[-1].paragraph + 1
        if skipped is not None:
            skipped += [s for s in found if s.kind is Kind.SKIPPED]
        out.append(([s for s in found if s.kind is not Kind.SKIPPED], segments.continued_quotes(book.text, ch, 0)))
    return out


def _spoken_text(text: str, chs: list[Chapter]) -> str:
    """The text with its skipped parts blanked out (same offsets): no characters from the licence."""
    skips = [sk for ch in chs for sk in ch.skipped]
    if not skips:
        return text
    parts, pos = [], 0
    for sk in skips:
        parts += [text[pos : sk.start], " " * (sk.end - sk.start)]
        pos = sk.end
    return "".join(parts) + text[pos:]


def apply_corrections(script: Script, fixes: Path, required: bool = False) -> Script:
    """The script with the speakers of a corrections file (when it exists); names may be aliases."""
    if not fixes.is_file() and not required:
        return script
    chars = script.characters
    wanted = corrections.load(fixes)
    known_as = {k: chars.lookup(v) if v else None for k, v in wanted.items()}
    canonical = {k: (c.name if c is not None else wanted[k]) for k, c in known_as.items()}
    return replace(script, segments=corrections.apply(script.segments, canonical, fixes))


def roles_for(script: Script, cast: Cast) -> dict[str, Role]:
    """Every speaker with their line and word counts and voice."""
    lines: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for s in script.segments:
        if s.kind is Kind.DIALOGUE and s.speaker:
            lines[s.speaker] += 1
            words[s.speaker] += len(segments.spoken_text(s.text).split())
    stats = {}
    for name in lines:
        c = script.characters.lookup(name)
        stats[name] = (lines[name], words[name], c.gender if c else None)
    size = autocast.pools(cast.auto_engine).size
    placements = autocast.place_speakers(script.book.text, script.segments, stats, size)
    roles = casting.assign_voices(cast, stats, placements)
    for problem in casting.clashes(cast, roles, placements):
        log.warning("%s", problem)
    return roles


def default_cache_dir() -> Path:
    return cache.default_dir()


@dataclass
class Progress:
    """What a render has done so far; passed to the progress callback after every step."""

    clips_total: int = 0
    clips_done: int = 0
    chapters_total: int = 0
    chapters_done: int = 0
    audio_seconds: float = 0.0  # newly synthesized audio
    stage: str = "synthesizing"


@dataclass
class RenderResult:
    output: Path
    duration_ms: int
    chapters: list[tuple[str, int]]  # (title, start ms)
    clips_synthesized: int
    chapters_encoded: int
    extras: list[Path] = field(default_factory=list)


def render_book(
    path: Path,
    out_dir: Path,
    cast: Cast,
    jobs: int = 0,
    cache_dir: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    options: export.OutputOptions | None = None,
    cache_max: int | None = None,
    fixes: Path | None = None,  # a corrections file (default: the book's own, if present)
    read_skipped: frozenset[Reason] = frozenset(),  # skipped parts to read after all (notes after their chapter)
) -> RenderResult:
    """Render one book to `out_dir/<stem>.mp3`; finished clips and chapters are reused from the cache."""
    from . import assembly, export  # the audio stack loads only when rendering

    options = options or export.OutputOptions()
    bitrate, sample_rate = export.QUALITIES[options.quality]
    jobs = jobs or os.cpu_count() or 1
    cache_dir = cache_dir or default_cache_dir()
    script = read_script(path, cast, fixes, read_skipped)
    roles = roles_for(script, cast)
    report = progress or (lambda p: None)
    by_chapter: dict[int, list[Segment]] = {}
    for s in script.segments:
        by_chapter.setdefault(s.chapter, []).append(s)
    plans: list[tuple[Chapter, list[Line], str]] = []
    for ch in script.chapters:
        lines = list(casting.make_lines(by_chapter.get(ch.number, []), cast, roles))
        key = _chapter_key(lines, cast, ch, len(script.chapters))
        if options.quality != "standard":  # another bitrate and rate: another chapter file
            key = hashlib.sha256(f"{key}/{options.quality}".encode()).hexdigest()[:32]
        plans.append((ch, lines, key))
    chapter_dir = cache_dir / "chapters"
    chapter_dir.mkdir(parents=True, exist_ok=True)
    clip_dirs = (cache_dir / "clips").glob("??")
    cache.remove_partials([Path(out_dir), chapter_dir, *clip_dirs])  # left by a killed render
    todo = [(ch, lines, key) for ch, lines, key in plans if not (chapter_dir / f"{key}.mp3").exists()]
    state = Progress(chapters_total=len(plans), chapters_done=len(plans) - len(todo))
    needed = {line.key for _, lines, _ in todo for line in lines}
    missing = {k for k in needed if not synthesis.clip_path(cache_dir, k).exists()}
    state.clips_total = len(missing)
    report(state)
    waiting = {key: {line.key for line in lines} & missing for _, lines, key in todo}
    lock = threading.Lock()
    futures: list[Future[None]] = []

    def encode(ch: Chapter, lines: list[Line], key: str) -> None:
        mp3 = chapter_dir / f"{key}.mp3"
        last = ch.number == script.chapters[-1].number
        head = assembly.HEAD if ch.number == script.chapters[0].number else 0
        tail = max(cast.pauses.chapter, assembly.TAIL_MIN) if last else cast.pauses.chapter
        items = [(line.pause_before, synthesis.clip_path(cache_dir, line.key)) for line in lines]
        placed_box: list = []

        def write(pipe):  # runs while ffmpeg encodes
            n, placed = assembly.stitch(items, pipe, head=head, tail=tail)
            placed_box.append((n, placed))

        export.encode_chapter(write, mp3, bitrate, sample_rate)
        n, placed = placed_box[0]
        cues = [[p.start * 1000 // assembly.RATE, p.end * 1000 // assembly.RATE, line.segment.index]
                for p, line in zip(placed, lines)]
        (chapter_dir / f"{key}.json").write_text(json.dumps({"frames": n, "cues": cues}))
        with lock:
            state.chapters_done += 1
            report(state)

    with ThreadPoolExecutor(max_workers=jobs) as encoders:
        for ch, lines, key in todo:  # chapters with nothing to synthesize can encode right away
            if not waiting[key]:
                futures.append(encoders.submit(encode, ch, lines, key))
        pending_chapters = [(ch, lines, key) for ch, lines, key in todo if waiting[key]]
        if pending_chapters:
            newlines = [i for i, c in enumerate(script.book.text) if c == "\n"]

            def where(line: Line) -> str:
                number = bisect.bisect_left(newlines, line.segment.start) + 1
                return f"{path}:{number} (chapter {line.segment.chapter})"

            all_jobs = synthesis.jobs_for((line for _, lines, _ in pending_chapters for line in lines
                                           if line.key in missing), where)
            for clip_key, seconds in synthesis.render_all(all_jobs, cache_dir, jobs):
                with lock:
                    state.clips_done += 1
                    state.audio_seconds += seconds
                    report(state)
                for ch, lines, key in list(pending_chapters):
                    w = waiting[key]
                    w.discard(clip_key)
                    if not w:
                        pending_chapters.remove((ch, lines, key))
                        futures.append(encoders.submit(encode, ch, lines, key))
            for ch, lines, key in pending_chapters:  # every clip was already cached
                futures.append(encoders.submit(encode, ch, lines, key))
        for f in futures:
            f.result()
    state.stage = "joining"
    report(state)
    encoded = []
    for ch, _lines, key in plans:
        mp3 = chapter_dir / f"{key}.mp3"
        frames, spf, rate = export.probe_mp3(mp3)
        encoded.append(export.EncodedChapter(ch.title, mp3, frames, spf, rate))
    title = options.title or cast.book.get("title") or script.book.title
    author = options.author or cast.book.get("author") or script.book.author
    out = Path(out_dir) / f"{Path(path).stem}.{options.format}"
    tags = export.Tags(title, author, title, script.book.cover)
    starts = export.join_book(encoded, tags, out, options.format)
    duration = sum(c.duration_ms for c in encoded)
    extras: list[Path] = []
    if options.split:
        extras += export.split_book(encoded, tags, Path(out_dir) / Path(path).stem)
    if options.subtitles:
        sub = out.with_suffix(f".{options.subtitles}")
        delay = export.ENCODER_DELAY[options.format] * 1000 // sample_rate
        cues = _subtitle_cues(script, plans, starts, chapter_dir, delay)
        export.write_subtitles(cues, sub, options.subtitles)
        extras.append(sub)
    used = {synthesis.clip_path(cache_dir, line.key) for _, lines, _ in plans for line in lines}
    used |= {chapter_dir / f"{key}{ext}" for _, _, key in plans for ext in (".mp3", ".json")}
    cache.touch(used)
    cache.prune(cache_dir, cache.max_bytes() if cache_max is None else cache_max, keep=used)
    return RenderResult(out, duration, [(c.title, s) for c, s in zip(encoded, starts)], state.clips_done,
                        len(todo), extras)


def _subtitle_cues(script: Script, plans: list[tuple[Chapter, list[Line], str]], starts: list[int],
                   chapter_dir: Path, delay: int) -> list:
    """One cue per segment: its clips' span in its chapter, moved to where the chapter starts (+ `delay` ms)."""
    from . import export

    by_key = {(s.chapter, s.index): s for s in script.segments}
    cues = []
    for (ch, _lines, key), offset in zip(plans, starts):
        spans: dict[int, list[int]] = {}
        for start, end, index in json.loads((chapter_dir / f"{key}.json").read_text())["cues"]:
            span = spans.setdefault(index, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
        for index, (start, end) in sorted(spans.items(), key=lambda kv: kv[1][0]):
            seg = by_key.get((ch.number, index))
            if seg is not None:
                text = segments.spoken_text(seg.text) if seg.kind is Kind.DIALOGUE else seg.text
                who = seg.speaker if seg.kind is Kind.DIALOGUE else "Narrator"
                cues.append(export.SubtitleCue(offset + delay + start, offset + delay + end, text, who))
    return cues


def _chapter_key(lines: list[Line], cast: Cast, ch: Chapter, total: int) -> str:
    h = hashlib.sha256()
    h.update(f"{ch.number}/{total}/{cast.pauses.chapter}/v2".encode())
    for line in lines:
        h.update(f"{line.pause_before}:{line.key};".encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Outline:
    """What a book will become, before rendering: its chapters, the words read in each, what is skipped."""

    book: Book
    chapters: list[Chapter]
    words: list[int]  # spoken words of each chapter
    skipped: dict[Reason, tuple[int, int]]  # reason -> (parts, words)


def outline(path: Path) -> Outline:
    """Load, split into chapters and segment (no attribution): the chapters and what each reads aloud."""
    book = loading.load(path)
    chs = chapters.split_chapters(book)
    words: list[int] = []
    skipped: dict[Reason, tuple[int, int]] = {}
    paragraph = 0
    for ch in chs:
        found = segments.segment_chapter(book.text, ch, paragraph)
        if found:
            paragraph = found[-1].paragraph + 1
        words.append(sum(_words(segments.spoken_text(s.text)) for s in found if s.kind is not Kind.SKIPPED))
        for s in found:
            if s.kind is Kind.SKIPPED and s.reason is not None:
                parts, n = skipped.get(s.reason, (0, 0))
                skipped[s.reason] = (parts + 1, n + _words(s.text))
    return Outline(book, chs, words, skipped)


def _words(text: str) -> int:
    """Words as a listener counts them: tokens with a letter or digit ("--" and "*" are none)."""
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))
