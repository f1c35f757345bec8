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
    assert vocatives('"Tom,"', chars) == {"Tom"}  # '"Tom," said she, "come here."': the tag cuts an address


def _tags(text: str) -> list[object]:
    """What each quote's own tag names (None: no tag), as the sieves read it."""
    from audiotale.attribution.mentions import tag
    from audiotale.datatypes import Chapter, Kind
    from audiotale.segments import segment_chapter

    chars = discover(text)
    segs = [s for s in segment_chapter(text, Chapter(1, "t", 0, len(text))) if s.kind is not Kind.SKIPPED]
    found = [tag(segs, i, chars) for i, s in enumerate(segs) if s.kind is Kind.DIALOGUE]
    return [t.mention.value if t else None for t in found]


def test_a_sentence_of_its_own_after_a_quote_is_no_tag() -> None:
    # A tag after ? or ! goes on in lower case; "She pushed the plate away" starts a sentence.
    assert _tags(CAST + "\u201cWhere is the cake?\u201d She pushed the plate away.\n")[-1] is None
    # "He answered:" leads into the quote after it, not back into the one before.
    assert _tags(CAST + "Clara looked up at him and asked: \u201cIs it late?\u201d He answered: \u201cVery.\u201d\n")[-2:] \
        == ["Clara", "m"]
    # ... but `said he:` in lower case goes on with the quote before.
    assert _tags(CAST + "\u201cYes,\u201d said he: \u201cit is.\u201d\n")[-2] == "m"


def test_the_subject_of_a_lead_in_clause() -> None:
    # "and cried:" has no subject of its own: the clause before it has.
    assert _tags(CAST + "Then he climbed the ladder and looked in, and cried: \u201cMother!\u201d\n")[-1] == "m"


def test_a_possessor_is_not_the_person_described() -> None:
    chars = discover(CAST + "'Hush,' said the king.\n\n'Why?' said the king.\n")
    assert described("the king", chars).name == "The king"
    assert described("the king\u2019s son", chars) is None
    # "said the being": a noun for a person that looks like a participle
    assert _tags(CAST + '"No," said Tom.\n\n"Not so," interrupted the being.\n')[-1] == "The being"


def test_she_and_the_boy_are_two_turns(speakers_of) -> None:
    text = (CAST + "\u2018Come in, Tom,\u2019 she said kindly to him. \u2018Mother,\u2019 said the boy, "
            "\u2018how dreadful you look!\u2019\n")
    assert speakers_of(text)[-2] != "Clara"


def test_it_in_a_lead_in_is_the_creature_not_the_one_who_hears_it(speakers_of) -> None:
    text = ('"Wait!" said the Rabbit. "No," said Alice.\n\n'
            'The Rabbit ran down the passage. Alice went after it, and was just in time to hear it say, '
            '"Oh dear, how late it is!"\n')
    assert speakers_of(text)[-1] == "The Rabbit"


def test_a_lead_in_by_someone_is_theirs(speakers_of) -> None:
    text = ('Mrs. Gray sat down. Mrs. Gray smiled.\n\n'
            'Tom read by the fire, and Tom was thinking of the ball, when thus accosted by Mrs. Gray,\n\n'
            '"I can guess what you are thinking of."\n')
    assert speakers_of(text) == ["Mrs. Gray"]
