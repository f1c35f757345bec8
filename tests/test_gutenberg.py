"""Plain-text books as downloaded: Project Gutenberg's wrapping, contents lists, title pages, markers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import pipeline
from audiotale.chapters import split_chapters
from audiotale.cli import cli
from audiotale.datatypes import Book, Kind, Reason
from audiotale.loading import load
from books import GUTENBERG_TEXT
from epubs import words

# Text that must never be spoken, whatever the producer.
NEVER_SPOKEN = re.compile(r"Project Gutenberg|\[Illustration|\[\d+\]|\[Pg \d+\]|^CONTENTS$|Produced by|"
                          r"Transcriber", re.IGNORECASE | re.MULTILINE)


def spoken(segments) -> list[str]:
    return [s.text for s in segments if s.kind is not Kind.SKIPPED]


@pytest.fixture
def harbour(tmp_path: Path) -> Path:
    p = tmp_path / "pg99999.txt"
    p.write_text(GUTENBERG_TEXT, encoding="utf-8")
    return p


def test_title_and_author_come_from_the_header(harbour: Path) -> None:
    book = load(harbour)
    assert book.title == "The Harbour: A Story of the Sea"  # not "Pg99999"
    assert book.author == "Nell Price"


def test_chapters_of_a_gutenberg_text(harbour: Path) -> None:
    chs = split_chapters(load(harbour))
    # the contents list makes no chapters; part headings join the chapter after them
    assert [c.title for c in chs] == ["Part One: Chapter I. The Boats", "Chapter II. The Storm",
                                      "Part Two: Chapter III. The Return"]
    assert chs[0].start == 0 and chs[-1].end == len(load(harbour).text)


def test_nothing_of_the_wrapping_is_spoken(harbour: Path) -> None:
    script = pipeline.read_script(harbour)
    said = "\n".join(spoken(script.segments))
    assert not NEVER_SPOKEN.search(said), NEVER_SPOKEN.search(said)
    assert "The nets were _wet_ and *heavy*" in said  # emphasis marks stay in the text; spoken_text drops them
    assert "THE END" in said and '"We sail at noon,"' in said
    reasons = {s.reason for s in script.segments if s.kind is Kind.SKIPPED}
    assert reasons == {Reason.BOILERPLATE, Reason.TRANSCRIBER, Reason.FRONT_MATTER, Reason.CONTENTS,
                       Reason.ILLUSTRATION, Reason.NOTE_MARKER, Reason.NOTE}
    licence = [s for s in script.segments if s.reason is Reason.BOILERPLATE]
    assert licence[-1].text.startswith("*** END OF THE PROJECT GUTENBERG EBOOK") and licence[-1].end == len(
        script.book.text.rstrip())


def test_a_note_marker_mid_sentence_is_a_clause_pause_not_a_sentence_end(harbour: Path) -> None:
    from audiotale import casting

    script = pipeline.read_script(harbour)
    lines = list(casting.make_lines([s for s in script.segments if s.chapter == 1], casting.load_cast(None), {}))
    after = next(ln for ln in lines if ln.text.startswith("that morning"))
    assert after.pause_before == casting.CLAUSE_PAUSE
    assert not any("[1]" in ln.text or "Nets were made" in ln.text for ln in lines)


def test_skipped_segments_in_jsonl_and_text(harbour: Path) -> None:
    result = CliRunner().invoke(cli, ["script", str(harbour), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(r) for r in result.stdout.splitlines()]
    text = harbour.read_text(encoding="utf-8")
    assert all(r["text"] == text[r["start"] : r["end"]] for r in rows)
    skipped = [r for r in rows if r["kind"] == "skipped"]
    assert any(r["reason"] == "illustration" and r["text"] == "[Illustration: The boats at dawn]" for r in skipped)
    assert all(r["reason"] is None for r in rows if r["kind"] != "skipped")
    covered = "".join(text[r["start"] : r["end"]] for r in rows)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)  # segments tile the whole input
    result = CliRunner().invoke(cli, ["script", str(harbour)])
    assert "SKIPPED (illustration): [Illustration: The boats at dawn]" in result.stdout
    assert re.search(r"SKIPPED \(boilerplate\): \*\*\* END OF .* \[\d+ words\]", result.stdout)


def test_chapters_command(harbour: Path) -> None:
    result = CliRunner().invoke(cli, ["chapters", str(harbour), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "The Harbour: A Story of the Sea" and data["author"] == "Nell Price"
    assert [c["number"] for c in data["chapters"]] == [1, 2, 3]
    assert set(data["chapters"][0]) == {"number", "title", "words", "start", "end"}
    # spoken words only: the licence's thousand words count nowhere
    assert all(40 < c["words"] < 100 for c in data["chapters"]), data["chapters"]
    table = CliRunner().invoke(cli, ["chapters", str(harbour)]).stdout
    assert "Part Two: Chapter III. The Return" in table and "skipped: boilerplate " in table


def test_read_skipped_reads_notes_after_their_chapter(harbour: Path) -> None:
    script = pipeline.read_script(harbour, read_skipped=frozenset({Reason.NOTE}))
    first = [s for s in script.segments if s.chapter == 1]
    assert first[-1].text == "[1] Nets were made of hemp then." and first[-1].kind is Kind.NARRATION
    assert first[-1].reason is Reason.NOTE
    assert [s.index for s in first] == list(range(len(first)))
    result = CliRunner().invoke(cli, ["render", str(harbour), "--read-skipped", "notes,nonsense"])
    assert result.exit_code == 2 and "unknown reason 'nonsense'" in result.stderr


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        # a Moby-Dick-like contents list whose first entry is no heading; the body repeats it
        ("CONTENTS\n\nETYMOLOGY.\n\nEXTRACTS.\n\nCHAPTER 1. Loomings.\n\nCHAPTER 2. The Carpet-Bag.\n\n\n\n"
         f"ETYMOLOGY.\n\n{'Words about whales and the names of whales in many tongues. ' * 4}\n\n"
         f"CHAPTER 1. Loomings.\n\n{'Call me Ishmael and listen. ' * 5}\n\nCHAPTER 2. The Carpet-Bag.\n\n"
         f"{'I stuffed a shirt or two into my old carpet-bag. ' * 3}",
         ["Etymology", "Chapter 1. Loomings", "Chapter 2. The Carpet-Bag"]),
        # a single-spaced contents list, no CONTENTS line
        ("Chapter 1. Dawn\nChapter 2. Noon\nChapter 3. Dusk\n\nChapter 1. Dawn\n\nThe sun rose.\n\n"
         "Chapter 2. Noon\n\nThe sun stood high.\n\nChapter 3. Dusk\n\nThe sun set.",
         ["Chapter 1. Dawn", "Chapter 2. Noon", "Chapter 3. Dusk"]),
        # headings in a row with nothing under them, repeated below
        ("Chapter I\n\nChapter II\n\nChapter III\n\nChapter I\n\nOne.\n\nChapter II\n\nTwo.\n\nChapter III\n\nThree.",
         ["Chapter I", "Chapter II", "Chapter III"]),
        # a book heading over its first chapter, twice
        ("BOOK ONE: 1805\n\nCHAPTER I\n\nWell, Prince.\n\nCHAPTER II\n\nAnna.\n\nBOOK TWO: 1806\n\nCHAPTER I\n\nSnow.",
         ["Book One: 1805: Chapter I", "Chapter II", "Book Two: 1806: Chapter I"]),
    ],
)
def test_contents_lists_and_part_headings(text: str, titles: list[str]) -> None:
    assert [c.title for c in split_chapters(Book(Path("b.txt"), text, "B"))] == titles


def test_a_volume_title_page_mid_book_is_skipped() -> None:
    text = (f"CHAPTER I.\n\n{words(30)}\n\nEND OF VOL. I.\n\n\n\nTHE HARBOUR:\n\nA Novel.\n\nIn Three Volumes.\n\n"
            f"By the Author of \"Sails.\"\n\nVOL. II.\n\nLondon:\nPrinted for J. Smith,\n1813.\n\nTHE HARBOUR.\n\n"
            f"CHAPTER I.\n\n{words(30)}")
    book = Book(Path("b.txt"), text, "The Harbour")
    chs = split_chapters(book)
    assert [c.title for c in chs] == ["Chapter I", "Vol. II: Chapter I"]
    skipped = [text[s.start : s.end] for c in chs for s in c.skipped]
    assert skipped == ['THE HARBOUR:\n\nA Novel.\n\nIn Three Volumes.\n\nBy the Author of "Sails."',
                       "London:\nPrinted for J. Smith,\n1813.\n\nTHE HARBOUR."]


def test_a_line_that_mentions_the_title_is_not_a_title_page() -> None:
    text = "The harbour was quiet that night.\n\nChapter 1\n\n" + words(30)
    chs = split_chapters(Book(Path("the-harbour.txt"), text, "The Harbour"))
    assert not any(c.skipped for c in chs)


def test_nul_bytes_are_read_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    p = tmp_path / "damaged.txt"
    p.write_bytes(b"Chapter 1\n\nAnn walked home.\n\nShe sat\x00 down.\n\n" + words(40).encode())
    result = CliRunner().invoke(cli, ["script", str(p)])
    assert result.exit_code == 0, result.output
    assert "damaged.txt:5: a stray NUL byte" in result.stderr
    assert "She sat" in result.stdout


def test_a_mostly_binary_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "image.txt"
    p.write_bytes(bytes(range(256)) * 50)
    result = CliRunner().invoke(cli, ["script", str(p)])
    assert result.exit_code == 2 and "looks like a binary file" in result.stderr


def test_utf16_without_a_bom_is_read(tmp_path: Path) -> None:
    p = tmp_path / "wide.txt"
    p.write_bytes("Chapter 1\n\nAnn walked home.\n".encode("utf-16-le"))
    assert "Ann walked home." in load(p).text



@pytest.mark.parametrize(
    ("text", "skipped"),
    [
        ("The ship[12] sailed.\n\n[12] A brig.", [("[12]", "note-marker"), ("[12] A brig.", "note")]),
        ("A letter [A] here.\n\n[A] The letter A.", [("[A]", "note-marker"), ("[A] The letter A.", "note")]),
        ("Plan [A] failed.", []),  # no note [A]: a letter in brackets, read
        ("She wept.[Footnote 3: Real tears.] Then left.", [("[Footnote 3: Real tears.]", "note")]),
        ("[Illustration: \"Come in,\" said\nthe [old] man.]\n\nText.", [('[Illustration: "Come in," said\nthe [old] man.]',
                                                                       "illustration")]),
        ("Text [Pg 12] more {13} text.", [("[Pg 12]", "page-number"), ("{13}", "page-number")]),
        ("The king.[Sidenote: A.D. 1066] He fell.", [("[Sidenote: A.D. 1066]", "note")]),
        ("It was [Transcriber's Note: sic] so.", [("[Transcriber's Note: sic]", "transcriber")]),
        ("FOOTNOTES:\n\n[1] One.", [("FOOTNOTES:", "note"), ("[1] One.", "note")]),
    ],
)
def test_text_markers(text: str, skipped: list[tuple[str, str]]) -> None:
    from audiotale.loading import markers

    found = sorted(markers.find(text), key=lambda s: s.start)
    assert [(text[s.start : s.end], s.reason.value) for s in found] == skipped
