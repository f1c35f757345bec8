"""attribution/mentions.py: the person a tag, a beat or a vocative names; end to end through read_script."""

from __future__ import annotations

import pytest

from audiotale.attribution import discover
from audiotale.attribution.mentions import described, mention_at, vocatives

CAST = ("Clara Vane sat by the window. Clara looked at Tom. Tom Ashby laughed. Tom said nothing. "
        "Clara said nothing either.\n\n")



@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # said-verbs in both orders, and any verb right after a quote that ends open
        (CAST + '"Go," said Tom.\n\n"No," Clara said.', ["Tom", "Clara"]),
        (CAST + '"That is the reason!" pouted Clara.\n\n"It is not," Tom grumbled back.', ["Clara", "Tom"]),
        # words between the article and the name
        (CAST + '"Never!" cried the indignant Clara.\n\n"Ever," said poor Tom.', ["Clara", "Tom"]),
        # a lead-in sentence with a colon
        (CAST + 'Tom turned to her and remarked:\n\n"It is late."', ["Tom"]),
    ],
)
def test_tags(text: str, expected: list[str | None], speakers_of) -> None:
    assert speakers_of(text) == expected


def test_mention_at_reads_names_pronouns_and_descriptions() -> None:
    chars = discover(CAST + '"Yes," said the Hatter.\n\n"No," said the Hatter.\n')
    assert mention_at("Clara, smiling", chars).value == "Clara"
    assert mention_at("she", chars).value == "f"
    assert mention_at("the Hatter", chars).value == "The Hatter"
    assert described("the indignant Clara", chars).name == "Clara"
    assert described("the weather", chars) is None


def test_vocatives_name_the_listener() -> None:
    chars = discover(CAST)
    assert vocatives('"Come here, Tom!"', chars) == {"Tom"}
    assert vocatives('"Tom."', chars) == set()  # an answer, not an address
