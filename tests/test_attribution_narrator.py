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


def _speakers(tmp_path: Path, text: str) -> list[str | None]:
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    return [s.speaker for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE]


FRAME = ("Chapter {n}\n\nHeath opened the door. Heath frowned.\n\n"
         '"Come in, Lockwood," said Heath.\n\n"Thank you," I said.\n\n"Sit down, Lockwood."\n\n'
         '"I will," I replied.\n\n"You are wet, Lockwood," said Heath.\n\n"I am," I said.\n\n')
STORY = ("Chapter {n}\n\nCathy ran in. Cathy laughed.\n\n"
         '"Nelly, look!" said Cathy.\n\n"What is it?" I asked.\n\n"A bird, Nelly!"\n\n'
         '"Hush," I said.\n\n"Oh, Nelly, let me keep it," said Cathy.\n\n"No," I said.\n\n')


def test_the_line_before_names_the_narrator_in_a_chapter_of_the_other(tmp_path: Path) -> None:
    """In a chapter of Nelly's story, Lockwood's visit: the "I" that Heath greets by name is Lockwood."""
    visit = ("Chapter 5\n\nCathy sat by the fire. Cathy sang.\n\n"
             '"Nelly, come here," said Cathy.\n\n"I am coming," I said.\n\n'
             "Then Heath came in from the yard.\n\n"
             '"I am glad to see you up again, Mr. Lockwood," said Heath, "and out of doors."\n\n'
             '"An idle whim, sir," was my answer.\n')
    text = FRAME.format(n=1) + STORY.format(n=2) + FRAME.format(n=3) + STORY.format(n=4) + visit
    assert _speakers(tmp_path, text)[-4:] == ["Nelly", "Heath", "Heath", "Lockwood"]


def test_he_is_not_the_narrator() -> None:
    """`"...," he said` in a chapter whose "I" is Pip is the next likeliest man, not Pip."""
    from audiotale.attribution.speakers import Guess, not_the_narrator
    from audiotale.datatypes import Segment

    line = Segment(1, 0, Kind.DIALOGUE, '"Come and sit,"', 0, 15, 0)
    ranked = (("Pip", {}, 0.6), ("\0m", {}, 0.3), ("Joe", {}, 0.1))
    guesses = [([line], {0: Guess("Pip", "pronoun", {}, ranked)})]
    not_the_narrator(guesses, {2: "Pip"})  # another chapter's narrator: nothing changes
    assert guesses[0][1][0].speaker == "Pip"
    not_the_narrator(guesses, {1: "Pip"})
    assert guesses[0][1][0].speaker == "Joe"
