"""attribution/anaphora.py: who `said she`, `cried his wife` or `said the young woman` means."""

from __future__ import annotations

import pytest

SCENE = "Nora came into the kitchen, where Henry sat. Nora smiled at Henry. Henry put down his cup.\n\n"
FAMILY = ("Mr. Bennet read his paper. Mrs. Bennet sat down. Mr. Bennet looked up; he smiled. "
          "Mrs. Bennet sighed, and she spoke.\n\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # pronouns by gender in a two-person scene
        (SCENE + '"You are early," he said.\n\n"I could not sleep," she answered.', ["Henry", "Nora"]),
        # a generic description goes to the person of that gender on the scene
        (SCENE + '"Sit down," said Henry.\n\n"I will," said the young woman.', ["Henry", "Nora"]),
        # a kinship description through the possessor's surname
        (FAMILY + '"My dear," said Mr. Bennet.\n\n"Nonsense!" cried his wife.', ["Mr. Bennet", "Mrs. Bennet"]),
        # "I said" is the narrator
        (SCENE + '"Sit," said Henry.\n\n"Thank you," I said.', ["Henry", "I"]),
    ],
)
def test_anaphora(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the subject of the paragraph, over a man named earlier
        (SCENE + 'Peter came in with the post. Henry took a letter; then he looked up.\n\n'
         '"Who sent this?" he asked.', ["Henry"]),
        # a character known by a description: "the old king" is the King
        ('The king sat in his hall, and Hans stood before him. "Bring wine," said the king. "Yes," said Hans.\n\n'
         'The old king could not rest; at last he said, "Saddle my horse."', ["The king", "Hans", "The king"]),
        # the next line is someone's by its own tag: this one is the other's
        ('Henry and Peter sat at the table. Henry read; Peter wrote.\n\n"Pass the salt," said Peter.\n\n'
         'Peter ate; Henry smiled.\n\n"It is a fine day," he said.\n\n"It is," said Henry.', ["Peter", "Henry"]),
    ],
)
def test_the_likeliest_he_or_she(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text)[-len(expected):] == expected


def test_candidates_say_what_the_scene_shows() -> None:
    from audiotale.attribution import discover
    from audiotale.attribution.anaphora import FEATURES, rank

    found = {"Henry": dict.fromkeys(FEATURES, 0.0) | {"here": 1.0, "subject1": 1.0},
             "Peter": dict.fromkeys(FEATURES, 0.0) | {"recency": 0.5, "next": 1.0}}
    ranked = rank(found)
    assert [w for w, _, _ in ranked] == ["Henry", "Peter"]
    assert abs(sum(p for _, _, p in ranked) - 1.0) < 1e-9
    assert discover(SCENE).lookup("Henry").gender == "m"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # someone the narration brought in without a name speaks as described, not as a named man
        (SCENE + 'Peter came in. Peter sat down.\n\n"Good day," said Peter.\n\n'
         'Henry went out into the street, and met an old gentleman at the gate.\n\n'
         '"Bless me!" cried the gentleman.', ["Peter", "The gentleman"]),
        # "a man" is someone new
        (SCENE + '"Where am I?" said Henry.\n\n"You will know soon enough," replied a man with a hoarse voice.',
         ["Henry", "The man"]),
    ],
)
def test_someone_the_book_does_not_name(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text)[-len(expected):] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # whom the line before calls by name answers, though the tag only describes her
        ('Mr. Gray sat at his desk, and Mr. Gray frowned. Martha stood by the door; Peter waited outside.\n\n'
         '"Were you late again, Martha?" asked Mr. Gray.\n\n"Yes, sir," said the girl.',
         ["Mr. Gray", "Martha"]),
        # the reply names whom it answers, even when a gentleman nobody names was just spoken of
        ('Robert sat with Edna and Mr. Farival. He had to meet a gentleman at the port.\n\n'
         '"When did you decide?" asked Mr. Farival.\n\n"This afternoon," said Robert.\n\n'
         '"At what time?" persisted the old gentleman.\n\n"At four, Mr. Farival," Robert replied.',
         ["Mr. Farival", "Robert", "Mr. Farival", "Robert"]),
    ],
)
def test_a_description_answering_by_name(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text) == expected


def test_someone_described_is_in_the_cast_with_the_noun_s_gender(tmp_path) -> None:
    from audiotale import pipeline

    p = tmp_path / "t.txt"
    p.write_text(SCENE + '"Where am I?" said Henry.\n\n"Soon enough," replied a man with a hoarse voice.\n',
                 encoding="utf-8")
    script = pipeline.read_script(p)
    assert script.characters.lookup("The man").gender == "m"


def test_his_wife_is_the_wife_of_the_man_she_addresses(speakers_of) -> None:
    # nobody is named before the first line: "his" is the Mr. Gray the line itself calls by name
    text = ('It is a truth that a single man must be in want of a wife.\n\n'
            '"My dear Mr. Gray," said his lady to him one day, "have you heard the news?"\n\n'
            'Mr. Gray replied that he had not. Mrs. Gray sat down. Mrs. Gray smiled, and Mr. Gray frowned.\n')
    assert speakers_of(text) == ["Mrs. Gray", "Mrs. Gray"]
