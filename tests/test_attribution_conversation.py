"""attribution/conversation.py: turn-taking, who a pronoun means, who is on the scene."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale import pipeline
from audiotale.datatypes import Kind

SCENE = "Nora came into the kitchen, where Henry sat. Nora smiled at Henry. Henry put down his cup.\n\n"


def speakers(text: str, tmp_path: Path) -> list[str | None]:
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    return [s.speaker for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # pronouns by gender in a two-person scene
        (SCENE + '"You are early," he said.\n\n"I could not sleep," she answered.', ["Henry", "Nora"]),
        # a narration paragraph whose last sentence has a person as subject leads into their line
        (SCENE + '"Tea?" asked Henry.\n\n"Please."\n\nHenry poured it out. Nora sat down.\n\n"Thank you."',
         ["Henry", "Nora", "Nora"]),
        # a generic description goes to the person of that gender on the scene
        (SCENE + '"Sit down," said Henry.\n\n"I will," said the young woman.', ["Henry", "Nora"]),
        # the person addressed by name answers
        (SCENE + '"Are you cold, Nora?" asked Henry.\n\n"A little."', ["Henry", "Nora"]),
    ],
)
def test_conversation(text: str, expected: list[str | None], tmp_path: Path) -> None:
    assert speakers(text, tmp_path) == expected


def test_three_people_and_no_tags_leave_the_unknown_voice(tmp_path: Path) -> None:
    text = ("Ann, Bob and Cora sat at the table. Ann looked at Bob. Bob looked at Cora. Cora looked at Ann.\n\n"
            '"Well."\n\n"Well what?"\n\n"Nothing."\n\n"Then why say it?"\n\n"Because."\n')
    got = speakers(text, tmp_path)
    assert None in got  # no evidence for whose turn it is among three: not a confident guess
