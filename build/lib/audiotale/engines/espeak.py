"""eSpeak NG through pyttsx3, the default engine.

eSpeak NG comes from the espeakng-loader wheel: its library is loaded and ESPEAK_DATA_PATH set
before pyttsx3's driver is imported, so no system package is needed.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..datatypes import Voice
from ..errors import ConfigError, EngineError
from .base import Listing, dist_version, installed


def espeak_data_path() -> Path:
    """Where the wheel's eSpeak NG voice data lives."""
    try:
        import espeakng_loader
    except ImportError as e:  # pragma: no cover - a broken install
        raise EngineError("espeakng-loader is not installed; run `make install` (or pip install -e .)") from e
    return Path(espeakng_loader.get_data_path())


RATE = 22050  # Hz: what eSpeak NG synthesizes
_espeak_loaded = False


def _load_espeak() -> None:
    """Make pyttsx3 find the wheel's libespeak-ng (it loads "libespeak-ng.so.1" by name)."""
    global _espeak_loaded
    if _espeak_loaded:
        return
    import espeakng_loader

    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
    try:
        # Loaded privately: pyttsx3's dlopen("libespeak-ng.so.1") finds it by soname, and engines that
        # embed their own eSpeak (Piper's espeakbridge) keep theirs: RTLD_GLOBAL let that embedded copy
        # bind to this one's symbols, and a render mixing the two crawled (>5x slower).
        ctypes.CDLL(espeakng_loader.get_library_path())
    except OSError as e:
        raise EngineError(f"cannot load eSpeak NG from the espeakng-loader wheel: {e}; reinstall it") from e
    _espeak_loaded = True


class EspeakSynthesizer:
    """eSpeak NG through pyttsx3, with workarounds for pyttsx3 2.99's driver defects."""

    def __init__(self) -> None:
        _load_espeak()
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak
            from pyttsx3.drivers import espeak as espeak_driver
        except (ImportError, RuntimeError, OSError) as e:
            raise EngineError(f"pyttsx3 cannot load eSpeak NG ({e}); run `make install`") from e
        # The driver polls eSpeak's synthesis thread with a 10 ms sleep per turn: ~10 ms lost per
        # utterance. A 1 ms poll keeps it at ~1100x real time (issue #6); never poll without sleeping,
        # or the loop starves the synthesis thread's callbacks of the GIL.
        espeak_driver.time = _ShortSleep()
        self._sync = _espeak.Synchronize
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                self._engine = pyttsx3.init("espeak")
            except RuntimeError as e:
                raise EngineError(f"eSpeak NG failed to start: {e}") from e
            self._engine.runAndWait()  # the first runAndWait of a new engine returns early
        self._current: tuple | None = None
        # pyttsx3's destructor fails noisily at interpreter exit; let it run while modules still exist.
        atexit.register(self.close)

    def close(self) -> None:
        """Release the engine."""
        self.__dict__.pop("_engine", None)

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        settings = (voice.id, voice.rate, voice.pitch, voice.volume)
        if settings != self._current:
            try:
                self._engine.setProperty("voice", voice.id)
            except ValueError as e:
                raise ConfigError(f'unknown eSpeak NG voice "{voice.id}"; run `audiotale voices`') from e
            self._engine.setProperty("rate", voice.rate)
            self._engine.setProperty("pitch", voice.pitch)
            self._engine.setProperty("volume", voice.volume)
            self._sync()  # without it, rate/pitch changes are dropped about a quarter of the time
            self._current = settings
        with contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to ..."
            self._engine.save_to_file(text, str(wav))  # one file per runAndWait: more would keep only the last
            self._engine.runAndWait()
        if not wav.exists():
            raise EngineError(f"eSpeak NG wrote no audio for {text[:60]!r}")


class _ShortSleep:
    """Stands in for the `time` module inside pyttsx3's eSpeak driver."""

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)

    @staticmethod
    def sleep(_seconds: float) -> None:
        time.sleep(0.001)


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    id: str  # what voices.toml takes, e.g. "en-gb-x-rp"
    name: str
    language: str


def espeak_voices() -> list[VoiceInfo]:
    """eSpeak NG's voices, read from its data folder (no engine needed)."""
    root = espeak_data_path() / "lang"
    found = []
    for f in sorted(root.rglob("*")):
        if f.is_file():
            name, lang = f.name, f.name
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines()[:8]:
                if line.startswith("name "):
                    name = line[5:].strip()
                elif line.startswith("language ") and lang == f.name:
                    lang = line.split()[1]
            found.append(VoiceInfo(f.name.lower(), name, lang))
    return found


def espeak_variants() -> list[str]:
    """Variants that combine with any voice as `voice+variant` (f1-f5 female, m1-m8 male, ...)."""
    return sorted((f.name for f in (espeak_data_path() / "voices" / "!v").iterdir() if f.is_file()), key=str.lower)


def espeak_voice_ids() -> set[str]:
    ids = set()
    for v in espeak_voices():
        ids.add(v.id)
        ids.add(v.language.lower())
    return ids


# Part of every eSpeak clip's cache key: the wheel that ships libespeak-ng pins the library's version (issue #6).
VERSION = f"espeak-ng/espeakng-loader-{dist_version('espeakng-loader')}/pyttsx3-v3"


class EspeakEngine:
    """eSpeak NG, the default engine: always installed with audiotale."""

    name = "espeak"
    neural = False
    keys: dict[str, tuple[float, float] | None] = {"voice": None, "pitch": (0, 99)}
    default = Voice("en-us")

    def synthesizer(self) -> EspeakSynthesizer:
        return EspeakSynthesizer()

    def missing(self) -> str | None:
        if installed("espeakng_loader") and installed("pyttsx3"):
            return None
        return "eSpeak NG is not installed; run `make install` (or pip install -e .)"

    def check(self, voice: Voice) -> str | None:
        return None  # voice names are checked against espeak_voice_ids() when voices.toml is read

    def cache_tag(self, voice: Voice) -> tuple[str, str]:
        return VERSION, ""

    def catalogue(self, voices_toml: Path | None) -> tuple[str, list[Listing]]:
        voices = espeak_voices()
        english = [v for v in voices if v.language.startswith("en")]
        others = [v for v in voices if not v.language.startswith("en")]
        return ('eSpeak NG voices (voice = "ID"):',
                [Listing(v.id, f"{v.language:<14} {v.name}", True, language=v.language) for v in english + others])


ENGINE = EspeakEngine()
