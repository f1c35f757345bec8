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
