"""Shared fixtures: a fake engine with predictable durations, tiny books, an isolated cache."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest

from audiotale import synthesis
from audiotale.datatypes import Voice

DATA = Path(__file__).parent / "data"
RATE = 22050


class FakeSynthesizer:
    """Writes a 10 ms tone per character (pitch from the voice), so every duration is predictable."""

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        n = RATE * 10 * len(text) // 1000
        freq = 200 + 4 * voice.pitch
        frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / RATE))) for i in range(n))
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(frames)


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(synthesis.ENGINES, "espeak", FakeSynthesizer)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AUDIOTALE_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def story(tmp_path: Path) -> Path:
    p = tmp_path / "short-story.txt"
    p.write_text(
        "Chapter 1\n\nAnn walked into the kitchen. Tom was there.\n\n"
        '"Good morning," said Ann.\n\n"Morning," Tom replied. "Coffee?"\n\n'
        "Chapter 2\n\nLater they left together.\n\n\"Let's go,\" said Tom.\n",
        encoding="utf-8",
    )
    return p


@pytest.fixture
def speakers_of(tmp_path: Path):
    """`speakers_of(text)`: the speaker of every quote of a short book, as `read_script` credits them."""
    from audiotale import pipeline
    from audiotale.datatypes import Kind

    def read(text: str) -> list[str | None]:
        p = tmp_path / "speakers.txt"
        p.write_text(text, encoding="utf-8")
        return [s.speaker for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE]

    return read


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-screenshot", action="store_true",
                     help="test_review_browser also writes docs/review.png for the README")
