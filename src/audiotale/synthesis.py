"""Stage 5: Line -> Clip (a WAV) via a Synthesizer, in worker processes, cached by content.

eSpeak NG comes from the espeakng-loader wheel: its library is called directly through ctypes
(synchronous mode), so no system package is needed.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import signal
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .datatypes import Line, Voice
from .errors import ConfigError, EngineError, RenderError

log = logging.getLogger(__name__)


class Synthesizer(Protocol):
    def render(self, text: str, voice: Voice, wav: Path) -> None: ...


def espeak_data_path() -> Path:
    """Where the wheel's eSpeak NG voice data lives."""
    try:
        import espeakng_loader
    except ImportError as e:  # pragma: no cover - a broken install
        raise EngineError("espeakng-loader is not installed; run `make install` (or pip install -e .)") from e
    return Path(espeakng_loader.get_data_path())


_lib: ctypes.CDLL | None = None
RATE = 22050  # Hz: what eSpeak NG synthesizes

# espeak_lib.h: output modes, parameters and Synth flags
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_RATE, _VOLUME, _PITCH = 1, 2, 3
_POS_CHARACTER = 1
_CHARS_UTF8, _ENDPAUSE = 0x1, 0x1000
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def _load_espeak() -> ctypes.CDLL:
    """The wheel's libespeak-ng, initialized once per process in synchronous mode."""
    global _lib
    if _lib is not None:
        return _lib
    import espeakng_loader

    data = espeakng_loader.get_data_path()
    os.environ["ESPEAK_DATA_PATH"] = data
    try:
        lib = ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    except OSError as e:
        raise EngineError(f"cannot load eSpeak NG from the espeakng-loader wheel: {e}; reinstall it") from e
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    if lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 1000, data.encode(), 0) != RATE:
        raise EngineError("eSpeak NG failed to start; reinstall espeakng-loader (`make install`)")
    _lib = lib
    return lib


class EspeakSynthesizer:
    """eSpeak NG through its C library in synchronous mode (one process, one engine).

    pyttsx3's driver (retrieval mode, an event loop per utterance) ran at ~70x real time here;
    the library called directly runs at ~1400x with the same samples (issue #6).
    """

    def __init__(self) -> None:
        self._lib = _load_espeak()
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._collect)  # kept alive as long as the engine
        self._lib.espeak_SetSynthCallback(self._callback)
        self._current: tuple | None = None
        # pyttsx3's destructor fails noisily at interpreter exit; let it run while modules still exist.
        atexit.register(self.close)

    def close(self) -> None:
        """Release the engine."""
        self.__dict__.pop("_engine", None)

    def _collect(self, wav: ctypes.Array, samples: int, _events: int) -> int:
        if samples > 0:
            self._chunks.append(ctypes.string_at(wav, samples * 2))
        return 0  # 0: go on

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        settings = (voice.id, voice.rate, voice.pitch, voice.volume)
        if settings != self._current:
            if self._lib.espeak_SetVoiceByName(voice.id.encode()) != 0:
                raise ConfigError(f'unknown eSpeak NG voice "{voice.id}"; run `audiotale voices`')
            self._lib.espeak_SetParameter(_RATE, int(voice.rate), 0)
            self._lib.espeak_SetParameter(_PITCH, int(voice.pitch), 0)
            self._lib.espeak_SetParameter(_VOLUME, int(round(voice.volume * 100, 2)), 0)
            self._current = settings
        self._chunks.clear()
        data = text.encode("utf-8")
        if self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None):
            raise EngineError(f"eSpeak NG could not synthesize {text[:60]!r}")
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(b"".join(self._chunks))
        self._chunks.clear()


def _piper_factory() -> Synthesizer:
    from .piper import PiperSynthesizer

    return PiperSynthesizer()


ENGINES: dict[str, Callable[[], Synthesizer]] = {"espeak": EspeakSynthesizer, "piper": _piper_factory}


def get_engine(name: str) -> Callable[[], Synthesizer]:
    """The factory for a named engine; ConfigError names the known ones."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ConfigError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINES)}") from None


# ---------------------------------------------------------------------------------------------------------
# The voices an engine offers

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


# ---------------------------------------------------------------------------------------------------------
# Rendering many lines in worker processes

@dataclass(frozen=True, slots=True)
class Job:
    key: str
    text: str
    voice: Voice
    where: str  # "chapter 3, line 120" for error messages


_worker_engines: dict[str, Synthesizer] = {}
_worker_factories: dict[str, Callable[[], Synthesizer]] = {}


def _init_worker(factories: dict[str, Callable[[], Synthesizer]] | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    _worker_engines.clear()
    if factories:
        _worker_factories.update(factories)


def _engine_for(name: str) -> Synthesizer:
    if name not in _worker_engines:
        factory = _worker_factories.get(name) or get_engine(name)
        _worker_engines[name] = factory()
    return _worker_engines[name]


def render_job(job: Job, cache_dir: Path) -> tuple[str, float]:
    """Synthesize and master one clip into the cache; returns (key, seconds of audio)."""
    from . import assembly

    final = clip_path(cache_dir, job.key)
    if final.exists():
        return job.key, 0.0
    final.parent.mkdir(parents=True, exist_ok=True)
    raw = final.with_name(f".{job.key}.{os.getpid()}.raw.wav")
    tmp = final.with_name(f".{job.key}.{os.getpid()}.tmp.wav")
    problem = ""
    try:
        for _attempt in range(3):
            try:
                _engine_for(job.voice.engine).render(job.text, job.voice, raw)
            except (EngineError, ConfigError):
                raise
            except Exception as e:  # an engine crash on odd text: retry, then report
                problem = f"the engine failed ({e})"
                continue
            problem, seconds = assembly.master_clip(raw, tmp, job.text)
            if not problem:
                os.replace(tmp, final)
                return job.key, seconds
        raise RenderError(f"{job.where}: {problem} for {job.text[:60]!r}; rephrase the line or report a bug")
    finally:
        for p in (raw, tmp):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def clip_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "clips" / key[:2] / f"{key}.wav"


def render_all(jobs: Iterable[Job], cache_dir: Path, workers: int) -> Iterator[tuple[str, float]]:
    """Render jobs (skipping cached clips), yielding (key, seconds) as each finishes, in any order."""
    pending = [j for j in _unique(jobs) if not clip_path(cache_dir, j.key).exists()]
    if not pending:
        return
    if workers <= 1 or len(pending) < 4:
        _init_worker()
        for job in pending:
            yield render_job(job, cache_dir)
        return
    ctx = mp.get_context("fork")
    factories = {k: v for k, v in ENGINES.items()}
    pool = ctx.Pool(workers, initializer=_init_worker, initargs=(factories,))
    try:
        chunk = max(1, min(16, len(pending) // (workers * 8)))
        for result in pool.imap_unordered(_RenderCall(cache_dir), pending, chunksize=chunk):
            yield result
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


class _RenderCall:
    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir

    def __call__(self, job: Job) -> tuple[str, float]:
        return render_job(job, self.cache_dir)


def _unique(jobs: Iterable[Job]) -> list[Job]:
    seen: dict[str, Job] = {}
    for j in jobs:
        seen.setdefault(j.key, j)
    return list(seen.values())


def jobs_for(lines: Iterable[Line], where: Callable[[Line], str] | None = None) -> Iterator[Job]:
    """One job per line; `where` names the line's place in the book for error messages."""
    for line in lines:
        place = where(line) if where else f"chapter {line.segment.chapter}, segment {line.segment.index + 1}"
        yield Job(line.key, line.text, line.voice, place)
