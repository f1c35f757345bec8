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
        # a lead-in right before a quote is its tag, not the lead-in of the next quote after it
        (CAST + 'And Clara said, "Go on," and Tom said, "I will."', ["Clara", "Tom"]),
        (CAST + '"Stop!" Clara cried out, "Stop!" and Tom looked round.', ["Clara", "Clara"]),
        # a possessor is not the speaker; a voice is its owner's
        (CAST + '"Hush!" said Tom\u2019s sister.\n\n"Why?" said Clara\u2019s voice.', ["Tom\u2019s sister", "Clara"]),
        # the lead-in's last clause; the one a relative clause is about; not a clause of its own after the quote
        (CAST + 'Tom whispered to Clara, and Clara said "Yes, of course."', ["Clara"]),
        (CAST + '"Hello," said Tom.\n\nClara looked at Tom, who said in a low voice, "Go."', ["Tom", "Tom"]),
        (CAST + '"No," said Tom. "Look, Clara!" And as Clara looked round, Tom laughed.', ["Tom", "Tom"]),
        # a name after the quote beats a pronoun before it
        (CAST + '"It is done," said he, "and now?" asked Clara.', ["Tom", "Clara"]),
        # hyphenated names
        ('Rose-red sat down. Rose-red laughed at Snow-white, and Snow-white laughed.\n\n'
         '"Where are you going?" said Rose-red.', ["Rose-red"]),
        # the answer named after the quote
        (CAST + '"Never," was Clara\u2019s reply.', ["Clara"]),
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
