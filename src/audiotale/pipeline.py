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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import attribution, autocast, cache, casting, chapters, corrections, loading, segments, synthesis
from .casting import Cast, Role
from .datatypes import Book, Chapter, Kind, Line, Reason, Segment

if TYPE_CHECKING:
    import numpy as np

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
    audio_seconds: float = 0.0  # of the book, in chapters finished so far (cached ones included)
    stage: str = "synthesizing"  # then "joining"
    work_total: float = 0.0  # estimated CPU seconds of the whole render's synthesis and encoding
    work_done: float = 0.0  # of it, done so far: the ETA is elapsed * (total - done) / done


@dataclass
class RenderResult:
    output: Path
    duration_ms: int
    chapters: list[tuple[str, int]]  # (title, start ms)
    clips_synthesized: int
    chapters_encoded: int
    extras: list[Path] = field(default_factory=list)


# CPU seconds per character of text, measured on Pride and Prejudice (bench/bench.py), for the ETA:
# synthesizing a clip (by engine), and stitching and encoding a chapter (by format). Only their
# ratios matter: the ETA scales the time so far by the share of this work still to do.
SYNTH_COST = {"espeak": 1.0e-4, "piper": 2.0e-3}
ENCODE_COST = {"mp3": 1.3e-4, "m4b": 2.5e-4}
FRESH_BUDGET = 32 * 2**20  # bytes of new clips' samples kept in memory for their chapter


