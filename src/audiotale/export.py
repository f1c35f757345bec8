"""Stage 7: chapter audio -> one tagged MP3 with ID3 chapter markers.

Each chapter is encoded on its own (chapters encode in parallel, and an unchanged chapter is
reused from the cache); the chapter streams are then joined without re-encoding, and the
chapter markers are placed at the exact frame where each chapter's stream starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import ffmpeg
from .assembly import RATE
from .errors import RenderError

BITRATE = "64k"
QUALITIES = {"standard": ("64k", RATE), "acx": ("192k", 44100)}  # (constant bitrate, sample rate)
# Samples of LAME's encoder delay that are heard before each chapter's first sound (measured by
# decoding with ffmpeg: the MP3 decoder drops 529 of LAME's 1105; the M4B's AAC keeps the MP3 timing
# of all 1105). Subtitle cues are moved by this much.
ENCODER_DELAY = {"mp3": 576, "m4b": 1105}


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """What `render` writes besides the chaptered MP3."""

    format: str = "mp3"  # "mp3" or "m4b"
    split: bool = False  # also one MP3 per chapter
    subtitles: str | None = None  # "vtt", "srt" or None
    quality: str = "standard"  # a key of QUALITIES
    title: str | None = None  # None: voices.toml [book], else the book's own
    author: str | None = None


@dataclass(frozen=True, slots=True)
class EncodedChapter:
    title: str
    mp3: Path
    frames: int  # MP3 frames of audio (each 1152 samples for MPEG-1, 576 for MPEG-2)
    samples_per_frame: int
    sample_rate: int = RATE

    @property
    def duration_ms(self) -> int:
        return self.frames * self.samples_per_frame * 1000 // self.sample_rate


def encode_chapter(write_pcm: Callable[[BinaryIO], object], mp3: Path, bitrate: str = BITRATE,
                   sample_rate: int = RATE) -> None:
    """Pipe the PCM that `write_pcm` writes through ffmpeg into `mp3` (atomically)."""
    tmp = mp3.with_name(f".{mp3.name}.{os.getpid()}.part")
    cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "s16le", "-ar", str(RATE),
           "-ac", "1", "-i", "pipe:0", "-ar", str(sample_rate), "-c:a", "libmp3lame", "-b:a", bitrate, "-compression_level", "7",
           "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", str(tmp)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        write_pcm(proc.stdin)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise RenderError(f"{mp3}: ffmpeg could not encode the chapter: {err.strip()[:300]}")
    os.replace(tmp, mp3)


def count_frames(mp3: Path) -> tuple[int, int]:
    """(audio frames, samples per frame) of a bare MP3 stream (no ID3, no Xing header)."""
    frames, spf, _rate = probe_mp3(mp3)
    return frames, spf


def probe_mp3(mp3: Path) -> tuple[int, int, int]:
    """(audio frames, samples per frame, sample rate) of a bare MP3 stream."""
    data = mp3.read_bytes()
    bitrates = {
        (1, 3): [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        (2, 3): [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    }
    rates = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}
    pos = frames = 0
    spf, rate = 1152, RATE
    while pos + 4 <= len(data):
        b1, b2 = data[pos + 1], data[pos + 2]
        if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
            pos += 1
            continue
        version = (b1 >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        layer = (b1 >> 1) & 3
        bi, ri, pad = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
        if layer != 1 or version == 1 or bi in (0, 15) or ri == 3:
            pos += 1
            continue
        kbps = bitrates[(1 if version == 3 else 2, 3)][bi]
        rate = rates[version][ri]
        spf = 1152 if version == 3 else 576
        size = (spf // 8) * kbps * 1000 // rate + pad
        frames += 1
        pos += size
    return frames, spf, rate


@dataclass(frozen=True, slots=True)
class Tags:
    title: str
    artist: str | None = None  # the author
    album: str | None = None
    cover: bytes | None = None
    track: str | None = None  # "3/12"


def _ffmetadata(chapters: Sequence[EncodedChapter], tags: Tags) -> tuple[list[str], list[int]]:
    """ffmpeg's metadata file (tags and chapters) and each chapter's start in ms."""
    meta = [";FFMETADATA1", f"title={_esc(tags.title)}", f"album={_esc(tags.album or tags.title)}"]
    artist = tags.artist or "Unknown author"
    meta += [f"artist={_esc(artist)}", f"album_artist={_esc(artist)}", "genre=Audiobook"]
    if tags.track:
        meta.append(f"track={_esc(tags.track)}")
    starts: list[int] = []
    pos_ms = 0.0
    for ch in chapters:
        samples = ch.frames * ch.samples_per_frame
        start_ms = round(pos_ms)
        pos_ms += samples * 1000 / ch.sample_rate
        meta += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start_ms}", f"END={round(pos_ms)}", f"title={_esc(ch.title)}"]
        starts.append(start_ms)
    return meta, starts


def _cover_args(tags: Tags, work: Path, index: int) -> tuple[list[str], list[str]]:
    if not tags.cover:
        return [], []
    cover = work / ("cover.png" if tags.cover[:4] == b"\x89PNG" else "cover.jpg")
    cover.write_bytes(tags.cover)
    return ["-i", str(cover)], ["-map", f"{index}:v", "-c:v", "copy", "-disposition:v", "attached_pic",
                                "-metadata:s:v", "title=Cover", "-metadata:s:v", "comment=Cover (front)"]


def join_book(chapters: Sequence[EncodedChapter], tags: Tags, out: Path, fmt: str = "mp3") -> list[int]:
    """Join chapter streams into `out` with tags, cover and ordered chapters. Returns chapter starts (ms).

    `mp3`: streams are joined without re-encoding, ID3 CHAP/CTOC frames and APIC cover.
    `m4b`: AAC in MP4 with chapters, iTunes tags and cover (the audio is re-encoded).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    meta, starts = _ffmetadata(chapters, tags)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    with tempfile.TemporaryDirectory(prefix="audiotale-") as work_dir:
        work = Path(work_dir)
        listing = work / "chapters.txt"
        listing.write_text("".join(f"file '{_concat_path(c.mp3)}'\n" for c in chapters), encoding="utf-8")
        metafile = work / "meta.txt"
        metafile.write_text("\n".join(meta) + "\n", encoding="utf-8")
        cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
               "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(metafile)]
        maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        inputs, cover_maps = _cover_args(tags, work, 2)
        cmd += inputs
        maps += cover_maps
        if fmt == "m4b":
            bitrate = "128k" if chapters and chapters[0].sample_rate > RATE else "64k"
            cmd += maps + ["-c:a", "aac", "-b:a", bitrate, "-movflags", "+faststart", "-f", "ipod", str(tmp)]
        else:
            cmd += maps + ["-c:a", "copy", "-id3v2_version", "3", "-write_xing", "1", "-f", "mp3", str(tmp)]
        result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise RenderError(f"{out}: ffmpeg could not write the book: {result.stderr.strip()[:300]}")
    os.replace(tmp, out)
    return starts


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


@dataclass(frozen=True, slots=True)
class SubtitleCue:
    start: int  # ms from the start of the book
    end: int
    text: str
    speaker: str | None


def write_subtitles(cues: Sequence[SubtitleCue], out: Path, fmt: str) -> None:
    """WebVTT (with `<v Speaker>` voice tags) or SubRip, one cue per segment."""
    lines = ["WEBVTT", ""] if fmt == "vtt" else []
    for n, cue in enumerate(cues, 1):
        text = " ".join(cue.text.split())
        if fmt == "vtt":
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if cue.speaker:
                text = f"<v {cue.speaker.replace('>', '')}>{text}"
            lines += [f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}", text, ""]
        else:
            who = f"{cue.speaker}: " if cue.speaker else ""
            lines += [str(n), f"{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}", who + text, ""]
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, out)


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(max(0, ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _esc(value: str) -> str:
    for c in "\\=;#\n":
        value = value.replace(c, "\\" + c)
    return value


def _concat_path(p: Path) -> str:
    return str(p.resolve()).replace("'", "'\\''")
