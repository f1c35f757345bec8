"""Stage 7: chapter audio -> one tagged MP3 with ID3 chapter markers.

Each chapter is encoded on its own (chapters encode in parallel, and an unchanged chapter is
reused from the cache); the chapter streams are then joined without re-encoding, and the
chapter markers are placed at the exact frame where each chapter's stream starts.
"""

from __future__ import annotations

import contextlib
import os
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


@dataclass(frozen=True, slots=True)
class EncodedChapter:
    title: str
    mp3: Path
    frames: int  # MP3 frames of audio (each 1152 samples at RATE for MPEG-1, 576 for MPEG-2)
    samples_per_frame: int

    @property
    def duration_ms(self) -> int:
        return self.frames * self.samples_per_frame * 1000 // RATE


def encode_chapter(write_pcm: Callable[[BinaryIO], object], mp3: Path, bitrate: str = BITRATE) -> None:
    """Pipe the PCM that `write_pcm` writes through ffmpeg into `mp3` (atomically)."""
    tmp = mp3.with_name(f".{mp3.name}.{os.getpid()}.part")
    cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "s16le", "-ar", str(RATE),
           "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", bitrate, "-compression_level", "7",
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
    data = mp3.read_bytes()
    bitrates = {
        (1, 3): [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        (2, 3): [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    }
    rates = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}
    pos = frames = 0
    spf = 1152
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
    return frames, spf


@dataclass(frozen=True, slots=True)
class Tags:
    title: str
    artist: str | None = None  # the author
    album: str | None = None
    cover: bytes | None = None


def join_book(chapters: Sequence[EncodedChapter], tags: Tags, out: Path) -> list[int]:
    """Join chapter streams into `out` with tags and ordered CHAP/CTOC frames. Returns chapter starts (ms)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    starts: list[int] = []
    pos = 0  # samples
    meta = [";FFMETADATA1", f"title={_esc(tags.title)}", f"album={_esc(tags.album or tags.title)}"]
    artist = tags.artist or "Unknown author"
    meta += [f"artist={_esc(artist)}", f"album_artist={_esc(artist)}"]
    meta.append("genre=Audiobook")
    for ch in chapters:
        samples = ch.frames * ch.samples_per_frame
        start_ms, end_ms = pos * 1000 // RATE, (pos + samples) * 1000 // RATE
        meta += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start_ms}", f"END={end_ms}", f"title={_esc(ch.title)}"]
        starts.append(start_ms)
        pos += samples
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    with tempfile.TemporaryDirectory(prefix="audiotale-") as work:
        listing = Path(work) / "chapters.txt"
        listing.write_text("".join(f"file '{_concat_path(c.mp3)}'\n" for c in chapters), encoding="utf-8")
        metafile = Path(work) / "meta.txt"
        metafile.write_text("\n".join(meta) + "\n", encoding="utf-8")
        cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
               "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(metafile)]
        maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        if tags.cover:
            cover = Path(work) / ("cover.png" if tags.cover[:4] == b"\x89PNG" else "cover.jpg")
            cover.write_bytes(tags.cover)
            cmd += ["-i", str(cover)]
            maps += ["-map", "2:v", "-c:v", "copy", "-disposition:v", "attached_pic",
                     "-metadata:s:v", "title=Cover", "-metadata:s:v", "comment=Cover (front)"]
        cmd += maps + ["-c:a", "copy", "-id3v2_version", "3", "-write_xing", "1", "-f", "mp3", str(tmp)]
        result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise RenderError(f"{out}: ffmpeg could not write the book: {result.stderr.strip()[:300]}")
    os.replace(tmp, out)
    return starts


def _esc(value: str) -> str:
    for c in "\\=;#\n":
        value = value.replace(c, "\\" + c)
    return value


def _concat_path(p: Path) -> str:
    return str(p.resolve()).replace("'", "'\\''")
