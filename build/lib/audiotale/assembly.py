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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

with warnings.catch_warnings():  # pydub warns about audioop's deprecation and a missing system ffmpeg
    warnings.simplefilter("ignore")
    from pydub import AudioSegment

from . import cache, ffmpeg

AudioSegment.converter = ffmpeg.exe()


def _return_freed_memory() -> None:
    """Ask glibc to give large blocks back when freed (a fixed mmap threshold): without it, glibc
    raises the threshold after the first big free, and the chapter-sized arrays of later chapters
    stay in the heap, so a long render's memory kept growing (issue #14)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD: blocks over 1 MiB are mapped, and unmapped when freed
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_return_freed_memory()

RATE = cache.CLIP_RATE  # Hz, mono, 16-bit: what eSpeak NG writes; other engines are resampled to it
TARGET_RMS = -20.0  # dBFS per clip, so every voice sounds equally loud
# dBFS over a whole chapter, pauses included: the pauses pull it ~2.5 dB below the clips' level,
# so each chapter gets one more gain to land on this (issue #4: the book measured -22.6 dBFS).
CHAPTER_RMS = -19.5  # the MP3 encoder's low-pass takes about 0.5 dB back
PEAK = -3.0  # dBFS: the ceiling a finished file keeps (audiotale check)
MAX_CLIP_GAIN = 10 ** (30 / 20)  # a whisper of a clip is not blown up into noise
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
MEMORY_BUDGET = 16 * 2**20  # bytes of samples, per chapter being stitched


def master_clip(raw: Path, out: Path, text: str) -> tuple[str, float]:
    """Trim, fade and check one synthesized clip; store it in `out` (FLAC). Returns (problem or "", seconds)."""
    problem, pcm = master(raw, text)
    if pcm is None:
        return problem, 0.0
    cache.write_clip(out, pcm)
    return "", len(pcm) / RATE


def master(raw: Path, text: str) -> tuple[str, np.ndarray | None]:
    """Trim, fade and check one synthesized clip: (problem, None) or ("", its samples)."""
    try:
        seg = AudioSegment.from_wav(str(raw))
    except Exception as e:  # noqa: BLE001 - a truncated or missing WAV from a crashed engine
        return f"the engine wrote no readable audio ({type(e).__name__})", None
    if len(seg) == 0:
        return "the engine wrote an empty clip", None
    seg = seg.set_channels(1).set_sample_width(2)  # pydub converts what other engines write
    if seg.frame_rate != RATE:
        seg = seg.set_frame_rate(RATE)
    pcm = np.frombuffer(seg.raw_data, dtype="<i2")
    start, end = _speech_span(pcm)
    if end - start < 30 * RATE // 1000 or not np.any(pcm):
        return "the clip is silent", None
    pcm = pcm[start:end].copy()
    ms = len(pcm) * 1000 // RATE
    words = len(text.split())
    if words >= 3 and ms < 40 * words:  # faster than 1500 wpm: the engine lost the text
        return f"the clip is far too short ({ms} ms for {words} words)", None
    _fade(pcm)
    # The level is set when the chapter is stitched (clip_gain): the cache keeps the engine's own
    # samples, which compress better than levelled ones (issue #14).
    return "", pcm


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
    """The linear gain that brings a clip (sum of squares, length, peak) to TARGET_RMS, at most +30 dB.

    Peaks are not capped here: peaky speech (eSpeak NG, Piper) would then come out quieter than smooth
    speech (hibari), 2.5 dB in a mixed book. The chapter's limiter turns down what passes the ceiling.
    """
    if not frames or not energy or not peak:
        return 1.0
    return min(MAX_CLIP_GAIN, 32768 * 10 ** (TARGET_RMS / 20) / math.sqrt(energy / frames))


@dataclass(frozen=True, slots=True)
class Placed:
    """Where one clip landed in a chapter, in frames from the chapter's start."""

    start: int
    end: int


