"""Pitch and formant shifts of synthesized speech, and resampling: how one neural voice becomes several.

A neural voice is varied by `pitch` (the speaking pitch) and `formant` (the resonances, i.e. the size
of the vocal tract: up sounds smaller and younger, down larger and older), both in semitones, so
that several characters can share one model and still sound like different people. hibari does
both inside its vocoder (engines/hibari.py), for free; engines that hand back a waveform (Piper) go
through Rubber Band (pedalboard), in process: a subprocess per clip would cost more than the shift.
"""

from __future__ import annotations

from typing import Any

from ..errors import EngineError
from .base import NEURAL_INSTALL


def shift(samples: Any, rate: int, pitch: float, formant: float) -> Any:
    """Float32 mono `samples` at `rate` with pitch and formants moved, at the same rate and duration."""
    import numpy as np

    if not pitch and not formant:
        return samples
    try:
        import pedalboard
    except ImportError as e:
        raise EngineError(f"pitch and formant of a Piper voice need pedalboard; {NEURAL_INSTALL}") from e
    scale = 2.0 ** (formant / 12)
    # Rubber Band moves the pitch alone (formants preserved). The formants then move with a resampling
    # that also raises the pitch and shortens the audio by `scale`: stretch by it and shift the pitch by
    # pitch - formant first, so both land where asked and the duration is unchanged.
    out = pedalboard.time_stretch(np.ascontiguousarray(samples, dtype=np.float32), float(rate),
                                  stretch_factor=1 / scale, pitch_shift_in_semitones=pitch - formant,
                                  high_quality=True, preserve_formants=True)
    return resample(out.reshape(-1), rate * scale, rate)


def resample(samples: Any, source: float, target: int) -> Any:
    """Band-limited resampling of a short clip through one FFT (no aliasing, unlike linear interpolation)."""
    import numpy as np

    if abs(source - target) < 1e-6 or len(samples) == 0:
        return samples
    n = len(samples)
    # Both transforms get lengths with small prime factors only (fast); zero padding is harmless since clips
    # end in silence, and the ratio they imply is within 0.01% of target / source.
    size = _smooth_length(n)
    out_size = _smooth_length(int(round(size * target / source)))
    spectrum = np.fft.rfft(samples, size)
    kept = np.zeros(out_size // 2 + 1, dtype=spectrum.dtype)
    k = min(len(kept), len(spectrum))
    kept[:k] = spectrum[:k]
    out = np.fft.irfft(kept, out_size) * (out_size / size)
    return out[: max(1, int(round(n * target / source)))].astype(np.float32)


def _smooth_length(n: int) -> int:
    """The smallest length >= n with no prime factor above 7."""
    while True:
        m = n
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1