@dataclass
class _Plan:
    """One chapter of the render: its lines, its cache key, and the clips it still waits for."""

    chapter: Chapter
    lines: list[Line]
    key: str
    waiting: int = 0
    chars: int = 0
    todo: bool = True


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
    """Render one book to `out_dir/<stem>.mp3`; finished clips and chapters are reused from the cache.

    Clips are synthesized in `jobs` worker processes, in reading order; each chapter is stitched and
    encoded (in `jobs` threads: LAME in this process for MP3, an ffmpeg for AAC) as soon as its last
    clip is in, so encoding overlaps synthesis. The book is then written from the chapter streams.
    Nothing here grows faster than the book: clips map to the chapters waiting for them, chapter
    lengths come from each chapter's JSON. A KeyboardInterrupt stops workers and encoders at once;
    everything finished stays in the cache for the next render.
    """
    from . import assembly, export  # the audio stack loads only when rendering

    options = options or export.OutputOptions()
    bitrate, sample_rate = export.QUALITIES[options.quality]
    jobs = jobs or os.cpu_count() or 1
    cache_dir = cache_dir or default_cache_dir()
    script = read_script(path, cast, fixes, read_skipped)
    roles = roles_for(script, cast)
    by_chapter: dict[int, list[Segment]] = {}
    for s in script.segments:
        by_chapter.setdefault(s.chapter, []).append(s)
    formats = {options.format} | ({"mp3"} if options.split else set())
    suffixes = {fmt: export.FORMATS[fmt] for fmt in formats}
    wanted = _select_chapters(script.chapters, options.chapters, path)
    plans: list[_Plan] = []
    for ch in script.chapters:
        if ch.number not in wanted:
            continue
        lines = list(casting.make_lines(by_chapter.get(ch.number, []), cast, roles))
        key = _chapter_key(lines, cast, ch, len(script.chapters), repr(assembly.MASTERING))
        if options.quality != "standard":  # another bitrate and rate: another chapter file
            key = hashlib.sha256(f"{key}/{options.quality}".encode()).hexdigest()[:32]
        plans.append(_Plan(ch, lines, key, chars=sum(len(line.text) for line in lines)))
    chapter_dir = cache_dir / "chapters"
    chapter_dir.mkdir(parents=True, exist_ok=True)
    clip_dirs = (cache_dir / "clips").glob("??")
    cache.remove_partials([Path(out_dir), chapter_dir, *clip_dirs])  # left by a killed render

    def stream(plan: _Plan, fmt: str) -> Path:
        return chapter_dir / f"{plan.key}{suffixes[fmt]}"

    def done(plan: _Plan) -> bool:
        return (chapter_dir / f"{plan.key}.json").exists() and all(stream(plan, f).exists() for f in formats)

    for plan in plans:
        plan.todo = not done(plan)
    todo = [plan for plan in plans if plan.todo]
    state = Progress(chapters_total=len(plans), chapters_done=len(plans) - len(todo))
    encoded: dict[int, export.EncodedChapter] = {}  # chapter number -> its stream in the book's format
    for plan in plans:
        if not plan.todo:
            encoded[plan.chapter.number] = _encoded(chapter_dir, plan, stream(plan, options.format))
    state.audio_seconds = sum(c.samples / c.sample_rate for c in encoded.values())
    missing: dict[str, Line] = {}
    needing: dict[str, list[_Plan]] = {}  # clip key -> the chapters to encode that wait for it
    for plan in todo:
        waits = set()
        for line in plan.lines:
            if line.key not in waits and (line.key in missing or not synthesis.clip_path(cache_dir, line.key).exists()):
                missing.setdefault(line.key, line)
                waits.add(line.key)
                needing.setdefault(line.key, []).append(plan)
        plan.waiting = len(waits)
    state.clips_total = len(missing)
    synthesis.require_engines({line.voice.engine for line in missing.values()})  # before the first status line
    encode_cost = sum(ENCODE_COST.get(f, ENCODE_COST["m4b"]) for f in formats)
    state.work_total = sum(_synth_cost(line) for line in missing.values()) + \
        sum(plan.chars for plan in todo) * encode_cost
    cancel = threading.Event()
    lock = threading.Lock()
    # Samples of new clips, handed back by the workers, kept until their chapter is stitched (up to
    # a budget; past it a clip is decoded from the cache like any other).
    fresh: dict[Path, np.ndarray] = {}
    room = [FRESH_BUDGET]

    def keep(key: str, pcm: np.ndarray) -> None:
        with lock:
            if pcm.nbytes <= room[0]:
                fresh[synthesis.clip_path(cache_dir, key)] = pcm
                room[0] -= pcm.nbytes

    def report(st: Progress) -> None:
        if progress is not None and not cancel.is_set():  # after Ctrl-C, nothing more on screen
            progress(st)

    report(state)

    def encode(plan: _Plan) -> None:
        ch = plan.chapter
        last = ch.number == script.chapters[-1].number
        head = assembly.HEAD if ch.number == script.chapters[0].number else 0
        tail = max(cast.pauses.chapter, assembly.TAIL_MIN) if last else cast.pauses.chapter
        items = [(line.pause_before, synthesis.clip_path(cache_dir, line.key)) for line in plan.lines]
        placed_box: list = []
        needed = sorted(f for f in formats if not stream(plan, f).exists()) or sorted(formats)
        for fmt in needed:  # each format is mastered for its encoder
            level, limit = assembly.MASTERING[fmt]

            def write(pipe, level: float = level, limit: float = limit) -> None:  # runs while it encodes
                placed_box.append(assembly.stitch(items, pipe, head=head, tail=tail, level=level, limit=limit,
                                                  decoded=fresh))

            rate = bitrate if fmt == "mp3" else export.AAC_BITRATES[options.quality]
            export.encode_chapter(write, stream(plan, fmt), rate, sample_rate, cancel)
        n, placed = placed_box[0]
        cues = [[p.start * 1000 // assembly.RATE, p.end * 1000 // assembly.RATE, line.segment.index]
                for p, line in zip(placed, plan.lines)]
        info = _read_json(chapter_dir / f"{plan.key}.json").get("streams", {})
        for fmt in needed:  # stream lengths, so joining never has to scan the streams again
            c = export.probe(ch.title, stream(plan, fmt))
            info[suffixes[fmt]] = [c.frames, c.samples_per_frame, c.sample_rate, c.first_header.hex()]
        _atomic_write(chapter_dir / f"{plan.key}.json", json.dumps({"frames": n, "streams": info, "cues": cues}))
        book_stream = _encoded(chapter_dir, plan, stream(plan, options.format))
        with lock:
            for _pause, clip in items:
                pcm = fresh.pop(clip, None)
                room[0] += pcm.nbytes if pcm is not None else 0
            encoded[ch.number] = book_stream
            state.chapters_done += 1
            state.audio_seconds += book_stream.samples / book_stream.sample_rate
            state.work_done += plan.chars * encode_cost
            report(state)

    encoders = ThreadPoolExecutor(max_workers=jobs)
    futures: list[Future[None]] = []
    try:
        for plan in todo:  # chapters with nothing to synthesize can encode right away
            if not plan.waiting:
                futures.append(encoders.submit(encode, plan))
        if missing:
            newlines = [i for i, c in enumerate(script.book.text) if c == "\n"]

            def where(line: Line) -> str:
                number = bisect.bisect_left(newlines, line.segment.start) + 1
                return f"{path}:{number} (chapter {line.segment.chapter})"

            for clip_key, seconds in synthesis.render_all(synthesis.jobs_for(missing.values(), where), cache_dir,
                                                          jobs, on_pcm=keep):
                with lock:
                    state.clips_done += 1
                    state.work_done += _synth_cost(missing[clip_key])
                    report(state)
                for plan in needing.get(clip_key, []):
                    plan.waiting -= 1
                    if plan.waiting == 0:
                        futures.append(encoders.submit(encode, plan))
            for plan in todo:  # clips another render finished meanwhile
                if plan.waiting > 0:
                    futures.append(encoders.submit(encode, plan))
        for f in futures:
            f.result()
    except BaseException:
        cancel.set()  # encoders stop at their next write; queued chapters never start
        encoders.shutdown(wait=True, cancel_futures=True)
        raise
    encoders.shutdown()
    state.stage = "joining"
    report(state)
    book = [encoded[plan.chapter.number] for plan in plans]
    title = options.title or cast.book.get("title") or script.book.title
    author = options.author or cast.book.get("author") or script.book.author
    stem = Path(path).stem + (f".ch{_ranges(sorted(wanted))}" if options.chapters else "")
    out = Path(out_dir) / f"{stem}.{options.format}"
    tags = export.Tags(title, author, title, script.book.cover)
    starts = export.join_book(book, tags, out, options.format)
    duration = sum(c.samples for c in book) * 1000 // (book[0].sample_rate if book else assembly.RATE)
    extras: list[Path] = []
    if options.split:
        mp3s = [_encoded(chapter_dir, plan, stream(plan, "mp3")) for plan in plans]
        extras += export.split_book(mp3s, tags, Path(out_dir) / stem)
    if options.subtitles:
        sub = out.with_suffix(f".{options.subtitles}")
        delay = export.ENCODER_DELAY[options.format] * 1000 // sample_rate
        export.write_subtitles(_subtitle_cues(script, plans, starts, chapter_dir, delay), sub, options.subtitles)
        extras.append(sub)
    used = {synthesis.clip_path(cache_dir, line.key) for plan in plans for line in plan.lines}
    used |= {stream(plan, f) for plan in plans for f in formats} | {chapter_dir / f"{p.key}.json" for p in plans}
    cache.touch(used)
    cache.prune(cache_dir, cache.max_bytes() if cache_max is None else cache_max, keep=used)
    # Again at the end: a killed render's workers may have still been dying when this one began.
    cache.remove_partials([Path(out_dir), chapter_dir, *(cache_dir / "clips").glob("??")])
    return RenderResult(out, duration, [(c.title, s) for c, s in zip(book, starts)], state.clips_done,
                        len(todo), extras)


def _synth_cost(line: Line) -> float:
    return len(line.text) * SYNTH_COST.get(line.voice.engine, SYNTH_COST["piper"])


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _encoded(chapter_dir: Path, plan: _Plan, stream: Path) -> export.EncodedChapter:
    """A cached chapter stream's length, from its JSON (else by scanning the stream)."""
    from . import export

    known = _read_json(chapter_dir / f"{plan.key}.json").get("streams", {}).get(stream.suffix)
    if known:
        frames, spf, rate, header = known
        return export.EncodedChapter(plan.chapter.title, stream, frames, spf, rate, bytes.fromhex(header))
    return export.probe(plan.chapter.title, stream)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def parse_chapters(spec: str) -> tuple[int, ...]:
    """`1`, `3-5`, `1,3-5` -> the chapter numbers; ValueError for anything else."""
    numbers: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(spec)
        lo, hi = int(first), int(last) if dash else int(first)
        if lo < 1 or hi < lo:
            raise ValueError(spec)
        numbers.update(range(lo, hi + 1))
    return tuple(sorted(numbers))


def _select_chapters(chs: list[Chapter], wanted: tuple[int, ...] | None, path: Path) -> set[int]:
    numbers = {ch.number for ch in chs}
    if wanted is None:
        return numbers
    unknown = sorted(set(wanted) - numbers)
    if unknown:
        from .errors import InputError

        raise InputError(f"{path}: has {len(chs)} chapter(s); there is no chapter {_ranges(unknown)}; "
                         f"give --chapters within 1-{len(chs)}")
    return set(wanted)


def _ranges(numbers: list[int]) -> str:
    """[1, 3, 4, 5] -> "1,3-5"."""
    parts: list[str] = []
    for n in numbers:
        if parts and n == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ",".join(parts)


def _subtitle_cues(script: Script, plans: list[_Plan], starts: list[int], chapter_dir: Path,
                   delay: int) -> Iterator[export.SubtitleCue]:
    """One cue per segment: its clips' span in its chapter, moved to where the chapter starts (+ `delay` ms)."""
    from . import export

    by_key = {(s.chapter, s.index): s for s in script.segments}
    for plan, offset in zip(plans, starts):
        ch, key = plan.chapter, plan.key
        spans: dict[int, list[int]] = {}
        for start, end, index in json.loads((chapter_dir / f"{key}.json").read_text())["cues"]:
            span = spans.setdefault(index, [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
        for index, (start, end) in sorted(spans.items(), key=lambda kv: kv[1][0]):
            seg = by_key.get((ch.number, index))
            if seg is not None:
                text = segments.spoken_text(seg.text) if seg.kind is Kind.DIALOGUE else seg.text
                who = seg.speaker if seg.kind is Kind.DIALOGUE else "Narrator"
                yield export.SubtitleCue(offset + delay + start, offset + delay + end, text, who)


def _chapter_key(lines: list[Line], cast: Cast, ch: Chapter, total: int, mastering: str) -> str:
    h = hashlib.sha256()
    h.update(f"{ch.number}/{total}/{cast.pauses.chapter}/{mastering}/v4".encode())  # v4: clips levelled, not capped
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
