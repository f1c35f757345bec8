"""Stage 6: list[Clip] + pauses -> one chapter of PCM, streamed out.

pydub does the clip-level work (trim eSpeak's silence, fade, level); chapters are stitched by
streaming frames, so a 10-hour book costs the memory of one clip, never a quadratic `+` loop.
"""

from __future__ import annotations

import math
import warnings
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

with warnings.catch_warnings():  # pydub warns about audioop's deprecation and a missing system ffmpeg
    warnings.simplefilter("ignore")
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

from . import ffmpeg

AudioSegment.converter = ffmpeg.exe()

RATE = 22050  # Hz, mono, 16-bit: what eSpeak NG writes; other engines are resampled to it
TARGET_RMS = -20.0  # dBFS per clip, so every voice sounds equally loud
PEAK = -3.0  # dBFS ceiling
SILENCE = -50.0  # dBFS: quieter than this is eSpeak's padding
MARGIN = 15  # ms of the original silence kept at each end
FADE = 4  # ms of fade at each end: no clicks at joins
HEAD = 750  # ms of silence before the first line of a book
TAIL_MIN = 1000  # ms of silence after the last line of a book


def master_clip(raw: Path, out: Path, text: str) -> tuple[str, float]:
    """Trim, fade and level one synthesized clip. Returns (problem or "", seconds)."""
    try:
        seg = AudioSegment.from_wav(str(raw))
    except Exception as e:  # noqa: BLE001 - a truncated or missing WAV from a crashed engine
        return f"the engine wrote no readable audio ({type(e).__name__})", 0.0
    if len(seg) == 0:
        return "the engine wrote an empty clip", 0.0
    seg = seg.set_channels(1).set_sample_width(2)
    if seg.frame_rate != RATE:
        seg = seg.set_frame_rate(RATE)
    lead = detect_leading_silence(seg, silence_threshold=SILENCE, chunk_size=5)
    trail = detect_leading_silence(seg.reverse(), silence_threshold=SILENCE, chunk_size=5)
    start, end = max(0, lead - MARGIN), min(len(seg), len(seg) - trail + MARGIN)
    if end - start < 30 or seg.max_dBFS == -math.inf:
        return "the clip is silent", 0.0
    seg = seg[start:end]
    words = len(text.split())
    if words >= 3 and len(seg) < 40 * words:  # faster than 1500 wpm: the engine lost the text
        return f"the clip is far too short ({len(seg)} ms for {words} words)", 0.0
    gain = TARGET_RMS - seg.dBFS
    gain = min(gain, PEAK - seg.max_dBFS)
    seg = seg.apply_gain(gain).fade_in(FADE).fade_out(FADE)
    seg.export(str(out), format="wav")
    return "", len(seg) / 1000


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one clip landed in a chapter, in frames from the chapter's start."""

    start: int
    end: int


def stitch(items: Iterable[tuple[int, Path]], out: BinaryIO, head: int = 0, tail: int = 0) -> tuple[int, list[Placed]]:
    """Write each (pause ms, clip) to `out` as raw PCM: pause, then the clip's frames.

    Returns the chapter's length in frames and where each clip starts and ends.
    """
    written = 0
    placed: list[Placed] = []
    written += _silence(out, head)
    for pause, wav_path in items:
        written += _silence(out, pause)
        with wave.open(str(wav_path), "rb") as w:
            if w.getframerate() != RATE or w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise ValueError(f"{wav_path}: not {RATE} Hz 16-bit mono")
            n = w.getnframes()
            out.write(w.readframes(n))
        placed.append(Placed(written, written + n))
        written += n
    written += _silence(out, tail)
    return written, placed


_ZEROS = b"\0\0" * RATE


def _silence(out: BinaryIO, ms: int) -> int:
    frames = RATE * ms // 1000
    left = frames
    while left > 0:
        n = min(left, RATE)
        out.write(_ZEROS[: 2 * n])
        left -= n
    return frames
