"""Stage 3b: who says each quote. The demo story is annotated by hand in data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale import pipeline
from audiotale.datatypes import Kind

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "seeds" / "the-last-cake.txt"
GOLD = [line.split("\t") for line in (Path(__file__).parent / "data" / "the-last-cake.speakers")
        .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def speakers(text: str, tmp_path: Path) -> list[tuple[str, str | None]]:
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    return [(s.text, s.speaker) for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE]


def test_demo_has_41_spoken_quotes_and_5_scare_quotes() -> None:
    script = pipeline.read_script(DEMO)
    dialogue = [s for s in script.segments if s.kind is Kind.DIALOGUE]
    assert len(dialogue) == 41
    narration = " ".join(s.text for s in script.segments if s.kind is Kind.NARRATION)
    for scare in ['"just"', '"greater issue at hand,"', '"professional"', '"hope"', '"been there"']:
        assert scare in narration


@pytest.mark.parametrize(("index", "start", "speaker"), [(i, s, w) for i, (s, w) in enumerate(GOLD)])
def test_demo_speakers(index: int, start: str, speaker: str) -> None:
    dialogue = [s for s in _demo_segments() if s.kind is Kind.DIALOGUE]
    quote = dialogue[index]
    assert quote.text[1:].startswith(start), quote.text
    assert quote.speaker == speaker, f"{quote.text!r}: {quote.evidence}"


_cache: list = []


def _demo_segments():
    if not _cache:
        _cache.extend(pipeline.read_script(DEMO).segments)
    return _cache


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # explicit tags in either order, and split quotes
        ('Ann and Tom met.\n\n"Hello," said Ann.\n\n"Hi," Tom said.',
         ["Ann", "Tom"]),
        ('Ann met Tom there.\n\n"I think," said Ann, "that we should go."', ["Ann", "Ann"]),
        # an action beat in the same paragraph
        ('Ann met Tom there. Tom waved.\n\n"Nice day." Ann smiled at him.', ["Ann"]),
        # a vocative names the listener, and an honorific is not part of the name
        ('Ann met Tom there. Tom waved.\n\n"Ann-chan, wait!" Tom ran after her.\n\n"What is it, Tom?" Ann said.',
         ["Tom", "Ann"]),
        # turn-taking: untagged quotes alternate between the two speakers
        ('Ann met Tom there. Tom waved.\n\n"Where were you?" asked Ann.\n\n"Out."\n\n"Out where?"\n\n"Just out."',
         ["Ann", "Tom", "Ann", "Tom"]),
        # backwards from a later anchor
        ('Ann met Tom there. Tom waved.\n\n"Where were you?"\n\n"Out."\n\n"Out where?" Ann frowned.',
         ["Ann", "Tom", "Ann"]),
    ],
)
def test_attribution_rules(text: str, expected: list[str], tmp_path: Path) -> None:
    assert [w for _, w in speakers(text, tmp_path)] == expected