def stitch(items: Iterable[tuple[int, Path]], out: BinaryIO, head: int = 0, tail: int = 0,
           level: float | None = CHAPTER_RMS, limit: float = LIMIT,
           decoded: Mapping[Path, np.ndarray] | None = None) -> tuple[int, list[Placed]]:
    """Write each (pause ms, clip) to `out` as raw PCM: pause, then the clip's frames, levelled.

    Every clip is first brought to TARGET_RMS (clip_gain). With `level`, one more gain brings the
    whole chapter (pauses included) to that RMS in dBFS, and a limiter with smooth gain ramps keeps
    peaks under `limit` dBFS (no clipping, no clicks). Clips found in `decoded` (just synthesized)
    are not read from disk. Returns the chapter's length in frames and where each clip starts and ends.
    """
    items = list(items)
    clips = _Clips([p for _, p in items], decoded or {})
    limiter = _Limiter(clips, limit)
    gain = limiter.chapter_gain(level, RATE * (sum(p for p, _ in items) + head + tail) // 1000)
    placed: list[Placed] = []
    sink = _Sink(out)
    written = sink.silence(head)
    for i, (pause, _path) in enumerate(items):
        written += sink.silence(pause)
        pcm = clips.get(i)
        sink.write(_apply(pcm, limiter.steps(i, gain)))
        placed.append(Placed(written, written + len(pcm)))
        written += len(pcm)
    written += sink.silence(tail)
    sink.flush()
    return written, placed


_BLOCK = RATE // 200  # 5 ms: the limiter looks at peaks per block
_SUB = _BLOCK // 5  # 1 ms: its gain changes in steps this long (a ramp over each block)
_RAMP = np.arange(5) / 5  # where each step of a block sits on the ramp to the next block's gain
_MOMENTS = np.stack([np.ones(5), _RAMP, _RAMP**2], axis=1)


class _Clips:
    """The clips of one chapter, measured once: length, clip gain, block peaks and energy moments.

    Each clip is decoded once and kept for writing while the chapter's clips fit MEMORY_BUDGET;
    past it a clip is decoded again when written, so memory stays bounded for any chapter.
    """

    def __init__(self, paths: list[Path], decoded: Mapping[Path, np.ndarray]) -> None:
        self.paths = paths
        self.kept: list[np.ndarray | None] = [None] * len(paths)
        self.lengths: list[int] = []
        self.gains: list[float] = []
        peaks: list[np.ndarray] = []  # per clip: peak of each 5 ms block, levelled
        moments: list[np.ndarray] = []  # per clip and block: sum over its 1 ms steps of E, E*t, E*t^2
        budget = MEMORY_BUDGET
        for i, path in enumerate(paths):
            known = decoded.get(path)
            pcm = known if known is not None else cache.read_clip(path)
            n_blocks = -(-len(pcm) // _BLOCK)
            x = np.zeros(n_blocks * _BLOCK, dtype=np.float32)
            x[: len(pcm)] = pcm
            block_peaks = np.abs(x).reshape(n_blocks, _BLOCK).max(axis=1).astype(np.float64)
            x *= x
            energy = x.reshape(n_blocks, 5, _SUB).sum(axis=2, dtype=np.float64)  # (block, step)
            gain = clip_gain(float(energy.sum()), len(pcm), float(block_peaks.max(initial=0)))
            self.lengths.append(len(pcm))
            self.gains.append(gain)
            peaks.append(block_peaks * gain)
            moments.append(energy @ _MOMENTS * gain * gain)
            if known is not None or pcm.nbytes <= budget:
                self.kept[i] = pcm
                budget -= 0 if known is not None else pcm.nbytes
        self.peaks = peaks
        self.moments = np.concatenate(moments) if moments else np.zeros((0, 3))

    def get(self, i: int) -> np.ndarray:
        pcm = self.kept[i]
        self.kept[i] = None
        return pcm if pcm is not None else cache.read_clip(self.paths[i])


class _Limiter:
    """A chapter's level gain and its look-ahead limiter, computed from the clips' block statistics.

    Per clip the limiter wants min(1, ceiling / peak) for each 5 ms block, takes the minimum over
    +-2 blocks (10 ms look-ahead), and ramps linearly from one block's value to the next in 1 ms
    steps. It is vectorized over the chapter: the clips' blocks sit in one array with two neutral
    blocks between clips, so no look-ahead reaches into a neighbour; the energy after limiting
    comes from per-block moments, so no per-sample array of the chapter is ever built.
    """

    def __init__(self, clips: _Clips, limit: float) -> None:
        self.clips = clips
        self.ceiling = 32767 * 10 ** (limit / 20)
        counts = [len(p) for p in clips.peaks]
        pad = np.zeros(2)
        self.padded = np.concatenate([pad, *(x for p in clips.peaks for x in (p, pad))])
        self.real = np.concatenate([np.zeros(2, bool), *(x for c in counts for x in (np.ones(c, bool),
                                                                                     np.zeros(2, bool)))])
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(int)
        self.last = np.zeros(int(self.offsets[-1]), bool)
        self.last[self.offsets[1:][np.array(counts, dtype=int) > 0] - 1] = True
        self.ramps: tuple[float, np.ndarray, np.ndarray] | None = None

    def _ramps(self, gain: float) -> tuple[np.ndarray, np.ndarray]:
        """Per block of the chapter: the limiter's multiplier at its start, and at the next block's."""
        if self.ramps is not None and self.ramps[0] == gain:
            return self.ramps[1], self.ramps[2]
        n = int(self.offsets[-1])
        if not n or self.padded.max() * gain <= self.ceiling:
            r = nxt = np.ones(n)
        else:
            with np.errstate(divide="ignore"):
                w = np.minimum(1.0, self.ceiling / (self.padded * gain))
            smooth = np.minimum.reduce([w[:-4], w[1:-3], w[2:-2], w[3:-1], w[4:]])  # centred on w[2:-2]
            r = smooth[self.real[2:-2]]
            nxt = np.empty_like(r)
            nxt[:-1] = r[1:]
            nxt[self.last] = r[self.last]
        self.ramps = (gain, r, nxt)
        return r, nxt

    def chapter_gain(self, level: float | None, pause_frames: int) -> float:
        """The one gain that brings the chapter, pauses included and limited, to `level` dBFS."""
        total = pause_frames + sum(self.clips.lengths)
        energy = float(self.clips.moments[:, 0].sum())
        if level is None or not total or not energy:
            return 1.0
        want = (32768 * 10 ** (level / 20)) ** 2 * total
        gain = min(8.0, math.sqrt(want / energy))  # at most +18 dB
        for _ in range(3):  # the limiter takes some level back from peaky speech: measure it, correct
            r, nxt = self._ramps(gain)
            d = nxt - r
            a, b, c = self.clips.moments.T
            limited = gain * gain * float(np.dot(r * r, a) + np.dot(2 * r * d, b) + np.dot(d * d, c))
            if not limited or abs(10 * math.log10(want / limited)) < 0.1:
                break
            gain = min(8.0, gain * math.sqrt(want / limited))
        return gain

    def steps(self, i: int, gain: float) -> np.ndarray:
        """Clip `i`'s total gain (clip x chapter x limiter) for each of its 1 ms steps."""
        r, nxt = self._ramps(gain)
        lo, hi = self.offsets[i], self.offsets[i + 1]
        ramp = r[lo:hi, None] + (nxt[lo:hi] - r[lo:hi])[:, None] * _RAMP
        n_steps = -(-self.clips.lengths[i] // _SUB)
        return ramp.ravel()[:n_steps] * (self.clips.gains[i] * gain)


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
