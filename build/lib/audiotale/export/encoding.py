"""One chapter's levelled PCM -> its encoded stream: MP3 through LAME in this process, AAC through ffmpeg.

The PCM is encoded as it is written, so a chapter never sits in memory or on disk as WAV. MP3 goes
through `lameenc` (LAME's library, which lets go of the GIL while it encodes): an ffmpeg process
per chapter spent a third of its CPU time handing 576-sample frames between its threads (issue #14).
AAC is written into ffmpeg's stdin while ffmpeg encodes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .. import ffmpeg
from ..assembly import RATE
from ..errors import RenderError


class Cancelled(Exception):
    """The render was interrupted while this chapter was being encoded."""


def encode_chapter(write_pcm: Callable[[BinaryIO], object], out: Path, bitrate: str = "64k",
                   sample_rate: int = RATE, cancel: threading.Event | None = None) -> None:
    """Encode the PCM (16-bit mono at RATE) that `write_pcm` writes into `out`, atomically.

    `out` ending in .aac gets ADTS AAC, anything else an MP3 stream.
    """
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if out.suffix != ".aac":
            _lame(write_pcm, tmp, bitrate, sample_rate, cancel)
        else:
            _ffmpeg_aac(write_pcm, tmp, bitrate, sample_rate, cancel, out)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _lame(write_pcm: Callable[[BinaryIO], object], tmp: Path, bitrate: str, sample_rate: int,
          cancel: threading.Event | None) -> None:
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(int(bitrate.rstrip("k")))  # constant bitrate
    encoder.set_in_sample_rate(RATE)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(7)  # LAME -q 7: fast, as ffmpeg's -compression_level 7 was
    with open(tmp, "wb") as f:
        write_pcm(_Guarded(_LameSink(encoder, f), cancel))
        f.write(encoder.flush())


class _LameSink:
    def __init__(self, encoder: object, f: BinaryIO) -> None:
        self.encoder, self.f = encoder, f

    def write(self, pcm: bytes) -> int:
        self.f.write(self.encoder.encode(pcm))  # type: ignore[attr-defined]
        return len(pcm)


def _ffmpeg_aac(write_pcm: Callable[[BinaryIO], object], tmp: Path, bitrate: str, sample_rate: int,
                cancel: threading.Event | None, out: Path) -> None:
    # ffmpeg's AAC encoder: the "fast" coder is ~3x faster than the default two-loop search, which
    # would make an M4B cost several times an MP3 (issue #14); at 64 kbps speech it sounds the same.
    cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "s16le", "-ar", str(RATE),
           "-ac", "1", "-i", "pipe:0", "-af", "asetnsamples=n=22050:p=0", "-ar", str(sample_rate), "-c:a", "aac",
           "-aac_coder", "fast", "-b:a", bitrate, "-f", "adts", str(tmp)]
    code, err = ffmpeg.feed(cmd, lambda stdin: write_pcm(_Guarded(stdin, cancel)))
    if code != 0:
        if cancel is not None and cancel.is_set():
            raise Cancelled
        raise RenderError(f"{out}: ffmpeg could not encode the chapter: {err.strip()[:300]}")


class _Guarded:
    """A pipe that raises Cancelled on the next write once the render is interrupted."""

    def __init__(self, pipe: BinaryIO, cancel: threading.Event | None) -> None:
        self.pipe, self.cancel = pipe, cancel

    def write(self, data: bytes) -> int:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled
        return self.pipe.write(data)


def probe_adts(path: Path) -> int:
    """AAC frames (1024 samples each) in an ADTS stream."""
    data = memoryview(path.read_bytes())
    pos = frames = 0
    while pos + 7 <= len(data):
        if data[pos] != 0xFF or (data[pos + 1] & 0xF6) != 0xF0:
            pos += 1
            continue
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            pos += 1
            continue
        frames += (data[pos + 6] & 3) + 1
        pos += length
    return frames
