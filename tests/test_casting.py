"""Stage 4: voices.toml validation and the lines to speak."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audiotale import autocast, casting
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
        ("[narator]\n", r'voices.toml:1: unknown key "narator"; did you mean "narrator"\?'),
        ('[narrator]\nspeed = 170\n', r'voices.toml:2: unknown key "narrator.speed"; did you mean "rate"\?'),
        ('[characters.Ann]\nvoice = "en-us"\nlang = "en"\n', r'voices.toml:3: .*"characters.Ann.lang"; did you mean "voice"'),
        ('[characters.Ann]\nname = "Annie"\n', r'voices.toml:2: .*did you mean "aliases"\?'),
        ('[book]\nname = "A Book"\n', r'voices.toml:2: unknown key "book.name"; did you mean "title"\?'),
        ('[characters.Ann]\nsex = "female"\n', r'voices.toml:2: .*did you mean "gender"\?'),
        ('# voices\nspeed = 170\n', r'voices.toml:2: unknown key "speed"; allowed: '),
        ('[narrator]\nrate = 150\n\n[Victor]\nvoice = "en-us"\n', r'voices.toml:4: unknown key "Victor"; did you mean \[characters.Victor\]\?'),
        ('[pronunciation]\nKazumi = "Kah"\n', r'voices.toml:1: .*did you mean "pronunciations"\?'),
        ('narrator = { voice = "en-us", speed = 3 }\n', r'voices.toml:1: unknown key "narrator.speed"'),
        ('[characters."Mr. Darcy"]\nvoice = "en-us"\npitch = 500\n', r'voices.toml:3: characters.Mr. Darcy.pitch = 500'),
        ('[characters.Ann]\ngender = "woman"\n', r'voices.toml:2: characters.Ann.gender = .woman. is not a gender; use "female", "male" or "neutral"'),
        ('[auto]\nengine = "nope"\n', r"voices.toml:2: auto.engine = 'nope' has no automatic voices"),
        ('[auto]\nvoices = "x"\n', r'voices.toml:2: unknown key "auto.voices"; allowed: engine'),
        ('characters = 3\n', r'voices.toml:1: characters must be a table'),
    ],
)
def test_config_errors_name_file_line_and_fix(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, toml)


def test_voices_toml_voices_win_and_the_rest_come_from_the_pools_by_slot_and_gender(tmp_path: Path) -> None:
    cast = load(tmp_path, '[characters.Ann]\nvoice = "en-us+f2"\npitch = 70\n[characters.Dora]\ngender = "male"\n')
    pools = autocast.pools()
    placements = {name: autocast.Placement(slot, guess, {}) for name, slot, guess in
                  [("Ann", 0, "f"), ("Beth", 1, "f"), ("Carl", 2, "m"), ("Dora", 3, "f"), ("Eve", 4, None)]}
    # The guess from the text alone (the placement's) counts; the other guess fills in where it has none.
    roles = casting.assign_voices(cast, {n: (1, 2, "f" if n != "Eve" else None) for n in placements}, placements)
    assert not roles["Ann"].auto and roles["Ann"].voice.id == "en-us+f2" and roles["Beth"].auto
    assert roles["Beth"].voice == pools.female[1] and roles["Carl"].voice == pools.male[2]
    assert (roles["Dora"].voice, roles["Dora"].gender, roles["Dora"].gender_set) == (pools.male[3], "male", True)
    assert (roles["Eve"].voice, roles["Eve"].gender) == (pools.neutral[4], "neutral")
    # Without placements, each character takes the first slot of its own name.
    alone = casting.assign_voices(cast, {"Beth": (1, 2, "f")})
    assert alone["Beth"].voice == pools.female[autocast.first_slot("Beth", pools.size)]


def test_a_voices_toml_character_that_matches_nobody_is_reported(tmp_path: Path) -> None:
    from audiotale import attribution

    cast = load(tmp_path, '[narrator]\nrate = 150\n\n[characters.Victr]\nvoice = "en-us"\n\n'
                          '[characters.Justine]\ngender = "female"\n')
    text = "Victor met Justine. Victor said hello."
    chars = attribution.discover(text)
    speaker = Segment(1, 0, Kind.DIALOGUE, '"Hi"', 0, 4, 0, "Victor")
    problems = casting.unmatched(cast, text, chars, [speaker])
    assert problems == [f'{tmp_path / "voices.toml"}:4: [characters.Victr] matches nobody in the book; '
                        'did you mean "Victor"?']


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


def test_every_voices_toml_table_and_key_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for table in casting.TOP_KEYS - {"characters"}:
        assert f"[{table}]" in readme, table
    assert "[characters." in readme
    for key in casting.VOICE_KEYS | casting.CHARACTER_KEYS | casting.PAUSE_KEYS | casting.AUTO_KEYS | {"title", "author"}:
        assert re.search(rf"`{key}`|^{key} = ", readme, re.MULTILINE), key
    assert "../shared" not in readme
