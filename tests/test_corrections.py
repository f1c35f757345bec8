"""Stable quote ids, utterances and the corrections file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import corrections, pipeline
from audiotale.cli import cli
from audiotale.datatypes import Kind
from audiotale.errors import ConfigError

BOOK = 'Ann came in.\n\n"Hello there," said Ann.\n\n"Hi," said Bob.\n\n"Hello there," said Ann.\n'
INTERRUPTED = ('Chapter 1\n\nBob sat down.\n\n"I am," said he, "quite tired of this," he continued, "and of everybody here."\n\n'
               '"Then go," said Ann.\n\nChapter 2\n\n"Where?" asked Bob.\n\n"Home," Ann said.\n')


def dialogue(path: Path, fixes: Path | None = None) -> list:
    return [s for s in pipeline.read_script(path, None, fixes).segments if s.kind is Kind.DIALOGUE]


def write(tmp_path: Path, text: str, name: str = "b.txt") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_ids_survive_edits_elsewhere_and_rewrapping(tmp_path: Path) -> None:
    book = write(tmp_path, INTERRUPTED)
    before = [s.quote_id for s in dialogue(book)]
    edited = INTERRUPTED.replace("Bob sat down.", "A new line.\n\nBob sat\ndown slowly.").replace(
        '"Where?" asked Bob.', '"Where?"\nasked Bob.')
    write(tmp_path, edited)
    assert [s.quote_id for s in dialogue(book)] == before
    assert all(len(q) == 8 and "-" not in q for q in before)


def test_ids_do_not_depend_on_chapter_numbering(tmp_path: Path) -> None:
    book = write(tmp_path, INTERRUPTED)
    before = [s.quote_id for s in dialogue(book)]
    write(tmp_path, "Prologue\n\nIt began.\n\n" + INTERRUPTED.replace("Chapter 2\n\n", ""))
    after = dialogue(book)
    assert [s.quote_id for s in after] == before
    assert {s.chapter for s in after} == {2}  # every quote moved to another chapter number


def test_fragments_of_an_interrupted_quote_share_one_id(tmp_path: Path) -> None:
    segs = dialogue(write(tmp_path, INTERRUPTED))
    assert [s.text for s in segs[:3]] == ['"I am,"', '"quite tired of this,"', '"and of everybody here."']
    assert len({s.quote_id for s in segs[:3]}) == 1
    assert len({s.quote_id for s in segs}) == 4  # "Then go", "Where?", "Home" are utterances of their own


def test_correcting_one_fragment_corrects_the_utterance(tmp_path: Path) -> None:
    book = write(tmp_path, INTERRUPTED)
    qid = dialogue(book)[1].quote_id
    write(tmp_path, f'"{qid}" = "Ann"\n', "b.corrections.toml")
    fixed = dialogue(book)
    assert [(s.speaker, s.evidence) for s in fixed[:3]] == [("Ann", "corrected")] * 3
    assert fixed[3].evidence != "corrected"


def test_repeated_words_are_told_apart_by_their_neighbourhood(tmp_path: Path) -> None:
    book = write(tmp_path, BOOK)
    ids = [s.quote_id for s in dialogue(book)]
    assert len(set(ids)) == 3
    # Editing the words next to the second "Hello there" changes that quote's id only.
    write(tmp_path, BOOK[: BOOK.rindex('"Hello')] + 'Then:\n\n"Hello there," said Ann.\n')
    after = [s.quote_id for s in dialogue(book)]
    assert after[:2] == ids[:2] and after[2] != ids[2]


def test_corrections_file_beside_the_book_sets_the_speaker(tmp_path: Path) -> None:
    book = write(tmp_path, BOOK)
    qid = dialogue(book)[1].quote_id
    write(tmp_path, f'"{qid}" = "Ann"\n', "b.corrections.toml")
    fixed = dialogue(book)[1]
    assert (fixed.speaker, fixed.evidence, fixed.confidence) == ("Ann", "corrected", 1.0)


@pytest.mark.parametrize(("value", "speaker"), [('"unknown"', None), ('""', None), ('"Bob"', "Bob")])
def test_explicit_corrections_file(tmp_path: Path, value: str, speaker: str | None) -> None:
    book = write(tmp_path, BOOK)
    qid = dialogue(book)[0].quote_id
    fixes = write(tmp_path, f'"{qid}" = {value}\n', "mine.toml")
    assert dialogue(book, fixes)[0].speaker == speaker


def test_a_range_credits_every_quote_between_across_chapters(tmp_path: Path) -> None:
    book = write(tmp_path, INTERRUPTED)
    segs = dialogue(book)
    first, last = segs[3].quote_id, segs[5].quote_id  # "Then go" (chapter 1) .. "Home" (chapter 2)
    write(tmp_path, f'"{first}..{last}" = "Carl"\n"{segs[4].quote_id}" = "Bob"\n', "b.corrections.toml")
    fixed = dialogue(book)
    assert [s.speaker for s in fixed[3:]] == ["Carl", "Bob", "Carl"]  # a single id wins over the range
    assert all(s.evidence != "corrected" for s in fixed[:3])


def test_ids_of_the_older_chapter_form_keep_working(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    book = write(tmp_path, INTERRUPTED)
    segs = pipeline.read_script(book).segments
    old = {i: k for k, i in corrections.old_ids(segs).items()}
    dialogue_at = [i for i, s in enumerate(segs) if s.kind is Kind.DIALOGUE]
    then_go, where = old[dialogue_at[3]], old[dialogue_at[4]]
    assert then_go.startswith("1-") and where.startswith("2-")
    renumbered = "7-" + where.split("-")[1]  # chapter detection changed: its words still name one quote
    write(tmp_path, f'"{then_go}" = "Carl"\n"{renumbered}" = "Dan"\n"3-abcdef" = "Eve"\n', "b.corrections.toml")
    with caplog.at_level(logging.WARNING):
        fixed = dialogue(book)
    assert [s.speaker for s in fixed[3:5]] == ["Carl", "Dan"]
    assert 'b.corrections.toml:3: "3-abcdef" matches no quote' in caplog.text


def test_an_old_id_whose_words_repeat_in_other_chapters_is_reported(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    book = write(tmp_path, "Chapter 1\n\n\"Yes,\" said Ann.\n\nChapter 2\n\n\"Yes,\" said Bob.\n")
    digest = corrections.old_ids(pipeline.read_script(book).segments)
    key = next(k for k in digest if k.startswith("1-"))
    write(tmp_path, f'"9-{key.split("-")[1]}" = "Carl"\n', "b.corrections.toml")
    with caplog.at_level(logging.WARNING):
        assert all(s.speaker != "Carl" for s in dialogue(book))
    assert "occur 2 times" in caplog.text and "b.corrections.toml:1" in caplog.text


def test_reversed_range_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    book = write(tmp_path, BOOK)
    ids = [s.quote_id for s in dialogue(book)]
    write(tmp_path, f'"{ids[2]}..{ids[0]}" = "Bob"\n', "b.corrections.toml")
    with caplog.at_level(logging.WARNING):
        assert all(s.evidence != "corrected" for s in dialogue(book))
    assert "ends before it starts" in caplog.text


def test_bad_corrections_file_is_a_clean_error(tmp_path: Path) -> None:
    book = write(tmp_path, BOOK)
    fixes = write(tmp_path, '"1-abc" = Ann\n', "bad.toml")
    with pytest.raises(ConfigError, match=r"bad.toml:1: TOML syntax error"):
        dialogue(book, fixes)
    fixes.write_text('"a" = "Ann"\n"b" = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'bad.toml:2: "b" must be a speaker name'):
        dialogue(book, fixes)
    with pytest.raises(ConfigError, match=r"nope.toml: no such file"):
        dialogue(book, tmp_path / "nope.toml")


def test_script_text_shows_ids_and_reads_corrections_option(tmp_path: Path) -> None:
    book = write(tmp_path, BOOK)
    qid = dialogue(book)[1].quote_id
    fixes = write(tmp_path, f'"{qid}" = "Ann"\n', "fixes.toml")
    result = CliRunner().invoke(cli, ["script", str(book), "--corrections", str(fixes)])
    assert result.exit_code == 0, result.output
    assert f'[{qid}] Ann: "Hi,"  [corrected 1.00]' in result.output


def test_render_reads_corrections_option(tmp_path: Path, fake_engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    book = write(tmp_path, INTERRUPTED)
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["render", str(book), "-o", str(out), "--jobs", "1"])
    assert first.exit_code == 0, first.output
    qid = dialogue(book)[0].quote_id
    fixes = write(tmp_path, f'"{qid}" = "Carl"\n', "fixes.toml")
    again = CliRunner().invoke(cli, ["render", str(book), "-o", str(out), "--jobs", "1", "--corrections", str(fixes)])
    assert again.exit_code == 0, again.output
    # The three fragments of one utterance change voice; one chapter is encoded again.
    assert "3 clip(s) synthesized, 1 chapter(s) encoded" in again.output


def test_a_correction_naming_nobody_in_the_book_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from audiotale import casting

    book = write(tmp_path, INTERRUPTED)
    qid = dialogue(book)[3].quote_id
    write(tmp_path, f'"{qid}" = "Bobb"\n', "b.corrections.toml")
    with caplog.at_level(logging.WARNING):
        fixed = [s for s in pipeline.read_script(book, casting.load_cast(None)).segments if s.kind is Kind.DIALOGUE]
    assert fixed[3].speaker == "Bobb"  # the name is kept (it may be a new character) but not silently
    assert 'a correction names "Bobb", who is nowhere in the book; did you mean "Bob"?' in caplog.text
