"""Stage 5: Line -> Clip (a WAV) via a Synthesizer, in worker processes, cached by content.

The engines themselves live in the `engines` package; this module runs them in a pool of worker
processes (one engine instance per process and engine) and masters each clip into the cache.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import CLIP_SUFFIX
from .datatypes import Line, Voice
from .engines import ENGINES, REGISTRY, Synthesizer, get_engine, require
from .errors import ConfigError, EngineError, RenderError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

__all__ = ["ENGINES", "Job", "Synthesizer", "clip_path", "clip_wav", "get_engine", "jobs_for", "render_all",
           "render_job", "require_engines"]


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
    key, seconds, _pcm = _render(job, cache_dir)
    return key, seconds


def _render(job: Job, cache_dir: Path) -> tuple[str, float, np.ndarray | None]:
    """render_job, also returning the clip's samples (None when it was already cached)."""
    from . import assembly, cache

    final = clip_path(cache_dir, job.key)
    if final.exists():
        return job.key, 0.0, None
    final.parent.mkdir(parents=True, exist_ok=True)
    raw = final.with_name(f".{job.key}.{os.getpid()}.raw.wav")
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
            problem, pcm = assembly.master(raw, job.text)
            if pcm is not None:
                cache.write_clip(final, pcm)  # atomically
                return job.key, len(pcm) / assembly.RATE, pcm
        raise RenderError(f"{job.where}: {problem} for {job.text[:60]!r}; rephrase the line or report a bug")
    finally:
        with contextlib.suppress(FileNotFoundError):
            raw.unlink()


def clip_path(cache_dir: Path, key: str) -> Path:
    """Where the clip with this key is cached (FLAC: the engine's samples, trimmed, not yet levelled)."""
    return cache_dir / "clips" / key[:2] / f"{key}{CLIP_SUFFIX}"


def clip_wav(cache_dir: Path, key: str) -> bytes:
    """One cached clip as a WAV file in memory, levelled and limited as it is heard in the book (to play one line)."""
    import io
    import wave

    from . import assembly

    pcm = io.BytesIO()
    assembly.stitch([(0, clip_path(cache_dir, key))], pcm, level=None)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(assembly.RATE)
        w.writeframes(pcm.getvalue())
    return buf.getvalue()


def require_engines(names: set[str]) -> None:
    """EngineError (one line with the install command) unless every named engine can run here.

    An engine swapped in ENGINES (a test's fake) is taken as able to run.
    """
    require({e for e in names if e not in ENGINES or ENGINES[e] == REGISTRY[e].synthesizer})


def render_all(jobs: Iterable[Job], cache_dir: Path, workers: int,
               on_pcm: Callable[[str, np.ndarray], None] | None = None) -> Iterator[tuple[str, float]]:
    """Render jobs (skipping cached clips), yielding (key, seconds) as each finishes, in any order.

    With `on_pcm`, each new clip's samples come back from the worker too (cheaper than decoding the
    cached FLAC again to stitch its chapter): on_pcm(key, samples) runs before the clip is yielded.
    """
    pending = [j for j in _unique(jobs) if not clip_path(cache_dir, j.key).exists()]
    if not pending:
        return
    require_engines({j.voice.engine for j in pending})  # before any worker starts
    if workers <= 1:
        # In this process: no SIGINT change (Ctrl-C must still stop us), and never followed by a fork in the
        # same command (a pool forked after an engine started here hangs: eSpeak's threads don't survive it).
        _worker_engines.clear()  # an engine swapped in ENGINES since the last render is used
        for job in pending:
            key, seconds, pcm = _render(job, cache_dir)
            if on_pcm is not None and pcm is not None:
                on_pcm(key, pcm)
            yield key, seconds
        return
    import numpy as np

    ctx = mp.get_context("fork")
    factories = {k: v for k, v in ENGINES.items()}
    pool = ctx.Pool(min(workers, len(pending)), initializer=_init_worker, initargs=(factories,))
    try:
        # Cheap clips (eSpeak NG: milliseconds) go to the workers in chunks; a neural clip costs 50-100 ms,
        # so it goes alone: no worker sits idle at the end while the other works through a chunk of 16.
        cheap = all(job.voice.engine == "espeak" for job in pending)
        chunk = max(1, min(16, len(pending) // (workers * 8))) if cheap else 1
        for key, seconds, data in pool.imap_unordered(_RenderCall(cache_dir, on_pcm is not None), pending,
                                                      chunksize=chunk):
            if on_pcm is not None and data is not None:
                on_pcm(key, np.frombuffer(data, dtype=np.int16))
            yield key, seconds
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


class _RenderCall:
    def __init__(self, cache_dir: Path, with_pcm: bool) -> None:
        self.cache_dir, self.with_pcm = cache_dir, with_pcm

    def __call__(self, job: Job) -> tuple[str, float, bytes | None]:
        key, seconds, pcm = _render(job, self.cache_dir)
        return key, seconds, (pcm.tobytes() if self.with_pcm and pcm is not None else None)


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
