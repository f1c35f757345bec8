"""`audiotale say`: a voice, a character's voice or a respelling, heard before rendering a book."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import preview
from audiotale.cli import cli

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "seeds" / "the-last-cake.txt"


def seconds(wav: Path) -> float:
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_say_writes_a_wav_in_the_voice_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "try.wav"
    result = CliRunner().invoke(cli, ["say", "Hello there. How are you today?", "--voice", "en-us+f2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{out}  ") and "en-us+f2" in result.stdout
    assert 1.0 < seconds(out) < 6.0


def test_say_mp3_and_a_characters_voice_from_voices_toml(tmp_path: Path) -> None:
    out = tmp_path / "madoka.mp3"
    result = CliRunner().invoke(cli, ["say", "Cake!", "--character", "Madoka", "--voices", str(ROOT / "voices.toml"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "en-us+f2 165wpm p72" in result.stdout and out.stat().st_size > 1000


def test_say_uses_pronunciations_and_a_books_automatic_voices(tmp_path: Path, fake_engine: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plain, respelled = tmp_path / "plain.wav", tmp_path / "respelled.wav"
    assert CliRunner().invoke(cli, ["say", "Kazumi", "-o", str(plain)]).exit_code == 0
    (tmp_path / "voices.toml").write_text('[pronunciations]\nKazumi = "Kah-zoo-mee-san"\n', encoding="utf-8")
    assert CliRunner().invoke(cli, ["say", "Kazumi", "-o", str(respelled)]).exit_code == 0
    assert seconds(respelled) > seconds(plain) + 0.05  # the fake engine speaks 10 ms per character
    cast = CliRunner().invoke(cli, ["cast", str(DEMO)])
    kazumi = next(ln for ln in cast.stdout.splitlines() if ln.startswith("Kazumi"))
    result = CliRunner().invoke(cli, ["say", "Hi.", "--character", "kazumi", "--book", str(DEMO),
                                      "-o", str(tmp_path / "k.wav")])
    assert result.exit_code == 0, result.output
    assert kazumi.split("  (auto)")[0].split("female")[1].strip() in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--voice", "en-uss"], 'Error: --voice: unknown voice "en-uss"; did you mean "en-us"?'),
        (["--character", "Nobody"], 'Error: "Nobody" has no voice in voices.toml; add --book BOOK'),
        (["--character", "Nobody", "--book", str(DEMO)], 'nobody called "Nobody" speaks in it; speakers: '),
        (["--voice", "en-us", "--character", "Madoka"], "Error: give --voice or --character, not both"),
        (["-o", "x.ogg"], "Error: x.ogg: write a .wav or .mp3 file"),
    ],
)
def test_say_errors_are_one_line(args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["say", "Hello.", *args])
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_without_a_player_say_tells_how_to_listen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  fake_engine: None) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(cli, ["say", "Hello."])
    assert result.exit_code == 1
    assert "no audio player found" in result.stderr and "-o try.wav" in result.stderr


def test_say_plays_with_the_first_player_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               fake_engine: None) -> None:
    monkeypatch.chdir(tmp_path)
    player = tmp_path / "aplay"
    player.write_text(f'#!/bin/sh\nfor a; do last="$a"; done\n/bin/cp "$last" {tmp_path}/played.wav\n')
    player.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert preview.player() == [str(player), "-q"]
    result = CliRunner().invoke(cli, ["say", "Hello there."])
    assert result.exit_code == 0, result.output
    assert seconds(tmp_path / "played.wav") > 0.1
