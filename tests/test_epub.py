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


# ---------------------------------------------------------------------------------------------------------
# Real producers' layouts (tests/epubs.py imitates each).

from audiotale import pipeline  # noqa: E402
from audiotale.datatypes import Kind, Reason  # noqa: E402
from epubs import (LICENCE, build, calibre, gutenberg_single_file, nav_doc, ncx_doc,  # noqa: E402
                   standard_ebooks, words, xhtml)
from test_gutenberg import NEVER_SPOKEN, spoken  # noqa: E402


def _skipped(book) -> dict[str, str]:
    """Skipped text (whitespace squeezed) -> its reason."""
    return {" ".join(book.text[s.start : s.end].split()): s.reason.value for c in split_chapters(book) for s in c.skipped}


def test_standard_ebooks_matter_parts_and_endnotes(tmp_path: Path) -> None:
    path = standard_ebooks(tmp_path / "lighthouse.epub")
    book = load(path)
    assert [c.title for c in split_chapters(book)] == ["Part I: Chapter I", "Chapter II"]
    reasons = _skipped(book)
    assert reasons["The Lighthouse By Mara Vell. Imprint This ebook is the product of many hours of work by "
                   "volunteers for Standard Ebooks, based on a transcription from Project Gutenberg."] == "front-matter"
    assert reasons["1"] == "note-marker"
    assert reasons["The lamp burned whale oil until 1870. \u21a9"] == "note"
    assert any(text.startswith("Colophon") and "Uncopyright" in text and r == "back-matter" for text, r in reasons.items())
    said = " ".join(spoken(pipeline.read_script(path).segments))
    assert not NEVER_SPOKEN.search(said) and "whale oil" not in said and "Colophon" not in said
    # asked for, the endnote is read after the chapter that refers to it, not at the back of the book
    segs = pipeline.read_script(path, read_skipped=frozenset({Reason.NOTE})).segments
    first = [s for s in segs if s.chapter == 1]
    assert first[-1].text.startswith("The lamp burned whale oil") and first[-1].kind is Kind.NARRATION


def test_calibre_parts_ncx_only_with_filepos_anchors(tmp_path: Path) -> None:
    book = load(calibre(tmp_path / "mill.epub"))
    chs = split_chapters(book)
    assert [c.title for c in chs] == ["One", "Two", "Three"]
    assert _texts(book)[1].startswith("TWO\n\nThe river fell")
    reasons = _skipped(book)
    assert reasons["THE MILL Ida Stone Copyright \u00a9 2009 Ida Stone. All rights reserved."] == "front-matter"
    assert reasons["Contents One Two Three"] == "contents"
    assert reasons["1"] == "note-marker" and reasons["Notes 1 A mill wheel stops when the race runs dry."] == "note"
    assert book.title == "The Mill" and book.author == "Ida Stone"


def test_one_file_holds_the_whole_book_split_at_toc_anchors(tmp_path: Path) -> None:
    path = gutenberg_single_file(tmp_path / "orchard.epub")
    book = load(path)
    chs = split_chapters(book)
    # the TOC entry for a picture is no chapter; the licence, title page and contents are none either
    assert [c.title for c in chs] == ["Chapter I. The Seed", "Chapter II. The Tree"]
    reasons = _skipped(book)
    assert reasons["The seed in the ground"] == "illustration"
    assert reasons["[Pg 7]"] == "page-number" and reasons["[1]"] == "note-marker"
    assert reasons["FOOTNOTES:"] == reasons["[1] An apple seed takes years to fruit."] == "note"
    assert reasons["THE ORCHARD A Tale by Tom Reed"] == "front-matter"
    assert reasons["CONTENTS CHAPTER I. THE SEED CHAPTER II. THE TREE"] == "contents"
    assert [r for t, r in reasons.items() if "Project Gutenberg" in t] == ["boilerplate", "boilerplate"]
    said = " ".join(spoken(pipeline.read_script(path).segments))
    assert not NEVER_SPOKEN.search(said), NEVER_SPOKEN.search(said)


def _chapter(n: int, seed: str) -> str:
    return xhtml(f'<div role="navigation" class="related">Navigation: index | next | previous</div>'
                 f"<h1>Chapter {n}</h1><p>{words(30, seed)}</p>")


