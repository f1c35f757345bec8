"""Speech engines behind one small protocol: text + Voice -> a WAV file.

Each engine is a module here (espeak.py, piper.py, hibari.py) defining an `Engine`: what the rest of
audiotale knows about it without loading it (its voices.toml keys and defaults, what goes into the
clip cache key, whether it is installed, its voices) and a factory for its Synthesizer. Adding an
engine is one new module and one line in REGISTRY. Speech libraries are imported only when a
Synthesizer is made, so an uninstalled optional engine costs nothing until a voice asks for it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ConfigError, EngineError
from . import espeak, hibari, piper
from .base import NEURAL_INSTALL, Engine, Listing, Synthesizer

__all__ = ["ENGINES", "NEURAL_INSTALL", "REGISTRY", "Engine", "Listing", "Synthesizer", "engine", "get_engine",
           "require"]


# The registry: one line per engine.
REGISTRY: dict[str, Engine] = {"espeak": espeak.ENGINE, "piper": piper.ENGINE, "hibari": hibari.ENGINE}

# Synthesizer factories by engine name; tests put a fake here (monkeypatch.setitem(ENGINES, "espeak", Fake)).
ENGINES: dict[str, Callable[[], Synthesizer]] = {name: e.synthesizer for name, e in REGISTRY.items()}


def get_engine(name: str) -> Callable[[], Synthesizer]:
    """The factory for a named engine; ConfigError names the known ones."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ConfigError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINES)}") from None


def engine(name: str) -> Engine:
    """The Engine called `name`; ConfigError names the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown engine '{name}'; choose one of: {', '.join(REGISTRY)}") from None


def require(names: set[str]) -> None:
    """EngineError (one line with the install command) unless every named engine can run."""
    for name in sorted(names):
        problem = engine(name).missing()
        if problem:
            raise EngineError(problem)

