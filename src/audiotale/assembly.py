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
    import audioop  # audioop-lts on Python 3.13+, as pydub needs

    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

from . import ffmpeg

AudioSegment.converter = ffmpeg.exe()

RATE = 22050  # Hz, mono, 16-bit: what eSpeak NG writes; other engines are resampled to it
TARGET_RMS = -20.0  # dBFS per clip, so every voice sounds equally loud
# dBFS over a whole chapter, pauses included: the pauses pull it ~2.5 dB below the clips' level,
# so each chapter gets one more gain to land on this (issue #4: the book measured -22.6 dBFS).
CHAPTER_RMS = -19.5  # the MP3 encoder's low-pass takes about 0.5 dB back
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
    # Peaky speech (eSpeak NG, Piper) would pass the ceiling at the target level: its peaks are limited
    # rather than the whole clip turned down, so every engine's lines come out equally loud (issue #12:
    # capping the gain left eSpeak NG and Piper lines 2.5 dB under hibari's).
    gain = 10 ** ((TARGET_RMS - seg.dBFS) / 20)
    seg = AudioSegment(data=_limit(seg.raw_data, gain), sample_width=2, frame_rate=RATE, channels=1)
    seg = seg.fade_in(FADE).fade_out(FADE)
    seg.export(str(out), format="wav")
    return "", len(seg) / 1000


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one clip landed in a chapter, in frames from the chapter's start."""

    start: int
    end: int


def stitch(items: Iterable[tuple[int, Path]], out: BinaryIO, head: int = 0, tail: int = 0,
           level: float | None = CHAPTER_RMS) -> tuple[int, list[Placed]]:
    """Write each (pause ms, clip) to `out` as raw PCM: pause, then the clip's frames.

    With `level`, one gain brings the whole chapter (pauses included) to that RMS in dBFS, and a
    limiter with smooth gain ramps keeps peaks under LIMIT (no clipping, no clicks).
    Returns the chapter's length in frames and where each clip starts and ends.
    """
    items = list(items)
    gains = _chapter_gains(items, head, tail, level) if level is not None else [1.0] * len(items)
    written = 0
    placed: list[Placed] = []
    written += _silence(out, head)
    for (pause, wav_path), gain in zip(items, gains):
        written += _silence(out, pause)
        frames, n = _read_clip(wav_path)
        out.write(frames if gain == 1.0 else _limit(frames, gain))
        placed.append(Placed(written, written + n))
        written += n
    written += _silence(out, tail)
    return written, placed


def _read_clip(wav_path: Path) -> tuple[bytes, int]:
    with wave.open(str(wav_path), "rb") as w:
        if w.getframerate() != RATE or w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{wav_path}: not {RATE} Hz 16-bit mono")
        n = w.getnframes()
        return w.readframes(n), n


def _chapter_gains(items: list[tuple[int, Path]], head: int, tail: int, level: float) -> list[float]:
    """Per-clip linear gains: the one gain that brings the chapter, pauses included, to `level`."""
    energy = 0.0  # sum of squares
    total = RATE * head // 1000 + RATE * tail // 1000
    for pause, wav_path in items:
        frames, n = _read_clip(wav_path)
        total += RATE * pause // 1000 + n
        energy += float(audioop.rms(frames, 2)) ** 2 * n if n else 0.0
    if not total or not energy:
        return [1.0] * len(items)
    want = (32768 * 10 ** (level / 20)) ** 2 * total
    gain = min(8.0, math.sqrt(want / energy))  # at most +18 dB
    for _ in range(3):  # the limiter takes some level back from peaky speech: measure it, correct
        limited = 0.0
        for _pause, wav_path in items:
            frames, n = _read_clip(wav_path)
            limited += float(audioop.rms(_limit(frames, gain), 2)) ** 2 * n if n else 0.0
        if not limited or abs(10 * math.log10(want / limited)) < 0.1:
            break
        gain = min(8.0, gain * math.sqrt(want / limited))
    return [gain] * len(items)


LIMIT = -3.5  # dBFS: the limiter's ceiling, under PEAK because MP3/AAC encoding overshoots a little
_BLOCK = RATE // 200  # 5 ms


def _limit(frames: bytes, gain: float) -> bytes:
    """Apply `gain`, turning it down around peaks that would pass LIMIT (10 ms look-ahead, 1 ms ramps)."""
    ceiling = 32767 * 10 ** (LIMIT / 20)
    size = 2 * _BLOCK
    peaks = [audioop.max(frames[i : i + size], 2) * gain for i in range(0, len(frames), size)]
    if not peaks or max(peaks) <= ceiling:
        return audioop.mul(frames, 2, gain)
    want = [min(1.0, ceiling / p) if p else 1.0 for p in peaks]
    smooth = [min(want[max(0, i - 2) : i + 3]) for i in range(len(want))]
    out: list[bytes] = []
    sub = 2 * (_BLOCK // 5)
    for b, r in enumerate(smooth):
        nxt = smooth[b + 1] if b + 1 < len(smooth) else r
        chunk = frames[b * size : (b + 1) * size]
        for k in range(0, len(chunk), sub):
            out.append(audioop.mul(chunk[k : k + sub], 2, gain * (r + (nxt - r) * k / size)))
    return b"".join(out)


_ZEROS = b"\0\0" * RATE


def _silence(out: BinaryIO, ms: int) -> int:
    frames = RATE * ms // 1000
    left = frames
    while left > 0:
        n = min(left, RATE)
        out.write(_ZEROS[: 2 * n])
        left -= n
    return frames
