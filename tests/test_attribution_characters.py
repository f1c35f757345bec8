"""attribution/characters.py and descriptions.py: who is in a book, by which names, of which gender."""

from __future__ import annotations

import pytest

from audiotale.attribution import descriptions, discover

FAMILY = (
    "Mr. Harlow came in. Mrs. Harlow followed him. Edwin Harlow stayed at the door. "
    "Mr. Harlow sat down; he said nothing. Mrs. Harlow said she was tired. Edwin said he would go. "
    "Robert Penrose laughed. Penrose said he knew. Robert smiled at Edwin.\n\n"
    "Edwin worked at the Bank, and Penrose at the Bank, too; Mr. Harlow owned the Bank, and the Bank, sir, was old.\n"
    "Alas, the rain went on. Begone, sorrow! Mrs. Harlow only said Um! and went. They walked from Thornfield Hall to Thornfield Hall again.\n"
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
        ("Um", None),
        ("Thornfield Hall", None),  # nor places
        ("Bank", None),  # "at the Bank," is a place though a comma follows it
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


def test_an_interjection_in_quotes_is_no_character() -> None:
    text = ("\u2018Alas!\u2019 said the dog. \u2018Alas!\u2019 said the ass, and the dog ran. "
            "\u2018Alas, alas!\u2019 said Hans. Hans went home.\n")
    chars = discover(text)
    assert chars.lookup("Alas") is None
    assert chars.lookup("Hans") is not None


@pytest.mark.parametrize(
    ("text", "name", "gender"),
    [
        # the noun says it, whatever pronouns follow the description
        ('"Come in," said the grandmother. The grandmother looked up, and he was there; he smiled.\n\n'
         '"Who is it?" said the grandmother.\n', "The grandmother", "f"),
        ('"Mercy!" cried the laundress. The laundress ran.\n\n"Stop!" cried the laundress.\n', "The laundress", "f"),
        ('"Ho!" cried the huntsman. The huntsman laughed; she was frightened.\n\n"Ha!" cried the huntsman.\n',
         "The huntsman", "m"),
        # a pronoun that is an object says nothing of the one described
        ('"Go!" said the villain, and seized her. The villain struck her.\n\n"Now!" said the villain.\n',
         "The villain", None),
        # a hyphenated given name; a rank before a surname, when the text shows nothing else
        ("Rose-red laughed. Rose-red sat with Tom. Tom laughed.\n", "Rose-red", "f"),
        ("Captain Walton came. Captain Walton sat down. Captain Walton wrote.\n", "Captain Walton", "m"),
    ],
)
def test_genders(text: str, name: str, gender: str | None) -> None:
    assert discover(text).lookup(name).gender == gender


def test_a_full_name_joins_the_surname_nobody_else_bears() -> None:
    text = ("Scrooge sat. Scrooge frowned at the fire. Scrooge ate; Scrooge slept. Mr. Scrooge was cold. Uncle Scrooge, said Fred. "
            "Fred laughed. Ebenezer Scrooge signed the book; Ebenezer Scrooge smiled. Yo ho, Ebenezer! Ebenezer ran.\n")
    chars = discover(text)
    assert chars.lookup("Ebenezer Scrooge") is chars.lookup("Scrooge")
    assert chars.lookup("Scrooge").name != "Uncle Scrooge"  # "Uncle" is no rank to be called by


def test_a_cousin_is_called_so_whatever_the_word_means_elsewhere() -> None:
    # "cousin" is an ordinary word in this text, but "Cousin Caroline" is someone, and a woman by her pronouns
    text = ("Her cousin came, and another cousin wrote; a cousin is a cousin. Cousin Caroline came in. "
            "Cousin Caroline sat down; she frowned.\n\n\"Nonsense,\" said Cousin Caroline.\n")
    assert discover(text).lookup("Cousin Caroline").gender == "f"


def test_a_family_speaking_together_is_no_character() -> None:
    text = ("Bob Cratchit came home. Mrs. Cratchit smiled. Peter Cratchit sat. Bob laughed.\n\n"
            '"Hurrah!" cried the two young Cratchits.\n\n"Hurrah!" cried the young Cratchits again.\n')
    assert discover(text).lookup("the Cratchits") is None


def test_a_description_takes_the_first_he_or_she_of_its_sentence() -> None:
    text = ('"Ho!" said the fish. The fish swam off; she went home, and she wept.\n\n'
            '"Ha!" said the fish. The fish dived, and she called after it.\n')
    assert discover(text).lookup("the fish").gender is None
