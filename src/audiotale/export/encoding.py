"""One chapter's levelled PCM -> its encoded streams (MP3 and/or AAC), through one ffmpeg process.

The PCM is written into ffmpeg's stdin while ffmpeg encodes, so a chapter never sits in memory
or on disk as WAV; one process can write both formats from the same PCM.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .. import ffmpeg
from ..assembly import RATE
from ..errors import RenderError


class Cancelled(Exception):
    """The render was interrupted while this chapter was being encoded."""


def _codec_args(fmt: str, bitrate: str, sample_rate: int) -> list[str]:
    if fmt == "mp3":
        return ["-ar", str(sample_rate), "-c:a", "libmp3lame", "-b:a", bitrate, "-compression_level", "7",
                "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3"]
    # ffmpeg's AAC encoder: the "fast" coder is ~3x faster than the default two-loop search, which
    # would make an M4B cost several times an MP3 (issue #14); at 64 kbps speech it sounds the same.
    return ["-ar", str(sample_rate), "-c:a", "aac", "-aac_coder", "fast", "-b:a", bitrate, "-f", "adts"]


def encode_chapter(write_pcm: Callable[[BinaryIO], object], outputs: dict[str, Path], bitrate: str,
                   sample_rate: int = RATE, aac_bitrate: str = "64k", cancel: threading.Event | None = None) -> None:
    """Pipe the PCM that `write_pcm` writes through ffmpeg into each of `outputs` ({format: path}), atomically."""
    tmps = {fmt: p.with_name(f".{p.name}.{os.getpid()}.part") for fmt, p in outputs.items()}
    cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "s16le", "-ar", str(RATE),
           "-ac", "1", "-i", "pipe:0"]
    for fmt, tmp in tmps.items():
        cmd += _codec_args(fmt, bitrate if fmt == "mp3" else aac_bitrate, sample_rate) + [str(tmp)]
    # Its own session: a Ctrl-C at the terminal reaches the render, which stops its encoders itself.
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stdin is not None

    def removed() -> None:
        for tmp in tmps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    try:
        write_pcm(_Guarded(proc.stdin, cancel))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        removed()
        raise
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        removed()
        if cancel is not None and cancel.is_set():
            raise Cancelled
        raise RenderError(f"{next(iter(outputs.values()))}: ffmpeg could not encode the chapter: {err.strip()[:300]}")
    for fmt, tmp in tmps.items():
        os.replace(tmp, outputs[fmt])


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
