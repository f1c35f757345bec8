"""attribution/conversation.py: turn-taking, who a pronoun means, who is on the scene."""

from __future__ import annotations

import pytest

SCENE = "Nora came into the kitchen, where Henry sat. Nora smiled at Henry. Henry put down his cup.\n\n"



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
def test_conversation(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text) == expected


def test_three_people_and_no_tags_leave_the_unknown_voice(speakers_of) -> None:
    text = ("Ann, Bob and Cora sat at the table. Ann looked at Bob. Bob looked at Cora. Cora looked at Ann.\n\n"
            '"Well."\n\n"Well what?"\n\n"Nothing."\n\n"Then why say it?"\n\n"Because."\n')
    got = speakers_of(text)
    assert None in got  # no evidence for whose turn it is among three: not a confident guess
