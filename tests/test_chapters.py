"""Stage 2: chapter headings in plain text and Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale.chapters import split_chapters
from audiotale.datatypes import Book


def titles(text: str, name: str = "book.txt") -> list[str]:
    return [c.title for c in split_chapters(Book(Path(name), text, "My Book"))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Just a story with no headings.", ["My Book"]),
        ("CHAPTER I.\n\nOne.\n\nCHAPTER II.\n\nTwo.", ["Chapter I", "Chapter II"]),
        ("Chapter 12\n\nText.\n\nChapter 13: The Ball\n\nMore.", ["Chapter 12", "Chapter 13: The Ball"]),
        ("Chapter Twelve\n\nText.\n\nPART II\n\nMore.", ["Chapter Twelve", "Part II"]),
        # a short line before the first heading is read at the start of the first chapter
        ("Preface text.\n\nChapter 1\n\nOne.", ["Chapter 1"]),
        # a sentence that starts with "Part" is not a heading
        ("Chapter 1\n\nPart of the fun was the rain.\n\nThe end.", ["Chapter 1"]),
        # a wrapped line that ends with "part." is prose, not a heading
        ("Chapter 1\n\nIt was kind on his own\npart.\n\nThe end.", ["Chapter 1"]),
        ("I.\n\nOne.\n\nII.\n\nTwo.\n\nIII\n\nThree.", ["Chapter I", "Chapter II", "Chapter III"]),
        ("PROLOGUE\n\nBefore.\n\nCHAPTER ONE\n\nOne.", ["Prologue", "Chapter One"]),
        ("CHAPTER THE FIRST\n\nOne.\n\nCHAPTER THE SECOND\n\nTwo.", ["Chapter the First", "Chapter the Second"]),
        # a chapter's name under its number; stories numbered in roman numerals
        ("CHAPTER I.\nDown the Rabbit-Hole\n\nAlice.\n\nCHAPTER II.\nThe Pool of Tears\n\nTears.",
         ["Chapter I. Down the Rabbit-Hole", "Chapter II. The Pool of Tears"]),
        ("I. A SCANDAL IN BOHEMIA\n\nOne.\n\nII. THE RED-HEADED LEAGUE\n\nTwo.",
         ["I. A Scandal in Bohemia", "II. The Red-Headed League"]),
        ("CHAPTER XV\n\nEnd.\n\nFIRST EPILOGUE: 1813-20\n\nAfter.", ["Chapter XV", "First Epilogue: 1813-20"]),
        # a scene break is not a chapter, a lone `#` included
        ("Chapter 1\n\nOne.\n\n* * *\n\nTwo.\n\n#\n\nThree.\n\n***\n\nFour.", ["Chapter 1"]),
    ],
)
def test_text_headings(text: str, expected: list[str]) -> None:
    assert titles(text) == expected


def test_markdown_headings() -> None:
    md = "# The Book\n\n## Chapter One\n\nText.\n\n## Chapter Two\n\nMore."
    assert titles(md, "book.md") == ["Chapter One", "Chapter Two"]
    assert titles("# One\n\nText.\n\n# Two\n\nMore.", "book.md") == ["One", "Two"]


def test_markdown_title_comes_from_the_single_h1(tmp_path: Path) -> None:
    from audiotale.loading import load

    p = tmp_path / "my-book.md"
    p.write_text("# The Book\n\n## Chapter One\n\nText.\n\n## Chapter Two\n\nMore.", encoding="utf-8")
    book = load(p)
    assert book.title == "The Book"
    assert split_chapters(book)[0].start == 0


def test_chapters_tile_the_text() -> None:
    text = "An introduction: more words than any heading has, read as a chapter of its own.\n\nChapter 1\n\nOne.\n\nChapter 2\n\nTwo."
    chs = split_chapters(Book(Path("b.txt"), text, "B"))
    assert chs[0].start == 0 and chs[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(chs, chs[1:]))
    assert [c.number for c in chs] == [1, 2, 3]
    assert [c.title for c in chs] == ["B", "Chapter 1", "Chapter 2"]


def test_lone_hash_in_markdown_is_a_scene_break_not_a_heading() -> None:
    assert titles("# One\n\nText.\n\n#\n\nMore.\n\n# Two\n\nEnd.", "book.md") == ["One", "Two"]


def test_scene_breaks_mark_the_next_segment() -> None:
    from audiotale.segments import segment_chapter

    text = "Chapter 1\n\nOne.\n\n#\n\nTwo.\n\n* * *\n\nThree."
    ch = split_chapters(Book(Path("b.txt"), text, "B"))[0]
    segs = segment_chapter(text, ch, 0)
    assert [s.text for s in segs if s.scene_break_before] == ["Two.", "Three."]


BOOKS = Path("/work/shared/books")
PRIDE = next((p for p in [Path(__file__).parents[2] / "shared/books/pride-and-prejudice.txt",
                          BOOKS / "pride-and-prejudice.txt"] if p.exists()), None)


@pytest.mark.skipif(PRIDE is None, reason="shared/books/pride-and-prejudice.txt is not beside the repository")
def test_pride_and_prejudice_has_61_chapters() -> None:
    from audiotale.loading import load

    assert PRIDE is not None
    chs = split_chapters(load(PRIDE))
    assert len(chs) == 61
    assert chs[0].title == "Chapter I" and all(c.title.startswith(("Chapter ", "Vol. ")) for c in chs)
    # each volume's title page is skipped, and the volume heading joins its first chapter
    assert [c.title for c in chs if c.title.startswith("Vol.")] == ["Vol. II: Chapter I", "Vol. III: Chapter I"]
