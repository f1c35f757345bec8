"""Stage 7: encoded chapters -> one tagged MP3 (or M4B) with ordered chapter markers; split files; subtitles.

Each chapter is encoded on its own from its levelled PCM (`encoding.py`: chapters encode in
parallel, and an unchanged chapter is reused from the cache); the book is then written from the
chapter streams without re-encoding: `mp3.py` writes tags, an Info frame and the streams itself,
`m4b.py` has ffmpeg copy the AAC streams into MP4. Chapter markers sit at the exact frame where
each chapter's stream starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..assembly import RATE
from . import m4b, mp3
from .encoding import Cancelled, encode_chapter, probe_adts
from .subtitles import SubtitleCue, write_subtitles

__all__ = ["ENCODER_DELAY", "FORMATS", "QUALITIES", "Cancelled", "EncodedChapter", "OutputOptions", "SubtitleCue",
           "Tags", "encode_chapter", "join_book", "probe", "safe_name", "split_book", "write_subtitles"]

BITRATE = "64k"
QUALITIES = {"standard": ("64k", RATE), "acx": ("192k", 44100)}  # (constant bitrate, sample rate)
AAC_BITRATES = {"standard": "64k", "acx": "128k"}
FORMATS = {"mp3": ".mp3", "m4b": ".aac"}  # book format -> suffix of its cached chapter streams
# Samples of encoder delay heard before each chapter's first sound (measured by decoding with
# ffmpeg): the MP3 decoder drops 529 of LAME's 1105; ffmpeg's AAC encoder primes 1024, all heard
# (ADTS carries no delay). Subtitle cues are moved by this much.
ENCODER_DELAY = {"mp3": 576, "m4b": 1024}


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """What `render` writes besides the chaptered MP3."""

    format: str = "mp3"  # "mp3" or "m4b"
    split: bool = False  # also one MP3 per chapter
    subtitles: str | None = None  # "vtt", "srt" or None
    quality: str = "standard"  # a key of QUALITIES
    title: str | None = None  # None: voices.toml [book], else the book's own
    author: str | None = None
    chapters: tuple[int, ...] | None = None  # only these chapters (1-based), into <name>.chN.<format>


@dataclass(frozen=True, slots=True)
class EncodedChapter:
    title: str
    stream: Path  # a bare MP3 stream, or ADTS AAC
    frames: int  # frames of audio (MP3: 1152 samples for MPEG-1, 576 for MPEG-2; AAC: 1024)
    samples_per_frame: int
    sample_rate: int = RATE
    first_header: bytes = b""  # MP3: the first frame's header (for the book's Info frame)

    @property
    def samples(self) -> int:
        return self.frames * self.samples_per_frame

    @property
    def duration_ms(self) -> int:
        return self.samples * 1000 // self.sample_rate


def probe(title: str, stream: Path) -> EncodedChapter:
    """Read an encoded chapter stream's length (frames) and format."""
    if stream.suffix == ".aac":
        rate = _adts_rate(stream)
        return EncodedChapter(title, stream, probe_adts(stream), 1024, rate)
    info = mp3.probe(stream)
    return EncodedChapter(title, stream, info.frames, info.samples_per_frame, info.sample_rate or RATE,
                          info.first_header)


def _adts_rate(stream: Path) -> int:
    with open(stream, "rb") as f:
        head = f.read(7)
    rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
    return rates[(head[2] >> 2) & 0xF] if len(head) == 7 else RATE


@dataclass(frozen=True, slots=True)
class Tags:
    title: str
    artist: str | None = None  # the author
    album: str | None = None
    cover: bytes | None = None
    track: str | None = None  # "3/12"


def chapter_starts(chapters: Sequence[EncodedChapter]) -> list[tuple[int, int]]:
    """(start ms, end ms) of each chapter, from the exact sample where its stream starts."""
    spans = []
    samples = 0
    for ch in chapters:
        start = round(samples * 1000 / ch.sample_rate)
        samples += ch.samples
        spans.append((start, round(samples * 1000 / ch.sample_rate)))
    return spans


def join_book(chapters: Sequence[EncodedChapter], tags: Tags, out: Path, fmt: str = "mp3") -> list[int]:
    """Write `out` from the chapter streams with tags, cover and ordered chapters. Returns chapter starts (ms)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    spans = chapter_starts(chapters)
    artist = tags.artist or "Unknown author"
    if fmt == "m4b":
        m4b.write([c.stream for c in chapters], _ffmetadata(chapters, spans, tags, artist), tags.cover, out)
    else:
        tag = mp3.id3_tag(tags.title, artist, tags.album or tags.title,
                          [(c.title, s, e) for c, (s, e) in zip(chapters, spans)], tags.cover, tags.track)
        first = next((c.first_header for c in chapters if c.first_header), b"")
        mp3.write([c.stream for c in chapters], sum(c.frames for c in chapters), first, tag, out)
    return [s for s, _ in spans]


def _ffmetadata(chapters: Sequence[EncodedChapter], spans: list[tuple[int, int]], tags: Tags, artist: str) -> str:
    """ffmpeg's metadata file: tags and chapters."""
    meta = [";FFMETADATA1", f"title={_esc(tags.title)}", f"album={_esc(tags.album or tags.title)}",
            f"artist={_esc(artist)}", f"album_artist={_esc(artist)}", "genre=Audiobook"]
    if tags.track:
        meta.append(f"track={_esc(tags.track)}")
    for ch, (start, end) in zip(chapters, spans):
        meta += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}", f"title={_esc(ch.title)}"]
    return "\n".join(meta) + "\n"


def safe_name(title: str, limit: int = 80) -> str:
    """A chapter title as a file name on any system: no separators, controls or reserved characters."""
    name = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', " ", title)
    name = re.sub(r"\s+", " ", name).strip(" .")[:limit].strip(" .")
    return name or "Chapter"


def split_book(chapters: Sequence[EncodedChapter], tags: Tags, folder: Path) -> list[Path]:
    """One tagged MP3 per chapter in `folder`: `01 - Title.mp3`, track n/N, album = the book."""
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(chapters))))
    paths = []
    for n, ch in enumerate(chapters, 1):
        path = folder / f"{n:0{width}d} - {safe_name(ch.title)}.mp3"
        chapter_tags = Tags(ch.title, tags.artist, tags.album or tags.title, tags.cover, f"{n}/{len(chapters)}")
        join_book([ch], chapter_tags, path)
        paths.append(path)
    return paths


def _esc(value: str) -> str:
    for c in "\\=;#\n":
        value = value.replace(c, "\\" + c)
    return value
