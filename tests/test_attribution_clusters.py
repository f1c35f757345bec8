"""attribution/clusters.py: name forms clustered into characters, family members kept apart."""

from __future__ import annotations

from audiotale.attribution import discover


def test_family_members_sharing_a_surname_keep_their_given_names() -> None:
    text = ("Then Hindley Earnshaw came in, and Hareton Earnshaw followed. Then Hindley Earnshaw sat down; "
            "Hindley said nothing, and Hareton Earnshaw laughed. Mr. Hareton went out. Mr. Hindley was angry. "
            "So Hareton smiled at Hindley, and Earnshaw went out.\n")
    chars = discover(text)
    assert chars.lookup("Hindley Earnshaw").name != chars.lookup("Hareton Earnshaw").name
    assert chars.lookup("Hareton Earnshaw") is chars.lookup("Hareton")


def test_a_pet_name_and_a_titled_surname_join_the_full_name() -> None:
    text = ("So Ellen Dean sewed, and then Ellen Dean looked up. Nelly laughed; Nelly was tired. "
            "Mrs. Dean said she would stay. Mrs. Dean sat. Nelly smiled at Ellen.\n")
    chars = discover(text)
    assert chars.lookup("Nelly") is chars.lookup("Ellen Dean") is chars.lookup("Mrs. Dean")
    assert chars.lookup("Nelly").gender == "f"


def test_sissy_is_cecilia() -> None:
    text = ("So Sissy came in, and Sissy sat; Sissy was pale. Then Cecilia Jupe stood up, and Cecilia Jupe "
            "spoke; Cecilia Jupe was brave. Sissy smiled.\n")
    chars = discover(text)
    assert chars.lookup("Sissy") is chars.lookup("Cecilia Jupe")


def test_a_name_made_of_words_joins_the_last_one() -> None:
    text = "Pooh sat. Pooh ate honey, and Pooh slept. Then Winnie-the-Pooh woke, and Winnie-the-Pooh sang.\n"
    assert discover(text).lookup("Winnie-the-Pooh").name == "Pooh"


def test_a_character_is_called_by_the_form_the_book_uses_most() -> None:
    text = "Christopher Robin came. Christopher Robin sat. Robin laughed. Christopher Robin went home.\n"
    assert discover(text).lookup("Robin").name == "Christopher Robin"


def test_a_bare_surname_that_is_a_he_is_not_the_only_titled_woman() -> None:
    text = ("Mrs. Vance smiled. Mrs. Vance sat down. Vance said he was tired. Vance nodded, and he left. "
            "Mrs. Vance said she would stay. Vance came back; he was cold.\n")
    chars = discover(text)
    assert chars.lookup("Vance").name == "Vance"
    assert chars.lookup("Mrs. Vance").name == "Mrs. Vance"


def test_a_title_before_a_given_name_is_that_character() -> None:
    text = ("John Cavendish came in. John sat down. Poirot looked at John. "
            "Poirot said that Monsieur John was tired. Monsieur John laughed.\n")
    chars = discover(text)
    assert chars.lookup("Monsieur John") is chars.lookup("John")
