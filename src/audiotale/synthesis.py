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

from .datatypes import Line, Voice
from .engines import ENGINES, REGISTRY, Synthesizer, get_engine, require
from .errors import ConfigError, EngineError, RenderError

log = logging.getLogger(__name__)

__all__ = ["ENGINES", "Job", "Synthesizer", "clip_path", "get_engine", "jobs_for", "render_all", "render_job"]


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
    # Before any worker starts: an engine that is not installed is one line with the install command.
    require({e for e in {j.voice.engine for j in pending} if e not in ENGINES or ENGINES[e] == REGISTRY[e].synthesizer})
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
