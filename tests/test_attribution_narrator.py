"""attribution/narrator.py: a first-person narrator's lines go to the name the others call them by."""

from __future__ import annotations

from pathlib import Path

from audiotale import pipeline
from audiotale.datatypes import Kind


def test_narrator_named_by_vocatives(tmp_path: Path) -> None:
    text = ("Poirot was waiting for me. Poirot smiled.\n\n"
            '"Ah, Hastings, you are here," said Poirot.\n\n"Of course," I said.\n\n'
            '"Sit down, Hastings."\n\n"Thank you," I replied.\n\n"You look tired, Hastings," said Poirot.\n\n'
            '"I am," I said.\n')
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    got = [s.speaker for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE]
    assert got == ["Poirot", "Hastings", "Poirot", "Hastings", "Poirot", "Hastings"]


def test_each_chapter_names_its_own_narrator(tmp_path: Path) -> None:
    """A frame narrator and the narrator of the story inside it: each chapter's "I" is the one addressed there."""
    frame = ("Chapter 1\n\nHeath opened the door. Heath frowned.\n\n"
             '"Come in, Lockwood," said Heath.\n\n"Thank you," I said.\n\n"Sit down, Lockwood."\n\n'
             '"I will," I replied.\n\n"You are wet, Lockwood," said Heath.\n\n"I am," I said.\n\n')
    story = ("Chapter 2\n\nCathy ran in. Cathy laughed.\n\n"
             '"Nelly, look!" said Cathy.\n\n"What is it?" I asked.\n\n"A bird, Nelly!"\n\n'
             '"Hush," I said.\n\n"Oh, Nelly, let me keep it," said Cathy.\n\n"No," I said.\n')
    p = tmp_path / "t.txt"
    p.write_text(frame + story, encoding="utf-8")
    got = [s.speaker for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE]
    assert got == ["Heath", "Lockwood"] * 3 + ["Cathy", "Nelly"] * 3
