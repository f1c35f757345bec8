"""Stable quote ids and the corrections file (issue #3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale import pipeline
from audiotale.datatypes import Kind
from audiotale.errors import ConfigError

BOOK = 'Ann came in.\n\n"Hello there," said Ann.\n\n"Hi," said Bob.\n\n"Hello there," said Ann.\n'


def dialogue(path: Path, fixes: Path | None = None) -> list:
    return [s for s in pipeline.read_script(path, None, fixes).segments if s.kind is Kind.DIALOGUE]


def test_ids_are_stable_across_edits_elsewhere(tmp_path: Path) -> None:
    book = tmp_path / "b.txt"
    book.write_text(BOOK, encoding="utf-8")
    before = [s.quote_id for s in dialogue(book)]
    book.write_text("A new first line.\n\n" + BOOK.replace("Ann came in.", "Ann walked\nin slowly."), encoding="utf-8")
    after = [s.quote_id for s in dialogue(book)]
    assert before == after
    assert len(set(before)) == 3 and before[2].endswith(".2")


def test_corrections_file_beside_the_book_sets_the_speaker(tmp_path: Path) -> None:
    book = tmp_path / "b.txt"
    book.write_text(BOOK, encoding="utf-8")
    qid = dialogue(book)[1].quote_id
    (tmp_path / "b.corrections.toml").write_text(f'"{qid}" = "Ann"\n"9-000000" = "Bob"\n', encoding="utf-8")
    fixed = dialogue(book)[1]
    assert (fixed.speaker, fixed.evidence, fixed.confidence) == ("Ann", "corrected", 1.0)


@pytest.mark.parametrize(("value", "speaker"), [('"unknown"', None), ('""', None), ('"Bob"', "Bob")])
def test_explicit_corrections_file(tmp_path: Path, value: str, speaker: str | None) -> None:
    book = tmp_path / "b.txt"
    book.write_text(BOOK, encoding="utf-8")
    qid = dialogue(book)[0].quote_id
    fixes = tmp_path / "mine.toml"
    fixes.write_text(f'"{qid}" = {value}\n', encoding="utf-8")
    assert dialogue(book, fixes)[0].speaker == speaker


def test_bad_corrections_file_is_a_clean_error(tmp_path: Path) -> None:
    book = tmp_path / "b.txt"
    book.write_text(BOOK, encoding="utf-8")
    fixes = tmp_path / "bad.toml"
    fixes.write_text('"1-abc" = Ann\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml:1: TOML syntax error"):
        dialogue(book, fixes)


def test_script_text_shows_ids_and_reads_corrections_option(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiotale.cli import cli

    book = tmp_path / "b.txt"
    book.write_text(BOOK, encoding="utf-8")
    qid = dialogue(book)[1].quote_id
    fixes = tmp_path / "fixes.toml"
    fixes.write_text(f'"{qid}" = "Ann"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["script", str(book), "--corrections", str(fixes)])
    assert result.exit_code == 0, result.output
    assert f'[{qid}] Ann: "Hi,"  [corrected 1.00]' in result.output
