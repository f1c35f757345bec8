"""Speaking pitch measured from audio (YIN), and the spans of a rendered book's lines from its subtitles.

Shared by the tests and eval/natural_voices.py. Needs numpy (installed with the neural extra).
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np

from audiotale import ffmpeg

RATE = 16000  # Hz: plenty for pitch up to 450 Hz, and a third of the work of 22050


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """Any audio file ffmpeg reads, as float32 mono samples at `rate`."""
    pcm = subprocess.run([ffmpeg.exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate),
                          "-"], capture_output=True, check=True).stdout
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768


def f0_track(x: np.ndarray, rate: int = RATE, lo: float = 60.0, hi: float = 450.0, threshold: float = 0.15) -> np.ndarray:
    """Pitch in Hz of every voiced 30 ms window (20 ms apart): YIN's first dip of the normalised difference."""
    w, tmax, tmin = int(rate * 0.03), int(rate / lo) + 1, int(rate / hi)
    n = w + tmax
    if len(x) < n:
        return np.zeros(0)
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), n)[:: int(rate * 0.02)]
    energy = np.sqrt((frames[:, :w] ** 2).mean(1))
    frames = frames[energy > 0.05 * energy.max()]  # within 26 dB of the loudest window
    size = 1 << (2 * n - 1).bit_length()
    r = np.fft.irfft(np.fft.rfft(frames, size) * np.conj(np.fft.rfft(frames[:, :w], size)), size)[:, :tmax]
    squares = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames ** 2, 1)], 1)
    d = squares[:, w : w + 1] + (squares[:, w : w + tmax] - squares[:, :tmax]) - 2 * r  # difference function
    d[:, 0] = 0
    cmnd = np.ones_like(d)
    cmnd[:, 1:] = d[:, 1:] * np.arange(1, tmax) / np.maximum(np.cumsum(d[:, 1:], 1), 1e-12)
    below = cmnd[:, tmin:] < threshold
    voiced = below.any(1)
    cmnd, rows = cmnd[voiced], np.arange(int(voiced.sum()))
    t = below[voiced].argmax(1) + tmin  # the first dip under the threshold ...
    while True:  # ... followed down to its minimum
        nxt = np.minimum(t + 1, tmax - 1)
        step = cmnd[rows, nxt] < cmnd[rows, t]
        if not step.any():
            break
        t = np.where(step, nxt, t)
    a, b, c = cmnd[rows, t - 1], cmnd[rows, t], cmnd[rows, np.minimum(t + 1, tmax - 1)]
    den = a - 2 * b + c
    shift = np.where(den > 0, 0.5 * (a - c) / np.where(den > 0, den, 1), 0.0)  # parabolic interpolation
    return rate / (t + shift)


def median_pitch(x: np.ndarray, rate: int = RATE) -> float:
    """Median pitch in Hz over the voiced windows (nan when nothing is voiced)."""
    track = f0_track(x, rate)
    return float(np.median(track)) if len(track) else math.nan


def semitones(a: float, b: float) -> float:
    """How many semitones b lies above a."""
    return 12 * math.log2(b / a)


def cue_spans(vtt: Path) -> list[tuple[float, float, str]]:
    """(start s, end s, speaker) of every cue of an audiotale VTT file."""
    spans = []
    for start, end, who in re.findall(r"(\S+) --> (\S+)\n<v ([^>]+)>", vtt.read_text(encoding="utf-8")):
        spans.append((_seconds(start), _seconds(end), who))
    return spans


def pitch_by_speaker(audio: np.ndarray, vtt: Path, rate: int = RATE) -> dict[str, float]:
    """Median pitch of each speaker's lines, measured over all of their cues together."""
    pieces: dict[str, list[np.ndarray]] = {}
    for start, end, who in cue_spans(vtt):
        pieces.setdefault(who, []).append(audio[int(start * rate) : int(end * rate)])
    tracks = {who: np.concatenate([f0_track(p, rate) for p in parts]) for who, parts in pieces.items()}
    return {who: float(np.median(t)) for who, t in tracks.items() if len(t)}


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
