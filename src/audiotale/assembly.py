"""Stage 6: clips + pauses -> one levelled chapter of PCM, streamed out.

pydub reads what an engine wrote (any rate, width, channels) and converts it; numpy trims eSpeak's
silence and fades; the clip is cached as the engine spoke it, and its level is set when a chapter
is stitched. Stitching reads
each clip once (numpy): one gain per clip brings every voice to the same loudness, one gain per
chapter brings the chapter (pauses included) to CHAPTER_RMS, and a look-ahead limiter keeps peaks
under LIMIT. Frames stream out, so memory stays bounded however long the chapter is.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

with warnings.catch_warnings():  # pydub warns about audioop's deprecation and a missing system ffmpeg
    warnings.simplefilter("ignore")
    from pydub import AudioSegment

from . import cache, ffmpeg

AudioSegment.converter = ffmpeg.exe()

RATE = cache.CLIP_RATE  # Hz, mono, 16-bit: what eSpeak NG writes; other engines are resampled to it
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
LIMIT = -3.5  # dBFS: the limiter's ceiling, under PEAK because MP3 encoding overshoots a little
# (chapter RMS, limiter ceiling) by encoder: AAC keeps the highs MP3's low-pass takes (no 0.5 dB to
# make up) and overshoots more on transients (issue #15: an M4B measured -2.2 dBFS peaks).
MASTERING = {"mp3": (CHAPTER_RMS, LIMIT), "m4b": (-20.0, -4.5)}
# Clips of a chapter kept decoded between measuring and writing it; past this a chapter is read twice.
MEMORY_BUDGET = 48 * 2**20  # bytes of samples


def master_clip(raw: Path, out: Path, text: str) -> tuple[str, float]:
    """Trim, fade and check one synthesized clip; store it in `out` (FLAC). Returns (problem or "", seconds)."""
    try:
        seg = AudioSegment.from_wav(str(raw))
    except Exception as e:  # noqa: BLE001 - a truncated or missing WAV from a crashed engine
        return f"the engine wrote no readable audio ({type(e).__name__})", 0.0
    if len(seg) == 0:
        return "the engine wrote an empty clip", 0.0
    seg = seg.set_channels(1).set_sample_width(2)  # pydub converts what other engines write
    if seg.frame_rate != RATE:
        seg = seg.set_frame_rate(RATE)
    pcm = np.frombuffer(seg.raw_data, dtype="<i2")
    start, end = _speech_span(pcm)
    if end - start < 30 * RATE // 1000 or not np.any(pcm):
        return "the clip is silent", 0.0
    pcm = pcm[start:end].copy()
    ms = len(pcm) * 1000 // RATE
    words = len(text.split())
    if words >= 3 and ms < 40 * words:  # faster than 1500 wpm: the engine lost the text
        return f"the clip is far too short ({ms} ms for {words} words)", 0.0
    _fade(pcm)
    # The level is set when the chapter is stitched (clip_gain): the cache keeps the engine's own
    # samples, which compress better than levelled ones (issue #14).
    cache.write_clip(out, pcm)
    return "", len(pcm) / RATE


_CHUNK = RATE * 5 // 1000  # 5 ms: trimming looks at the level of chunks this long


def _speech_span(pcm: np.ndarray) -> tuple[int, int]:
    """Frames from the first to the last 5 ms chunk louder than SILENCE, plus MARGIN ms each side."""
    n = len(pcm) // _CHUNK
    if not n:
        return 0, 0
    x = pcm[: n * _CHUNK].astype(np.float64).reshape(n, _CHUNK)
    loud = np.nonzero(np.sqrt((x * x).mean(axis=1)) >= 32768 * 10 ** (SILENCE / 20))[0]
    if not len(loud):
        return 0, 0
    margin = RATE * MARGIN // 1000
    return max(0, int(loud[0]) * _CHUNK - margin), min(len(pcm), (int(loud[-1]) + 1) * _CHUNK + margin)


def _fade(pcm: np.ndarray) -> None:
    """Ramp the first and last FADE ms in and out, in place: no clicks where clips meet pauses."""
    n = min(len(pcm) // 2, RATE * FADE // 1000)
    if n:
        ramp = np.arange(n) / n
        pcm[:n] = np.rint(pcm[:n] * ramp)
        pcm[-n:] = np.rint(pcm[-n:] * ramp[::-1])


def clip_gain(energy: float, frames: int, peak: float) -> float:
    """The linear gain that brings a clip (sum of squares, length, peak) to TARGET_RMS without passing PEAK."""
    if not frames or not energy or not peak:
        return 1.0
    return min(32768 * 10 ** (TARGET_RMS / 20) / math.sqrt(energy / frames), 32768 * 10 ** (PEAK / 20) / peak)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one clip landed in a chapter, in frames from the chapter's start."""

    start: int
    end: int


