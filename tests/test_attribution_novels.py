"""Stage 3b on the habits of published novels (issue #3): one rule per row."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale import attribution, pipeline
from audiotale.attribution import confidence
from audiotale.datatypes import Kind

BENNETS = ("Mr. Bennet sat by the fire. Mrs. Bennet came in; Mrs. Bennet was cross. "
           "Mr. Bennet looked up; he said nothing.\n\n")



@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a tag wrapped over two lines, with a title
        ('Mr. Darcy came in. Mr. Darcy bowed.\n\n"I hope," said Mr.\nDarcy, "that you are well."',
         ["Mr. Darcy", "Mr. Darcy"]),
        # "his wife" / "her husband": Mrs. and Mr. of the same surname; the vocative names the listener
        (BENNETS + '"My dear Mr. Bennet," said his lady to him, "have you heard?"\n\n'
         '"No," cried her husband.\n\n"It is let."',
         ["Mrs. Bennet", "Mrs. Bennet", "Mr. Bennet", "Mrs. Bennet"]),
        # pronoun tags by gender: "said she" is the woman of the scene
        (BENNETS + '"Is it true?" said he.\n\n"Quite true," returned she.', ["Mr. Bennet", "Mrs. Bennet"]),
        # a lead-in paragraph ending with a comma, and a title with a period
        (BENNETS + 'Mrs. Bennet said only,\n\n"Nonsense, nonsense!"', ["Mrs. Bennet"]),
        # a lead-in ending with "--", a participle clause between the name and the verb
        ('Mr. Darcy looked at Elizabeth. Elizabeth smiled at Mr. Darcy.\n\n'
         'Soon afterwards Mr. Darcy, drawing near Elizabeth, said to her--\n\n"Do you dance?"', ["Mr. Darcy"]),
        # someone the book does not name gets the unknown voice, not a guess
        (BENNETS + '"Is it true?" said Mr. Bennet.\n\n"If I were as rich as that," cried a young Lucas.',
         ["Mr. Bennet", None]),
        # someone addressed by name answers next
        ('Lizzy and Kitty sat with Mr. Bennet. Mr. Bennet smiled at Lizzy and Kitty.\n\n'
         '"When is your next ball to be, Lizzy?" said Mr. Bennet.\n\n"To-morrow fortnight."',
         ["Mr. Bennet", "Lizzy"]),
        # a first-person narrator
        ('I met Holloway on the stairs. Holloway nodded.\n\n"You look tired," said Holloway.\n\n'
         '"I slept badly," I said.', ["Holloway", "I"]),
        # ... named by what the others call them
        ('Joe was at the forge when I came in.\n\n"Well, Pip," said Joe, "you are late."\n\n'
         '"I know," I said.\n\n"You look cold, Pip."\n\n"I am."', ["Joe", "Joe", "Pip", "Joe", "Pip"]),
        # a speech over several paragraphs keeps its speaker
        ('Mr. Crane put down his pipe.\n\n"When I was young," said Mr. Crane, "I sailed.\n\n'
         '"We lost three men.\n\n"I would not wish it on anyone."',
         ["Mr. Crane", "Mr. Crane", "Mr. Crane", "Mr. Crane"]),
        # British single quotes with apostrophes inside
        ("Tom and Ann sat down.\n\n'I don't think,' said Tom, 'that the Joneses' dog will come.'\n\n"
         "'Nonsense,' said Ann. ''Tis always the same.'",
         ["Tom", "Tom", "Ann", "Ann"]),
    ],
)
def test_novel_rules(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text) == expected


P_AND_P = (
    "Elizabeth Bennet laughed. Elizabeth said nothing. Lizzy smiled, and Lizzy said no more. "
    "Mr. Bingley came. Miss Bingley came. Bingley said he would dance. Mr. Bingley danced. "
    "Mr. Darcy said nothing. Colonel Fitzwilliam said he was tired. Fitzwilliam Darcy said nothing. "
    "Mr. Darcy's pride said it all. Darcy said he would not dance. Colonel Fitzwilliam laughed. "
    "Miss Bingley said she was tired. They went to London. In London it rained. From London they came.\n"
)


@pytest.mark.parametrize(
    ("form", "name"),
    [
        ("Lizzy", "Elizabeth"),  # a pet name joins the given name
        ("Elizabeth Bennet", "Elizabeth"),
        ("Bingley", "Mr. Bingley"),  # a bare surname is the man, not Miss Bingley
        ("Miss Bingley", "Miss Bingley"),
        ("Fitzwilliam Darcy", "Darcy"),  # Fitzwilliam is the colonel's surname here
        ("Darcy's", "Darcy"),  # a possessive is not a character of its own
        ("London", None),  # a place
    ],
)
def test_aliases_cluster(form: str, name: str | None) -> None:
    c = attribution.discover(P_AND_P).lookup(form)
    assert (c.name if c else None) == name


def test_gender_guess_from_titles() -> None:
    chars = attribution.discover(P_AND_P)
    assert chars.lookup("Mr. Darcy").gender == "m"
    assert chars.lookup("Miss Bingley").gender == "f"


def test_a_guess_without_evidence_goes_to_the_unknown_voice(tmp_path: Path) -> None:
    text = 'Ann met Tom. Ann met Bob. Tom met Bob.\n\n"Where is Ann?"'
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    quote = [s for s in pipeline.read_script(p).segments if s.kind is Kind.DIALOGUE][0]
    assert quote.speaker is None or quote.confidence >= confidence.threshold()
