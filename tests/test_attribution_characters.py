"""attribution/characters.py and descriptions.py: who is in a book, by which names, of which gender."""

from __future__ import annotations

import pytest

from audiotale.attribution import descriptions, discover

FAMILY = (
    "Mr. Harlow came in. Mrs. Harlow followed him. Edwin Harlow stayed at the door. "
    "Mr. Harlow sat down; he said nothing. Mrs. Harlow said she was tired. Edwin said he would go. "
    "Robert Penrose laughed. Penrose said he knew. Robert smiled at Edwin.\n\n"
    "Alas, the rain went on. Begone, sorrow! They walked from Thornfield Hall to Thornfield Hall again.\n"
)


@pytest.mark.parametrize(
    ("form", "name"),
    [
        ("Mr. Harlow", "Mr. Harlow"),
        ("Mrs. Harlow", "Mrs. Harlow"),  # a family shares the surname: they stay apart
        ("Edwin", "Edwin"),
        ("Penrose", "Robert"),  # a surname nobody else bears joins the full name
        ("Robert Penrose", "Robert"),
        ("Alas", None),  # interjections are not characters
        ("Begone", None),
        ("Thornfield Hall", None),  # nor places
    ],
)
def test_name_forms(form: str, name: str | None) -> None:
    c = discover(FAMILY).lookup(form)
    assert (c.name if c else None) == name


def test_contractions_and_places_are_not_characters() -> None:
    text = ("Don\u2019t go. You\u2019ll see. Don\u2019t cry, he said. England is far. England was cold. "
            "The Swiss laughed. The Swiss were kind. Tom sat. Tom went to England.\n")
    chars = discover(text)
    assert [c.name for c in chars.all()] == ["Tom"]


def test_a_relation_to_a_named_person_is_a_character() -> None:
    chars = discover('Scrooge sat. Scrooge frowned.\n\n"Come, uncle!" cried Scrooge\u2019s nephew.\n')
    assert chars.lookup("Scrooge's nephew").name == "Scrooge\u2019s nephew"
    assert chars.lookup("Scrooge's nephew").gender == "m"


def test_gender_from_a_given_name_when_the_text_shows_none() -> None:
    chars = discover("Frances waved. Frances laughed at Tom. Tom laughed. Frances went home with Tom.\n")
    assert chars.lookup("Frances").gender == "f"
    assert chars.lookup("Tom").gender == "m"


WONDER = (
    '"Who are you?" said the Caterpillar.\n\n"I hardly know," said Alice.\n\n'
    '"Explain yourself!" said the Caterpillar sternly.\n\n"I can\'t," said Alice.\n\n'
    '"Off with her head!" cried the Queen. The Queen looked round.\n\n"Nonsense," said the Queen.\n\n'
    '"More tea?" the waiter asked. He bowed.\n\n"Yes," the waiter said, and he went out.\n'
)


def test_described_characters() -> None:
    found = descriptions.find(WONDER)
    assert set(found) == {"caterpillar", "queen", "waiter"}
    chars = discover(WONDER)
    assert chars.lookup("the caterpillar").name == "The Caterpillar"
    assert chars.lookup("Caterpillar").name == "The Caterpillar"  # capitalised: a name too
    assert chars.lookup("the Queen").gender == "f"  # from the noun
    assert chars.lookup("the waiter").gender == "m"  # from "he"


def test_a_description_of_someone_known_is_an_alias() -> None:
    text = ("Colonel Forster came in. Colonel Forster sat down.\n\n"
            '"Well," said the Colonel.\n\n"Indeed," said the Colonel.\n')
    assert discover(text).lookup("the colonel").name == "Colonel Forster"


def test_generic_people_are_not_characters() -> None:
    text = '"Hello," said the girl.\n\n"Hi," said the girl.\n\n"Go," said the old man.\n\n"No," said the old man.\n'
    assert descriptions.find(text) == {}


def test_kin_of_a_first_person_narrator() -> None:
    chars = discover('I came home.\n\n"You are late," replied my father.\n')
    assert chars.lookup("my father").name == "My father"


def test_voices_toml_names_and_aliases_are_characters() -> None:
    text = 'I saw it.\n\n"I expected this," said the dæmon.\n\n"Hear me," replied the being.\n'
    chars = discover(text, {"Creature": ["the dæmon", "the being"]})
    assert chars.lookup("the dæmon").name == "Creature"
    assert chars.lookup("the being").name == "Creature"
    assert [c.name for c in chars.all()] == ["Creature"]


def test_a_bare_title_names_its_only_bearer() -> None:
    text = ("Mademoiselle Reisz played. Mademoiselle Reisz bowed to Edna. Edna smiled.\n\n"
            '"Play again," said Edna.\n\n"No," returned Mademoiselle, with a shrug.\n\n'
            '"Why not?" Edna asked. "Please."\n\n"Because," said Mademoiselle.\n')
    assert discover(text).lookup("Mademoiselle").name == "Mademoiselle Reisz"