def test_missing_toc_targets_fall_back_to_the_spine(tmp_path: Path) -> None:
    docs = {"a.xhtml": _chapter(1, "oak"), "b.xhtml": _chapter(2, "elm")}
    nav = nav_doc([("Chapter 1", "gone/a.xhtml", []), ("Chapter 2", "gone/b.xhtml", [])])
    book = load(build(tmp_path / "manual.epub", docs, list(docs), nav=nav))
    chs = split_chapters(book)
    assert [c.title for c in chs] == ["Chapter 1", "Chapter 2"]  # from the headings, never "Navigation"
    assert _skipped(book)["Navigation: index | next | previous"] == "navigation"


def test_linear_no_documents_are_skipped_unless_the_toc_names_them(tmp_path: Path) -> None:
    docs = {"a.xhtml": _chapter(1, "oak"), "tr.xhtml": xhtml(f"<h1>Traduction</h1><p>{words(30, 'pluie')}</p>"),
            "b.xhtml": _chapter(2, "elm"), "map.xhtml": xhtml(f"<h1>The Map</h1><p>{words(30, 'road')}</p>")}
    nav = nav_doc([("Chapter 1", "a.xhtml", []), ("Chapter 2", "b.xhtml", []), ("The Map", "map.xhtml", [])])
    spine = ["a.xhtml", ("tr.xhtml", False), "b.xhtml", ("map.xhtml", False)]
    book = load(build(tmp_path / "linear.epub", docs, spine, nav=nav))
    assert [c.title for c in split_chapters(book)] == ["Chapter 1", "Chapter 2", "The Map"]
    assert _skipped(book)["Traduction " + words(30, "pluie")] == "non-linear"


def test_nav_and_ncx_that_disagree_the_one_that_points_into_the_book_wins(tmp_path: Path) -> None:
    docs = {"a.xhtml": _chapter(1, "oak"), "b.xhtml": _chapter(2, "elm")}
    nav = nav_doc([("Wrong", "old/a.xhtml", [])])
    ncx = ncx_doc([("The Oak", "a.xhtml", []), ("The Elm", "b.xhtml", [])])
    book = load(build(tmp_path / "both.epub", docs, list(docs), nav=nav, ncx=ncx))
    assert [c.title for c in split_chapters(book)] == ["The Oak", "The Elm"]


def test_unlinked_nav_headings_and_fragments_in_hrefs(tmp_path: Path) -> None:
    docs = {"text/Chapter 1.xhtml": xhtml(f'<h2 id="c1">Chapter 1</h2><p>{words(30, "oak")}</p>'
                                          f'<h2 id="c2">Chapter 2</h2><p>{words(30, "elm")}</p>'),
            "text/c3.xhtml": xhtml(f'<p>{words(5, "ash")}</p><h2 id="c3">Chapter 3</h2><p>{words(30, "ash")}</p>')}
    nav = nav_doc([("Part One", None, [("Chapter 1", "text/Chapter%201.xhtml#c1", []),
                                       ("Chapter 2", "text/Chapter%201.xhtml#c2", [])]),
                   ("Part Two", None, [("Chapter 3", "text/c3.xhtml#c3", [])])])
    book = load(build(tmp_path / "parts.epub", docs, list(docs), nav=nav))
    chs = split_chapters(book)
    assert [c.title for c in chs] == ["Part One: Chapter 1", "Chapter 2", "Part Two: Chapter 3"]
    assert book.text[chs[2].start :].startswith("Chapter 3")  # the text before the #c3 anchor stays in chapter 2


def test_a_drop_capital_drawn_as_a_picture_is_read(tmp_path: Path) -> None:
    docs = {"a.xhtml": xhtml(f'<h1>Chapter 1</h1><p><img src="t.png" alt="T"/>he night was cold. {words(30)}</p>')}
    book = load(build(tmp_path / "dropcap.epub", docs, list(docs), nav=nav_doc([("Chapter 1", "a.xhtml", [])])))
    assert "The night was cold." in book.text


def test_documents_without_a_declared_encoding_are_utf8(tmp_path: Path) -> None:
    docs = {"a.html": f"<html><body><h1>Chapter 1</h1><p>Caf\u00e9 \u2019{words(30)}</p></body></html>",
            "b.html": ('<?xml version="1.0" encoding="windows-1252"?><html><body><h1>Chapter 2</h1><p>Na\u00efve '
                       + words(30) + "</p></body></html>").encode("cp1252")}
    nav = nav_doc([("Chapter 1", "a.html", []), ("Chapter 2", "b.html", [])])
    text = load(build(tmp_path / "enc.epub", docs, list(docs), nav=nav)).text
    assert "Caf\u00e9 \u2019" in text and "Na\u00efve" in text  # not "CafÃ©", not "Na\ufffdve"


