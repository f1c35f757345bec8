"""Stage 5, third engine: hibari (neural, 7.9 MB ONNX voices, ~130x real time per core) behind the protocol.

Optional: `pip install 'audiotale[neural]'` brings hibari-tts and its voice "heart" (American English,
female), inside the wheel. hibari's other voices (fenrir, emma, fable, kore) are 7.9 MB files that hibari
itself downloads on first use; audiotale never downloads anything: a voice can be used once its file is
in hibari's cache folder ($HIBARI_HOME, else ~/.cache/hibari), and `audiotale voices` says which are.

Pitch and formant variants are made inside hibari's vocoder: the model predicts, per 12.5 ms frame, a
pitch curve and spectral envelopes that hibari.dsp turns into a waveform. Scaling the pitch curve and
warping the envelopes along the frequency axis before that step moves pitch and formants for a few
percent of the synthesis time, without the artefacts of shifting a finished waveform.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import json
import logging
import multiprocessing
import os
import wave
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..datatypes import Voice
from ..errors import ConfigError, EngineError
from .base import NEURAL_INSTALL, Listing, dist_version, installed

log = logging.getLogger(__name__)

BUNDLED = "heart"
# "heart" at hibari's speed 1.0 (its teacher's pace) is as fast as eSpeak NG at 175 wpm (measured on the
# demo's lines, pauses trimmed), so `rate` means the same pace in every engine.
NATURAL_WPM = 175
SPEEDS = (0.5, 2.0)  # what hibari's model takes
RATE = 22050  # Hz written: what the rest of audiotale works at (hibari synthesizes 24 kHz)
VARIANTS = "pitch-formant-v1/poly"  # the variant and resampling methods below: part of every clip key, bump it when they change
KEYS: dict[str, tuple[float, float] | None] = {"voice": None, "pitch": (-12.0, 12.0), "formant": (-6.0, 6.0)}


def _package_dir() -> Path | None:
    """hibari's package folder, found without importing it (importing it loads numpy)."""
    try:
        spec = importlib.util.find_spec("hibari")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, Any]]:
    """hibari's voices (assets/voices.json): name -> language, gender, file, bytes, sha256, ...; {} if not installed."""
    package = _package_dir()
    if package is None:
        return {}
    try:
        return json.loads((package / "assets" / "voices.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def voice_file(name: str) -> Path:
    """Where a voice's model file is (or would be, once downloaded)."""
    entry = registry()[name]
    if entry.get("bundled"):
        return Path(_package_dir() or ".") / "assets" / entry["file"]
    from hibari.voices import cache_dir  # hibari's own rule: $HIBARI_HOME, else the user cache folder

    return Path(cache_dir()) / entry["file"]


def not_installed(name: str) -> str:
    """How to get a hibari voice that is known but whose file is missing."""
    entry = registry()[name]
    return (f'the hibari voice "{name}" is not downloaded; on a machine with internet run '
            f'`hibari "Hello." --voice {name} -o /tmp/hello.wav` once, or copy {entry["file"]} '
            f"({entry['bytes'] / 1e6:.1f} MB, from the hibari model page) to {voice_file(name)}")


@lru_cache(maxsize=None)
def model_digest(name: str) -> str:
    """A short hash of a voice's model file, computed once per process (part of the clip key)."""
    try:
        path = voice_file(name)
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except (KeyError, OSError, ImportError):
        return "missing"
    return h.hexdigest()[:16]


def speed_for(voice: Voice) -> float:
    """hibari's speed for a rate in words per minute (1.0 at NATURAL_WPM)."""
    return round(voice.rate / NATURAL_WPM, 3)


class HibariSynthesizer:
    """hibari voices, each loaded once per process on first use; one onnxruntime thread per worker."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import hibari  # noqa: F401
            from hibari import dsp
        except ImportError as e:
            raise EngineError(f"the hibari engine is not installed; {NEURAL_INSTALL}") from e
        self._dsp = dsp
        # In a pool worker the workers already use every core: more threads each would only oversubscribe.
        self._threads = threads or (1 if multiprocessing.parent_process() is not None else (os.cpu_count() or 1))
        self._voices: dict[str, Any] = {}

    def _tts(self, name: str) -> Any:
        if name not in self._voices:
            from hibari import Hibari

            if name not in registry():
                raise ConfigError(f'unknown hibari voice "{name}"; run `audiotale voices`')
            path = voice_file(name)
            if not path.is_file():
                raise ConfigError(not_installed(name))
            tts = Hibari(voice=name, model=str(path), threads=self._threads)
            tts.sess = _session(path, self._threads)
            self._voices[name] = tts
            log.debug("loaded hibari voice %s (pid %d)", path, os.getpid())
        return self._voices[name]

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        import numpy as np

        tts = self._tts(voice.id)
        # The noise component is seeded by the text: the same line renders to the same clip every time.
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little"))
        speed = np.asarray([min(max(speed_for(voice), SPEEDS[0]), SPEEDS[1])], np.float32)
        pitch, formant = 2.0 ** (voice.pitch / 12), 2.0 ** (voice.option("formant") / 12)
        parts = []
        for phonemes in tts.phonemize(text):
            ids = tts.ids(phonemes)
            if len(ids) < 3:
                continue
            lh, theta, ln, lr, phi, f0 = (o[0] for o in tts.sess.run(None, {"ids": np.asarray([ids], np.int64),
                                                                             "speed": speed}))
            if formant != 1.0:
                lh, theta, ln, lr, phi = _warp((lh, theta, ln, lr, phi), formant)
            parts.append(self._dsp.synth(lh, theta, ln, lr, phi, f0 * pitch, rng))
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        audio = _to_rate(_trimmed(audio) * voice.volume, self._dsp.SR)
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes((np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())


def _to_rate(audio: Any, source: int) -> Any:
    """hibari's 24 kHz to RATE by a polyphase filter (scipy, which the neural extra brings): about twice as
    fast as one FFT per clip, which stays the fallback."""
    from math import gcd

    try:
        from scipy.signal import resample_poly
    except ImportError:
        from .variants import resample

        return resample(audio, source, RATE)
    g = gcd(source, RATE)
    return resample_poly(audio, RATE // g, source // g).astype("float32")


def _session(path: Path, threads: int) -> Any:
    """hibari's ONNX session as hibari makes it, but without onnxruntime's memory arena, which keeps the
    peak of the longest line for good: 120 MB more per worker on Pride and Prejudice, for 1-2% of speed."""
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = threads
    opts.log_severity_level = 3
    opts.enable_cpu_mem_arena = False
    return onnxruntime.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _trimmed(audio: Any, rate: int = 24000, floor_db: float = -60.0, keep_ms: int = 50) -> Any:
    """The audio without the silence hibari pads each sentence with, but `keep_ms` of it at each end.

    Mastering trims silence again (more closely); cut here in numpy it no longer crawls through
    hundreds of milliseconds of it in 5 ms steps.
    """
    import numpy as np

    block = rate // 200  # 5 ms
    n = len(audio) // block
    if n == 0:
        return audio
    power = (audio[: n * block].reshape(n, block) ** 2).mean(1)
    loud = np.nonzero(power > 10 ** (floor_db / 10))[0]
    if not len(loud):
        return audio
    keep = keep_ms * rate // 1000
    return audio[max(0, loud[0] * block - keep) : min(len(audio), (loud[-1] + 1) * block + keep)]


# Envelopes beyond the model's top bin after a downward warp: silence (log magnitude) or zero phase.
_FILL = (-20.0, 0.0, -20.0, -20.0, 0.0)


def _warp(parts: tuple[Any, ...], factor: float) -> tuple[Any, ...]:
    """Move each [bins, frames] spectral part up the frequency axis by `factor` (formants x factor)."""
    import numpy as np

    bins = parts[0].shape[0]
    source = np.arange(bins, dtype=np.float32) / factor
    low = np.minimum(np.floor(source).astype(np.int64), bins - 1)
    high = np.minimum(low + 1, bins - 1)
    frac = (source - low)[:, None].astype(np.float32)
    beyond = source > bins - 1
    nearest = np.minimum(np.rint(source).astype(np.int64), bins - 1)
    out = []
    for i, (part, fill) in enumerate(zip(parts, _FILL)):
        if i == 4:  # the free phase: interpolating angles would mix unrelated phases
            warped = part[nearest]
        else:
            warped = part[low] * (1 - frac) + part[high] * frac
        warped[beyond] = fill
        out.append(np.ascontiguousarray(warped, dtype=np.float32))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------

class HibariEngine:
    """hibari (hibari-tts): natural English voices from 7.9 MB models; needs the neural extra."""

    name = "hibari"
    neural = True
    keys = KEYS
    default = Voice(BUNDLED, rate=NATURAL_WPM, pitch=0, engine="hibari")

    def synthesizer(self) -> HibariSynthesizer:
        return HibariSynthesizer()

    def missing(self) -> str | None:
        return None if installed("hibari") else f"the hibari engine is not installed; {NEURAL_INSTALL}"

    def check(self, voice: Voice) -> str | None:
        known = registry()
        if known and voice.id not in known:
            close = difflib.get_close_matches(voice.id, sorted(known), 1, 0.6)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            return f'unknown hibari voice "{voice.id}"; {hint}choose one of: {", ".join(known)}'
        lo, hi = (round(s * NATURAL_WPM) for s in SPEEDS)
        if not lo <= voice.rate <= hi:
            return f"rate = {voice.rate} is out of range for hibari; use a number from {lo} to {hi}"
        return None

    def cache_tag(self, voice: Voice) -> tuple[str, str]:
        return f"hibari-tts-{dist_version('hibari-tts')}/{VARIANTS}", model_digest(voice.id)

    def catalogue(self, voices_toml: Path | None) -> tuple[str, list[Listing]]:
        heading = 'hibari voices (engine = "hibari", voice = "NAME"; pitch and formant in semitones):'
        listings = []
        for name, entry in registry().items():
            language = entry.get("language", "?")
            details = f"{language:<14} {entry.get('gender', '?')}, {entry.get('accent', '?')}"
            path = voice_file(name)
            if path.is_file():
                where = "in the package" if entry.get("bundled") else str(path)
                listings.append(Listing(name, details, True, where, language))
            else:
                listings.append(Listing(name, details, False, f"not downloaded ({entry['bytes'] / 1e6:.1f} MB): "
                                        f'hibari "Hi." --voice {name} -o /tmp/hi.wav', language))
        return heading, listings


ENGINE = HibariEngine()
