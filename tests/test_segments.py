"""Stage 3a as a spec: input text -> (kind, text) rows. Segments must tile the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiotale.datatypes import Chapter, Kind, Reason, Skip
from audiotale.loading.spans import tidy
from audiotale.segments import segment_chapter, sentences, spoken_text

N, D = "narration", "dialogue"


def segs(text: str) -> list[tuple[str, str]]:
    return [(s.kind.value, s.text) for s in segment_chapter(text, Chapter(1, "t", 0, len(text)))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Hello," said Ann.', [(D, '"Hello,"'), (N, "said Ann.")]),
        ('Ann said, "Hello there."', [(N, "Ann said,"), (D, '"Hello there."')]),
        ('"I think," said Ann, "that we should go."',
         [(D, '"I think,"'), (N, "said Ann,"), (D, '"that we should go."')]),
        # scare quotes and titles stay narration
        ('It was a "professional" place.', [(N, 'It was a "professional" place.')]),
        ('Was this really "hope"?', [(N, 'Was this really "hope"?')]),
        ('She had "just" been a girl.', [(N, 'She had "just" been a girl.')]),
        ('from that "greater issue at hand," instead', [(N, 'from that "greater issue at hand," instead')]),
        ('He hummed "Yesterday" all day.', [(N, 'He hummed "Yesterday" all day.')]),
        # but a long quote mid-sentence, or one after a speech verb, is speech
        ('He shouted "get out of my house right now" at them.',
         [(N, "He shouted"), (D, '"get out of my house right now"'), (N, "at them.")]),
        ('He said "no" and left.', [(N, "He said"), (D, '"no"'), (N, "and left.")]),
        # curly quotes and an apostrophe at the start of a quote
        ("\u201cYes,\u201d she said.", [(D, "\u201cYes,\u201d"), (N, "she said.")]),
        ("\"'Course you haven't!\" The girl laughed.",
         [(D, "\"'Course you haven't!\""), (N, "The girl laughed.")]),
        # an unclosed quote ends at its paragraph
        ('"Wait for me\n\nShe ran off.', [(D, '"Wait for me'), (N, "She ran off.")]),
        # a multi-paragraph speech: the opening mark repeats, the closing comes at the end
        ('"First part.\n\n"Second part."', [(D, '"First part.'), (D, '"Second part."')]),
        # British single quotes, with apostrophes that are not quotes
        ("'Yes,' said Tom. 'I don't know.'\n\nHe left.\n\n'No,' she said.",
         [(D, "'Yes,'"), (N, "said Tom."), (D, "'I don't know.'"), (N, "He left."), (D, "'No,'"), (N, "she said.")]),
    ],
)
def test_segments(text: str, expected: list[tuple[str, str]]) -> None:
    assert segs(text) == expected


def test_scene_break_is_kept_and_marks_next_segment() -> None:
    text = "One.\n\n* * *\n\nTwo."
    found = segment_chapter(text, Chapter(1, "t", 0, len(text)))
    assert [s.text for s in found] == ["One.", "* * *", "Two."]
    assert found[2].scene_break_before and not found[0].scene_break_before


def test_spoken_text_drops_marks_and_emphasis() -> None:
    assert spoken_text('"_You_ want to tell me."') == "You want to tell me."
    assert spoken_text("\u201cYes,\u201d") == "Yes,"


def test_sentences_keep_abbreviations() -> None:
    assert sentences("Mr. Darcy came. He bowed! Did Mrs. Bennet see?") == [
        "Mr. Darcy came.", "He bowed!", "Did Mrs. Bennet see?"]


words = st.sampled_from(["Ann", "said", "the", "girl", "don't", "'tis", "yes", "Mr.", "no", "well", "—", "..."])
pieces = st.one_of(
    words,
    st.builds(lambda w: f'"{w}"', st.lists(words, min_size=1, max_size=6).map(" ".join)),
    st.builds(lambda w: f"'{w}'", st.lists(words, min_size=1, max_size=6).map(" ".join)),
    st.sampled_from(['"', "'", "\u201c", "\u201d", "\n\n", "\n", ".", ",", "  ", "* * *", "\u2018", "\u2019"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=40).map(" ".join))
def test_segments_tile_every_non_whitespace_character(text: str) -> None:
    found = segment_chapter(text, Chapter(1, "t", 0, len(text)))
    covered = [False] * len(text)
    last_end = 0
    for s in found:
        assert s.text == text[s.start : s.end]
        assert s.start >= last_end, "segments overlap or go backwards"
        last_end = s.end
        for i in range(s.start, s.end):
            covered[i] = True
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))
    assert all(s.kind in (Kind.NARRATION, Kind.DIALOGUE) for s in found)


@st.composite
def text_with_skips(draw: st.DrawFn) -> tuple[str, tuple[Skip, ...]]:
    text = draw(st.lists(pieces, max_size=40).map(" ".join))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8, unique=True)))
    reasons = draw(st.lists(st.sampled_from(list(Reason)), min_size=len(cuts) // 2, max_size=len(cuts) // 2))
    return text, tidy([Skip(a, b, r) for (a, b), r in zip(zip(cuts[::2], cuts[1::2]), reasons)], text)


@settings(max_examples=300, deadline=None)
@given(text_with_skips())
def test_segments_tile_the_text_with_skipped_parts(case: tuple[str, tuple[Skip, ...]]) -> None:
    """Skipped spans become skipped segments; everything else is narration or dialogue; nothing overlaps."""
    text, skips = case
    found = segment_chapter(text, Chapter(1, "t", 0, len(text), skips))
    owner = [None] * len(text)
    last_end = 0
    for s in found:
        assert s.text == text[s.start : s.end] and s.text.strip()
        assert s.start >= last_end, "segments overlap or go backwards"
        last_end = s.end
        for i in range(s.start, s.end):
            owner[i] = s
    skipped = {i for sk in skips for i in range(sk.start, sk.end)}
    for i, c in enumerate(text):
        if c.isspace():
            continue
        assert owner[i] is not None, f"character {i} ({c!r}) is in no segment"
        assert (owner[i].kind is Kind.SKIPPED) == (i in skipped)
        if i in skipped:
            assert owner[i].reason is next(sk.reason for sk in skips if sk.start <= i < sk.end)
    assert all((s.reason is None) == (s.kind is not Kind.SKIPPED) for s in found)


def test_indented_paragraphs_without_blank_lines() -> None:
    """Hard-wrapped lines, a paragraph starting on each indented line (issue #3)."""
    from audiotale.segments import paragraphs

    lines = ["    \"Is he married or single?\" asked Mr. Bennet, and", "waited for an answer.",
             "    \"Oh! single, my dear,\" said his wife, \"a single man of", "large fortune.\""] * 3
    text = "\n".join(lines) + "\n"
    found = paragraphs(text, 0, len(text))
    assert len(found) == 6
    assert text[found[1].start : found[1].end].endswith('large fortune."')
