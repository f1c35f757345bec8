"""Round-trip edits of voices.toml (tomlkit) and `audiotale cast --write`."""

from __future__ import annotations

import difflib
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import casting, voicesfile
from audiotale.cli import cli
from audiotale.cli.app import load_cast
from audiotale.datatypes import Voice
from audiotale.errors import ConfigError

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "seeds" / "the-last-cake.txt"


def check(text: str) -> None:
    casting.parse_cast(tomllib.loads(text), Path("voices.toml"), text)


def only_insertions(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line of `before` was changed or removed."""
    a, b = before.splitlines(), after.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    assert all(op in ("equal", "insert") for op, *_ in ops), list(difflib.unified_diff(a, b, lineterm=""))
    return [line for op, _, _, j1, j2 in ops if op == "insert" for line in b[j1:j2]]


def test_cast_write_makes_a_voices_toml_with_every_character(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    before = json.loads(CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(empty), "--format", "json"]).output)
    out = tmp_path / "voices.toml"
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(empty), "--write", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}: the narrator, the unknown voice and 2 character(s)\n"
    text = out.read_text(encoding="utf-8")
    assert "[characters.Kazumi]  # 22 lines, 367 words, female; automatic voice\n" in text
    assert "[characters.Madoka]  # 19 lines, 175 words, female; automatic voice\n" in text
    assert "# Also named in the book, without a line of their own: " in text
    after = json.loads(CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(out), "--format", "json"]).output)
    assert {c["name"]: (c["lines"], c["voice"]) for c in after["characters"]} == {
        c["name"]: (c["lines"], c["voice"]) for c in before["characters"]}  # the same cast, now written down
    assert after["narrator"] == before["narrator"] and not any(c["auto"] for c in after["characters"])


def test_cast_write_adds_only_what_an_existing_file_lacks(tmp_path: Path) -> None:
    mine = (ROOT / "voices.toml").read_text(encoding="utf-8")
    start, end = mine.index("[characters.Kazumi]"), mine.index("[pauses]")
    out = tmp_path / "voices.toml"
    out.write_text(mine[:start] + mine[end:], encoding="utf-8")  # Madoka only, with the comments
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--write", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}: added 1 character(s) (Kazumi); the 1 already there are untouched\n"
    added = only_insertions(mine[:start] + mine[end:], out.read_text(encoding="utf-8"))
    assert added[0] == "[characters.Kazumi]  # 22 lines, 367 words, female; automatic voice"
    assert load_cast(out).characters["Madoka"].pitch == 72
    again = CliRunner().invoke(cli, ["cast", str(DEMO), "--write", str(out)])
    assert again.output == f"{out}: has every character already; nothing changed\n"


def test_cast_write_leaves_a_broken_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "voices.toml"
    out.write_text("[narrator\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--write", str(out)])
    assert result.exit_code == 2 and result.output.startswith(f"Error: {out}:1: TOML syntax error")
    assert out.read_text(encoding="utf-8") == "[narrator\n"


def test_display_aliases_are_spelled_as_the_book_does() -> None:
    text = "Mr. Darcy came. Darcy said so, and Miss  Lizzy\nBennet laughed; Lizzy\u2019s friend O\u2019Hara too."
    assert voicesfile.display_aliases(text, "Mr. Darcy", {"mr darcy", "darcy"}) == ("Darcy",)
    assert voicesfile.display_aliases(text, "Elizabeth", {"elizabeth", "lizzy", "miss lizzy bennet"}) == (
        "Lizzy", "Miss Lizzy Bennet")
    assert voicesfile.display_aliases(text, "Kate", {"o'hara", "kitty"}) == ("Kitty", "O\u2019Hara")


def test_edits_of_other_table_shapes(tmp_path: Path) -> None:
    p = tmp_path / "voices.toml"
    p.write_text('[characters]\nAnn = { voice = "en-us+f2", rate = 170 }  # inline\nBob.voice = "en-us"\n\n'
                 "[pauses]\nsentence = 300\n", encoding="utf-8")
    voicesfile.set_voice(p, "Ann", {"pitch": 66}, Voice("x"), check)
    voicesfile.rename(p, "Bob", "Robert", Voice("en-us", 165, 40), check)
    voicesfile.merge(p, "Cy", "Ann", Voice("x"), check)
    cast = casting.load_cast(p)
    assert (cast.characters["Ann"].pitch, cast.characters["Ann"].rate) == (66, 170)
    assert cast.aliases == {"Ann": ["Cy"], "Robert": ["Bob"]} and cast.characters["Robert"].id == "en-us"
    assert cast.pauses.sentence == 300 and "# inline" in p.read_text(encoding="utf-8")


def test_engine_switch_and_back(tmp_path: Path) -> None:
    p = tmp_path / "voices.toml"
    p.write_text('[narrator]\nvoice = "en-gb-x-rp"  # mine\nrate = 150\n', encoding="utf-8")
    voicesfile.set_voice(p, "narrator", {"engine": "piper", "model": "joe"}, Voice("x"), check)
    assert casting.load_cast(p).narrator.engine == "piper"
    voicesfile.set_voice(p, "narrator", {"engine": "espeak", "voice": "en-us"}, Voice("x"), check)
    narrator = casting.load_cast(p).narrator
    assert (narrator.engine, narrator.id, narrator.model, narrator.rate) == ("espeak", "en-us", None, 150)


def test_rename_and_merge_refuse_what_makes_no_sense(tmp_path: Path) -> None:
    p = tmp_path / "voices.toml"
    p.write_text('[characters.Ann]\nvoice = "en-us+f2"\n[characters.Bob]\nvoice = "en-us"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="merge the two instead"):
        voicesfile.rename(p, "Ann", "Bob", Voice("x"), check)
    with pytest.raises(ConfigError, match="cannot name a character"):
        voicesfile.rename(p, "Ann", "narrator", Voice("x"), check)
    with pytest.raises(ConfigError, match="into itself"):
        voicesfile.merge(p, "Ann", "Ann", Voice("x"), check)


def test_cast_write_and_voice_edits_keep_each_engine_to_its_own_keys(tmp_path: Path) -> None:
    out = tmp_path / "voices.toml"
    out.write_text((ROOT / "voices-natural.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["cast", str(DEMO), "--voices", str(out), "--write", str(out)])
    assert result.exit_code == 0, result.output
    cast = casting.load_cast(out)  # hibari voices written as voice, pitch and formant: read back the same
    madoka = cast.characters["Madoka"]
    assert madoka.engine == "hibari" and madoka.option("formant") != 0
    voicesfile.set_voice(out, "Madoka", {"engine": "espeak", "voice": "en-us+f2"}, madoka, check)
    table = tomllib.loads(out.read_text(encoding="utf-8"))["characters"]["Madoka"]
    assert table["voice"] == "en-us+f2" and not {"formant", "pitch"} & set(table)  # semitones mean nothing here
    espeak = casting.load_cast(out).characters["Madoka"]
    voicesfile.set_voice(out, "Madoka", {"pitch": 60}, espeak, check)
    voicesfile.set_voice(out, "Madoka", {"engine": "espeak", "voice": "en-us+f4"}, espeak, check)
    assert tomllib.loads(out.read_text(encoding="utf-8"))["characters"]["Madoka"]["pitch"] == 60
