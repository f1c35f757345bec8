"""Stage 4: voices.toml validation and the lines to speak."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiotale import casting
from audiotale.engines import espeak
from audiotale.datatypes import Kind, Segment
from audiotale.errors import ConfigError

KNOWN = espeak.espeak_voice_ids()
VARIANTS = {v.lower() for v in espeak.espeak_variants()}
ROOT = Path(__file__).parent.parent


def load(tmp_path: Path, toml: str) -> casting.Cast:
    p = tmp_path / "voices.toml"
    p.write_text(toml, encoding="utf-8")
    return casting.load_cast(p, KNOWN, VARIANTS)


def test_shipped_voices_toml_is_valid_and_has_three_distinct_voices() -> None:
    cast = casting.load_cast(ROOT / "voices.toml", KNOWN, VARIANTS)
    voices = {cast.narrator, cast.characters["Madoka"], cast.characters["Kazumi"]}
    assert len(voices) == 3
    assert all("+f" in cast.characters[n].id for n in ("Madoka", "Kazumi"))


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[narrator\nvoice = 1", r"voices.toml:1: TOML syntax error"),
        ('[narrator]\nvoice = "en-us"\nspeed = 3\n', r'voices.toml:3: unknown key "narrator.speed"; .*allowed: .*rate'),
        ('[narrator]\nvoice = "en-uss"\n', r'voices.toml:2: unknown voice "en-uss"; did you mean "en-us"\?'),
        ('[narrator]\nvoice = "en-us+f9"\n', r'voices.toml:2: unknown variant "\+f9"'),
        ('[narrator]\nvoice = "en-us"\nrate = 1000\n', r"voices.toml:3: narrator.rate = 1000 is out of range; use a number from 80 to 450"),
        ('[narrator]\npitch = -1\n', r"voices.toml:2: narrator.pitch = -1 is out of range"),
        ('[narrator]\nvolume = 3.5\n', r"voices.toml:2: narrator.volume = 3.5 is out of range"),
        ("[pauses]\nsentence = -5\n", r"voices.toml:2: pauses.sentence = -5 is out of range; use a number from 0 to 60000 ms"),
        ("[characters.Ann]\npitch = 50\n", r'voices.toml:1: \[characters.Ann\] has no "voice"; add e.g. voice = "en-us\+f2"'),
        ("[narator]\n", r'unknown key "narator"; did you mean "narrator"\?'),
    ],
)
def test_config_errors_name_file_line_and_fix(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, toml)


def test_characters_without_entry_get_distinct_automatic_voices(tmp_path: Path) -> None:
    cast = load(tmp_path, '[characters.Ann]\nvoice = "en-us+f2"\npitch = 70\n')
    roles = casting.assign_voices(cast, {"Ann": (3, 10, "f"), "Beth": (2, 5, "f"), "Carl": (1, 2, "m"),
                                         "Dora": (1, 2, "f")})
    assert not roles["Ann"].auto and roles["Beth"].auto
    signatures = {(r.voice.id, r.voice.pitch) for r in roles.values()} | {(cast.narrator.id, cast.narrator.pitch)}
    assert len(signatures) == 5
    assert "+f" in roles["Beth"].voice.id and "+f" not in roles["Carl"].voice.id


def seg(i: int, kind: Kind, text: str, para: int, speaker: str | None = None) -> Segment:
    return Segment(1, i, kind, text, 0, len(text), para, speaker)


def test_lines_carry_pauses_and_voices(tmp_path: Path) -> None:
    cast = load(tmp_path, '[characters.Ann]\nvoice = "en-us+f2"\n[pauses]\nsentence = 100\nparagraph = 500\n'
                          'speaker_change = 300\n')
    roles = casting.assign_voices(cast, {"Ann": (1, 2, "f")})
    segs = [seg(0, Kind.NARRATION, "It rained. It poured.", 0), seg(1, Kind.DIALOGUE, '"Hi!"', 1, "Ann"),
            seg(2, Kind.NARRATION, "said Ann.", 1), seg(3, Kind.DIALOGUE, '"Who?"', 2, None)]
    lines = list(casting.make_lines(segs, cast, roles))
    assert [(ln.text, ln.pause_before) for ln in lines] == [
        ("It rained.", 0), ("It poured.", 100), ("Hi!", 500), ("said Ann.", 300), ("Who?", 500)]
    assert lines[2].voice.id == "en-us+f2" and lines[3].voice == cast.narrator and lines[4].voice == cast.unknown


def test_pronunciations_replace_whole_words(tmp_path: Path) -> None:
    cast = load(tmp_path, '[pronunciations]\nKazumi = "Kah-zoo-mee"\n')
    lines = list(casting.make_lines([seg(0, Kind.NARRATION, "Kazumi met Kazumis.", 0)], cast, {}))
    assert lines[0].text == "Kah-zoo-mee met Kazumis."


def test_clip_key_changes_with_every_voice_setting() -> None:
    from audiotale.datatypes import Voice

    base = casting.clip_key("Hello.", Voice("en-us", 160, 50))
    assert base == casting.clip_key("Hello.", Voice("en-us", 160, 50))
    for other in (Voice("en-us", 161, 50), Voice("en-us", 160, 51), Voice("en-us+f2", 160, 50),
                  Voice("en-us", 160, 50, 0.9)):
        assert casting.clip_key("Hello.", other) != base
    assert casting.clip_key("Hello!", Voice("en-us", 160, 50)) != base


def test_overlong_sentences_are_split_at_clauses_and_nothing_is_lost() -> None:
    sentence = ", ".join(f"clause number {i} goes on and on" for i in range(60)) + "."
    pieces = casting.split_long(sentence)
    assert all(len(p) <= casting.MAX_LINE for p in pieces) and len(pieces) > 3
    assert " ".join(pieces).split() == sentence.split()
    assert all(p.endswith(",") for p in pieces[:-1])
    word = "x" * 5000
    assert "".join(casting.split_long(word)) == word
