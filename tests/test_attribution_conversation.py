"""attribution/conversation.py: turn-taking, who a pronoun means, who is on the scene."""

from __future__ import annotations

import pytest

SCENE = "Nora came into the kitchen, where Henry sat. Nora smiled at Henry. Henry put down his cup.\n\n"



@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a narration paragraph whose last sentence has a person as subject leads into their line
        (SCENE + '"Tea?" asked Henry.\n\n"Please."\n\nHenry poured it out. Nora sat down.\n\n"Thank you."',
         ["Henry", "Nora", "Nora"]),
        # the person addressed by name answers
        (SCENE + '"Are you cold, Nora?" asked Henry.\n\n"A little."', ["Henry", "Nora"]),
        # a whole exchange in one paragraph: each tag names its own quote
        (SCENE + "Then Nora told him her dream. \u2018I was a bird,\u2019 said she, \u2018and flew away.\u2019 "
                 "\u2018It may be true,\u2019 said Henry. \u2018I dreamt it too.\u2019",
         ["Nora", "Nora", "Henry", "Henry"]),
    ],
)
def test_conversation(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text) == expected


def test_three_people_and_no_tags_leave_the_unknown_voice(speakers_of) -> None:
    text = ("Ann, Bob and Cora sat at the table. Ann looked at Bob. Bob looked at Cora. Cora looked at Ann.\n\n"
            '"Well."\n\n"Well what?"\n\n"Nothing."\n\n"Then why say it?"\n\n"Because."\n')
    got = speakers_of(text)
    assert None in got  # no evidence for whose turn it is among three: not a confident guess


def test_turns_are_not_counted_across_a_paragraph_of_narration(speakers_of) -> None:
    # After "The fire crackled" Ann goes on: the tag after it, not the count before it, decides.
    text = ('Tom and Ann sat by the fire in the kitchen. Tom was tired, and Ann was wet.\n\n'
            '"Where have you been?" asked Tom.\n\n"At the mill."\n\n"All day?"\n\n"Until dark. Then I walked home."\n\n'
            'The fire crackled in the grate.\n\n"The road was flooded, you know."\n\n"Was it?"\n\n"It was," said Ann.\n')
    assert speakers_of(text) == ["Tom", "Ann", "Tom", "Ann", "Ann", "Tom", "Ann"]
