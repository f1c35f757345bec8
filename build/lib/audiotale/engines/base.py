"""The engine protocol: what every engine module (espeak.py, piper.py, hibari.py) provides."""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from ..datatypes import Voice

NEURAL_INSTALL = "pip install 'audiotale[neural]' (or `make install`)"


class Synthesizer(Protocol):
    def render(self, text: str, voice: Voice, wav: Path) -> None: ...


@dataclass(frozen=True, slots=True)
class Listing:
    """One voice as `audiotale voices` shows it."""

    name: str  # what voices.toml takes
    details: str  # language, gender, ...
    installed: bool
    where: str = ""  # its file, or how to get it
    language: str = ""  # e.g. "en-gb", "en_US"


class Engine(Protocol):
    """What casting, the clip cache and `audiotale voices` know of an engine, without loading it."""

    name: str
    neural: bool  # pitch is in semitones (0: the voice's own) and `formant` applies
    keys: dict[str, tuple[float, float] | None]  # voices.toml keys of its own: a number's range, None for a string
    default: Voice  # what `engine = NAME` alone gives

    def synthesizer(self) -> Synthesizer:
        """A new Synthesizer (one per worker process); EngineError when not installed."""
        ...

    def missing(self) -> str | None:
        """None when the engine can run, else one line saying what to install."""
        ...

    def check(self, voice: Voice) -> str | None:
        """What is wrong with this voice (an unknown name, a value it cannot take), or None."""
        ...

    def cache_tag(self, voice: Voice) -> tuple[str, str]:
        """(the engine's version, a digest of the voice's model files): part of every clip key."""
        ...

    def catalogue(self, voices_toml: Path | None) -> tuple[str, list[Listing]]:
        """A heading (how voices.toml names them) and the engine's voices, for `audiotale voices`."""
        ...


def dist_version(dist: str) -> str:
    """The installed version of a distribution, or "none" (part of clip keys)."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def installed(module: str) -> bool:
    """Whether a module can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def release_memory() -> None:
    """Give freed memory back to the system (glibc keeps it otherwise): the peak of one long line should not
    stay with a worker for the rest of the book."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def map_large_blocks(threshold: int = 4 << 20) -> None:
    """Serve allocations over `threshold` bytes from their own memory maps, returned as soon as freed.

    glibc otherwise raises that threshold as large blocks come and go and serves them from a heap that
    fragments: a Piper worker's peak then doubles (680 MB instead of 480 on Pride and Prejudice's lines).
    Costs Piper about 15% more time (fresh pages for each large tensor).
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(-3, threshold)  # M_MMAP_THRESHOLD


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:  # not glibc: nothing to tune this way
        return None
