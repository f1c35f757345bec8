"""Speech engines behind one small protocol: text + Voice -> a WAV file.

Each engine is a module here (espeak.py, piper.py); adding one is a new file and one line in
ENGINES. Factories import their engine lazily, so an uninstalled optional engine costs nothing
until a voice asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..datatypes import Voice
from ..errors import ConfigError


class Synthesizer(Protocol):
    def render(self, text: str, voice: Voice, wav: Path) -> None: ...


def _espeak() -> Synthesizer:
    from .espeak import EspeakSynthesizer

    return EspeakSynthesizer()


def _piper() -> Synthesizer:
    from .piper import PiperSynthesizer

    return PiperSynthesizer()


# Tests put a fake engine here (monkeypatch.setitem(ENGINES, "espeak", Fake)).
ENGINES: dict[str, Callable[[], Synthesizer]] = {"espeak": _espeak, "piper": _piper}


def get_engine(name: str) -> Callable[[], Synthesizer]:
    """The factory for a named engine; ConfigError names the known ones."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ConfigError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINES)}") from None
