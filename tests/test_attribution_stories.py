"""attribution/stories.py: letters go to their signers, stories told in quotes to their tellers."""

from __future__ import annotations

LETTER = (
    "Chapter 1\n\nTom sat at the window. Tom looked at Mary. Mary laughed.\n\n"
    '"Here is a letter," said Mary.\n\n"Read it to me," said Tom.\n\n'
    "Mary opened it. It was from their sister Kate Ashby:\n\n"
    '"My dear Tom,\n\n'
    '"We are all well here, and the garden is full of roses.\n\n'
    '"Write soon, and tell Mary to write too.\n\n'
    '"Kate Ashby."\n\n'
    '"How kind she is," said Tom.\n'
)

STORY = (
    "Chapter 1\n\nThe stranger sat down by the fire. Anna looked at him; Anna was afraid.\n\n"
    '"Who are you?" asked Anna.\n\n"Hear my tale," said Ivan. "It is long."\n\n'
    "Anna nodded, and he thus began his tale.\n\n"
    "Chapter 2\n\n"
    '"I was born far from here, in a cold country.\n\n'
    '"My father was a fisherman, and my mother sang.\n\n'
    '"One winter the sea froze over.\n\n'
    '"We walked across it to the south."\n\n'
    "Chapter 3\n\n"
    '"There I lived many years, alone.\n\n'
    '"I learned the speech of men.\n\n'
    '"I learned to read.\n\n'
    '"And so I came here."\n\n'
    '"That is a sad story," said Anna.\n'
)


def test_a_letter_is_read_by_its_signer(speakers_of) -> None:
    assert speakers_of(LETTER) == ["Mary", "Tom", "Kate Ashby", "Kate Ashby", "Kate Ashby", "Kate Ashby", "Tom"]


def test_a_story_told_over_chapters_is_its_tellers(speakers_of) -> None:
    got = speakers_of(STORY)
    assert got[0] == "Anna" and got[-1] == "Anna"
    assert set(got[1:-1]) == {"Ivan"}, got