def test_a_part_page_with_an_epigraph_joins_its_first_chapter(tmp_path: Path) -> None:
    docs = {"p1.xhtml": xhtml(f"<h1>Part One</h1><blockquote><p>{words(25, 'vengeance')}</p></blockquote>"),
            "c1.xhtml": xhtml(f"<h2>Chapter 1</h2><p>{words(200, 'oak')}</p>"),
            "c2.xhtml": xhtml(f"<h2>Chapter 2</h2><p>{words(200, 'elm')}</p>")}
    nav = nav_doc([("Part One", "p1.xhtml", [("Chapter 1", "c1.xhtml", []), ("Chapter 2", "c2.xhtml", [])])])
    book = load(build(tmp_path / "parts.epub", docs, list(docs), nav=nav))
    assert [c.title for c in split_chapters(book)] == ["Part One: Chapter 1", "Chapter 2"]


def test_subsections_of_a_long_entry_stay_in_its_chapter(tmp_path: Path) -> None:
    """A manual: an entry with text of its own, its sub-entries its sections; a novel's chapters always split."""
    doc = (f'<h1 id="a">1. Getting started</h1><p>{words(200, "setup")}</p><h2 id="a1">1.1 Install</h2>'
           f'<p>{words(40, "pip")}</p><h2 id="a2">1.2 Configure</h2><p>{words(40, "toml")}</p>'
           f'<h1 id="b">2. Usage</h1><p>{words(200, "run")}</p><h2 id="b1">Chapter 3</h2><p>{words(40, "end")}</p>')
    nav = nav_doc([("1. Getting started", "m.xhtml#a", [("1.1 Install", "m.xhtml#a1", []),
                                                         ("1.2 Configure", "m.xhtml#a2", [])]),
                   ("2. Usage", "m.xhtml#b", [("Chapter 3", "m.xhtml#b1", [])])])
    book = load(build(tmp_path / "manual.epub", {"m.xhtml": xhtml(doc)}, ["m.xhtml"], nav=nav))
    assert [c.title for c in split_chapters(book)] == ["1. Getting started", "2. Usage", "Chapter 3"]


def test_one_file_without_a_usable_toc_is_split_at_its_headings(tmp_path: Path) -> None:
    doc = xhtml(f"<h1>Chapter 1</h1><p>{words(30, 'oak')}</p><h1>Chapter 2</h1><p>{words(30, 'elm')}</p>"
                f'<h1>Chapter 3</h1><p>{words(30, "ash")}</p>')
    book = load(build(tmp_path / "flat.epub", {"all.xhtml": doc}, ["all.xhtml"]))  # no nav, no NCX
    assert [c.title for c in split_chapters(book)] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    # a TOC whose anchors are lost finds its chapters by their headings
    nav = nav_doc([("Chapter 1", "all.xhtml#x1", []), ("Chapter 2", "all.xhtml#x2", []),
                   ("Chapter 3", "all.xhtml#x3", [])])
    book = load(build(tmp_path / "lost.epub", {"all.xhtml": doc}, ["all.xhtml"], nav=nav))
    assert [c.title for c in split_chapters(book)] == ["Chapter 1", "Chapter 2", "Chapter 3"]


def test_an_older_gutenberg_epub_with_its_header_in_pre(tmp_path: Path) -> None:
    pre = ("<pre>The Project Gutenberg EBook of The Orchard, by Tom Reed\n\nThis eBook is for the use of anyone "
           "anywhere at no cost.\n\nTitle: The Orchard\n\nAuthor: Tom Reed\n\n"
           "*** START OF THIS PROJECT GUTENBERG EBOOK THE ORCHARD ***\n\n\n\n\nProduced by A. Volunteer\n</pre>")
    end = f"<pre>End of the Project Gutenberg EBook of The Orchard\n\n*** END OF THIS PROJECT GUTENBERG EBOOK ***\n{LICENCE}</pre>"
    docs = {"a.xhtml": xhtml(f"{pre}<h1>Chapter 1</h1><p>{words(40, 'oak')}</p>{end}")}
    path = build(tmp_path / "old.epub", docs, list(docs), nav=nav_doc([("Chapter 1", "a.xhtml", [])]))
    said = " ".join(spoken(pipeline.read_script(path).segments))
    assert said.startswith("Chapter 1 The oak fell") and not NEVER_SPOKEN.search(said), said[:200]