def stitch(items: Iterable[tuple[int, Path]], out: BinaryIO, head: int = 0, tail: int = 0,
           level: float | None = CHAPTER_RMS, limit: float = LIMIT) -> tuple[int, list[Placed]]:
    """Write each (pause ms, clip) to `out` as raw PCM: pause, then the clip's frames, levelled.

    Every clip is first brought to TARGET_RMS (clip_gain). With `level`, one more gain brings the
    whole chapter (pauses included) to that RMS in dBFS, and a limiter with smooth gain ramps keeps
    peaks under `limit` dBFS (no clipping, no clicks). Returns the chapter's length in frames and where
    each clip starts and ends.
    """
    items = list(items)
    clips = _Decoded([p for _, p in items])
    clips.measure()
    gains = [clip_gain(float(e.sum()), n, float(p.max(initial=0)))
             for e, n, p in zip(clips.energies, clips.lengths, clips.peaks)]
    limiter = _Limiter(clips.lengths, clips.peaks, clips.energies, gains, limit)
    sub_gains = limiter.gains_for(level, RATE * (sum(p for p, _ in items) + head + tail) // 1000)
    placed: list[Placed] = []
    sink = _Sink(out)
    written = sink.silence(head)
    for i, (pause, _path) in enumerate(items):
        written += sink.silence(pause)
        pcm = clips.get(i)
        sink.write(_apply(pcm, limiter.clip_slice(sub_gains, i)))
        placed.append(Placed(written, written + len(pcm)))
        written += len(pcm)
    written += sink.silence(tail)
    sink.flush()
    return written, placed


_BLOCK = RATE // 200  # 5 ms: the limiter looks at peaks per block
_SUB = _BLOCK // 5  # 1 ms: its gain changes in steps this long (a ramp over each block)
_RAMP = np.arange(5) / 5


class _Decoded:
    """The clips of one chapter, each decoded once while it fits MEMORY_BUDGET (else twice)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.kept: list[np.ndarray | None] = [None] * len(paths)
        self.lengths = [0] * len(paths)
        self.peaks: list[np.ndarray] = []  # per clip: peak of each 5 ms block, raw samples
        self.energies: list[np.ndarray] = []  # per clip: sum of squares of each 1 ms step

    def measure(self) -> None:
        """Read every clip: its length, block peaks and step energies."""
        budget = MEMORY_BUDGET
        for i, path in enumerate(self.paths):
            pcm = cache.read_clip(path)
            self.lengths[i] = len(pcm)
            n_blocks = -(-len(pcm) // _BLOCK)
            x = np.zeros(n_blocks * _BLOCK, dtype=np.float32)
            x[: len(pcm)] = pcm
            self.peaks.append(np.abs(x).reshape(n_blocks, _BLOCK).max(axis=1).astype(np.float64))
            x *= x
            self.energies.append(x.reshape(-1, _SUB).sum(axis=1, dtype=np.float64)[: -(-len(pcm) // _SUB)])
            if pcm.nbytes <= budget:
                self.kept[i] = pcm
                budget -= pcm.nbytes

    def get(self, i: int) -> np.ndarray:
        pcm = self.kept[i]
        self.kept[i] = None
        return pcm if pcm is not None else cache.read_clip(self.paths[i])


class _Limiter:
    """A chapter's clip gains, its level gain and a look-ahead limiter, computed from block statistics.

    Per clip the limiter wants min(1, LIMIT / peak) for each 5 ms block, takes the minimum over
    +-2 blocks (10 ms look-ahead), and ramps linearly from one block's value to the next in 1 ms
    steps. All of it is vectorized over the chapter: the clips' blocks sit in one array with two
    neutral blocks between clips, so no look-ahead reaches into a neighbour.
    """

    def __init__(self, lengths: list[int], peaks: list[np.ndarray], energies: list[np.ndarray],
                 gains: list[float], limit: float = LIMIT) -> None:
        self.ceiling = 32767 * 10 ** (limit / 20)
        self.frames = sum(lengths)
        pad = np.zeros(2)
        parts: list[np.ndarray] = [pad]
        for p, g in zip(peaks, gains):
            parts += [p * g, pad]
        self.padded_peaks = np.concatenate(parts)
        real = [np.zeros(2, bool)]
        for p in peaks:
            real += [np.ones(len(p), bool), np.zeros(2, bool)]
        self.real = np.concatenate(real)
        counts = [len(p) for p in peaks]
        ends = np.cumsum(counts)
        self.last = np.zeros(int(ends[-1]) if counts else 0, bool)
        self.last[ends[np.array(counts) > 0] - 1] = True
        n_subs = [len(e) for e in energies]
        self.valid = np.concatenate([np.arange(5 * c) < s for c, s in zip(counts, n_subs)]) if counts else \
            np.zeros(0, bool)
        self.clip_gains = np.repeat(np.array(gains, dtype=np.float64), n_subs) if counts else np.zeros(0)
        self.energy = (np.concatenate(energies) if energies else np.zeros(0)) * self.clip_gains ** 2
        self.offsets = np.concatenate([[0], np.cumsum(n_subs)]).astype(int)

    def _sub_multipliers(self, gain: float) -> np.ndarray:
        """Per 1 ms step: the limiter's multiplier (<= 1) at chapter gain `gain`."""
        ceiling = self.ceiling
        if not len(self.padded_peaks) or self.padded_peaks.max() * gain <= ceiling:
            return np.ones(int(self.valid.sum()))
        with np.errstate(divide="ignore"):
            want = np.minimum(1.0, ceiling / (self.padded_peaks * gain))
        w = want
        smooth = np.minimum.reduce([w[:-4], w[1:-3], w[2:-2], w[3:-1], w[4:]])  # centred on w[2:-2]
        r = smooth[self.real[2:-2]]
        nxt = np.empty_like(r)
        nxt[:-1] = r[1:]
        nxt[self.last] = r[self.last]
        steps = r[:, None] + (nxt - r)[:, None] * _RAMP
        return steps.ravel()[self.valid]

    def gains_for(self, level: float | None, pause_frames: int) -> np.ndarray:
        """Total gain per 1 ms step: clip gain x chapter gain x limiter."""
        if level is None or not len(self.energy):
            return self.clip_gains * self._sub_multipliers(1.0)
        total = pause_frames + self.frames
        energy = float(self.energy.sum())
        if not total or not energy:
            return self.clip_gains * self._sub_multipliers(1.0)
        want = (32768 * 10 ** (level / 20)) ** 2 * total
        gain = min(8.0, math.sqrt(want / energy))  # at most +18 dB
        for _ in range(3):  # the limiter takes some level back from peaky speech: measure it, correct
            m = self._sub_multipliers(gain)
            limited = gain * gain * float(np.dot(m * m, self.energy))
            if not limited or abs(10 * math.log10(want / limited)) < 0.1:
                break
            gain = min(8.0, gain * math.sqrt(want / limited))
        return self.clip_gains * gain * self._sub_multipliers(gain)

    def clip_slice(self, sub_gains: np.ndarray, i: int) -> np.ndarray:
        return sub_gains[self.offsets[i] : self.offsets[i + 1]]


def _apply(pcm: np.ndarray, steps: np.ndarray) -> bytes:
    """Multiply a clip by its per-step gains, rounded to 16 bits."""
    if not len(pcm):
        return b""
    y = pcm * np.repeat(steps, _SUB)[: len(pcm)]
    np.rint(y, out=y)
    np.clip(y, -32768, 32767, out=y)
    return y.astype("<i2").tobytes()


class _Sink:
    """Buffers small writes (a pause, a short clip) into large ones for the encoder's pipe."""

    SIZE = 1 << 20

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) >= self.SIZE:
            self.flush()

    def silence(self, ms: int) -> int:
        frames = RATE * ms // 1000
        self.write(bytes(2 * frames))
        return frames

    def flush(self) -> None:
        if self.buf:
            self.out.write(bytes(self.buf))
            self.buf.clear()
