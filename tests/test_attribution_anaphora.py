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
