"""Stage 1 for EPUB: chapters from the nav document / NCX, metadata, cover, safety limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale.loading import archive
from audiotale.chapters import split_chapters
from audiotale.errors import InputError
from audiotale.loading import load
from epubs import CHAPTERS, epub2, epub3


def _spoken(book, ch) -> str:
    """What is read of a chapter: its text without the skipped spans."""
    parts, pos = [], ch.start
    for sk in ch.skipped:
        parts.append(book.text[pos : sk.start])
        pos = sk.end
    parts.append(book.text[pos : ch.end])
    return "\n\n".join(p.strip() for p in parts if p.strip())


def _texts(book) -> list[str]:
    return [_spoken(book, c) for c in split_chapters(book)]


def test_epub3_chapters_come_from_the_nav_document(tmp_path: Path) -> None:
    book = load(epub3(tmp_path / "rain.epub"))
    assert [c.title for c in split_chapters(book)] == ["The Arrival", "The Storm", "The Departure"]
    assert _texts(book) == ["\n\n".join(paras) for _, paras in CHAPTERS]
    assert book.title == "A Rainy Week" and book.author == "Jane Writer"
    assert book.cover is not None and book.cover.startswith(b"\x89PNG")
    assert "All rights" not in "".join(_texts(book))  # the copyright page is there, skipped
    skipped = [(book.text[sk.start : sk.end], sk.reason.value) for c in split_chapters(book) for sk in c.skipped]
    assert [reason for text, reason in skipped if "All rights" in text] == ["front-matter"]
    assert [reason for text, reason in skipped if "The Storm" in text] == ["contents"]  # the nav document


def test_chapters_tile_the_text_with_blank_lines(tmp_path: Path) -> None:
    book = load(epub3(tmp_path / "rain.epub"))
    chs = split_chapters(book)
    assert chs[0].start == 0 and chs[-1].end == len(book.text)
    assert all(a.end == b.start for a, b in zip(chs, chs[1:]))


def test_epub2_ncx_with_anchors_in_one_file(tmp_path: Path) -> None:
    book = load(epub2(tmp_path / "old.epub"))
    assert [c.title for c in split_chapters(book)] == ["The Arrival", "The Storm", "The Departure"]
    texts = _texts(book)
    assert texts[0].startswith("The Arrival\n\nAnn came") and "wind" not in texts[0]
    assert texts[1].startswith("The Storm\n\nThe wind")
    assert book.title == "Old Tales" and book.author == "Olde Author"
    assert book.cover is not None and book.cover.startswith(b"\x89PNG")


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="declares XML entities"):
        load(epub2(tmp_path / "evil.epub", entity=True))


def test_oversized_member_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER", 100)
    with pytest.raises(InputError, match="too large"):
        load(epub2(tmp_path / "big.epub"))


def test_not_a_zip_is_a_clean_error(tmp_path: Path) -> None:
    p = tmp_path / "fake.epub"
    p.write_text("hello")
    with pytest.raises(InputError, match="not a zip archive"):
        load(p)


def test_titles_are_single_clean_lines(tmp_path: Path) -> None:
    chapters = [("../../etc/passwd\n  Bad", ["One."]), ("Two", ["Two."]), ("Three", ["Three."])]
    book = load(epub3(tmp_path / "odd.epub", chapters))
    assert split_chapters(book)[0].title == "../../etc/passwd Bad"
