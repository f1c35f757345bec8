"""Automatic voices: stable per character, apart for characters who share scenes, pools as data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import autocast, casting
from audiotale.cli import cli
from audiotale.datatypes import Kind, Segment, Voice
from audiotale.engines import espeak

STORY = """Chapter 1

Ann walked into the kitchen, where Tom and Bea were waiting. She smiled.

"Good morning," said Ann.

"Morning," Tom replied. He yawned.

"Is there coffee?" asked Bea. She looked tired.

"There is always coffee," said Carl from the door. He laughed.

Chapter 2

Later Dora came by, and Ann let her in.

"You are late," said Ann.

"I know," Dora said. She shrugged.

"Late again," said Tom.

"Again and again," a voice said.
"""


def cast_json(tmp_path: Path, voices: str | None = None, fixes: str | None = None) -> dict:
    book = tmp_path / "story.txt"
    book.write_text(STORY, encoding="utf-8")
    args = ["cast", str(book), "--format", "json"]
    if voices is not None:
        (tmp_path / "v.toml").write_text(voices, encoding="utf-8")
        args += ["--voices", str(tmp_path / "v.toml")]
    fix_file = tmp_path / "story.corrections.toml"
    fix_file.unlink(missing_ok=True)
    if fixes is not None:
        fix_file.write_text(fixes, encoding="utf-8")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def voices_of(data: dict) -> dict[str, str]:
    return {c["name"]: c["voice"] for c in data["characters"]}


def test_one_change_moves_no_other_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = cast_json(tmp_path)
    before = voices_of(base)
    assert {"Ann", "Tom", "Bea", "Carl", "Dora"} <= set(before)
    assert all(c["auto"] and c["gender"] in ("female", "male", "neutral") for c in base["characters"])
    assert next(c["gender"] for c in base["characters"] if c["name"] == "Ann") == "female"
    # An empty voices.toml, one character's voice, one character's gender: nobody else moves.
    for toml, changed in [("", set()),
                          ('[characters.Tom]\nvoice = "en-us+m3"\n', {"Tom"}),
                          ('[characters.Carl]\ngender = "female"\n', {"Carl"})]:
        data = cast_json(tmp_path, toml)
        after = voices_of(data)
        assert {n for n in before if after.get(n) != before[n]} == changed, toml
        assert data["unknown"] == base["unknown"] and data["narrator"] == base["narrator"]
    female = cast_json(tmp_path, '[characters.Carl]\ngender = "female"\n')
    carl = next(c for c in female["characters"] if c["name"] == "Carl")
    assert (carl["gender"], carl["gender_from"], carl["auto"]) == ("female", "voices.toml", True)
    assert "+f" in carl["voice"]
    # One correction: the quote's new speaker changes, every voice stays.
    script = CliRunner().invoke(cli, ["script", str(tmp_path / "story.txt"), "--format", "jsonl"])
    quote = next(json.loads(r) for r in script.stdout.splitlines() if "Late again" in r)
    corrected = cast_json(tmp_path, None, f'"{quote["id"]}" = "Dora"\n')
    assert {n: v for n, v in voices_of(corrected).items() if n in before} == before
    # A speaker only a correction names gets a voice of its own and moves nobody.
    newcomer = cast_json(tmp_path, None, f'"{quote["id"]}" = "the Stranger"\n')
    assert voices_of(newcomer)["the Stranger"] not in before.values()
    assert {n: v for n, v in voices_of(newcomer).items() if n in before} == before


def test_unknown_voice_is_the_same_with_or_without_a_voices_toml(tmp_path: Path) -> None:
    none = casting.load_cast(None)
    empty = tmp_path / "voices.toml"
    empty.write_text("", encoding="utf-8")
    assert casting.load_cast(empty).unknown == none.unknown != none.narrator
    assert casting.load_cast(empty).narrator == none.narrator


def colliding_names(size: int) -> tuple[str, str]:
    """Two names whose own first choice is the same slot."""
    seen: dict[int, str] = {}
    for name in ("Ann Bea Cora Dina Edna Faye Gwen Hope Iris Jane Kate Lena Mona Nora Opal Pam Rose Sara Tess "
                 "Vera Wren Zoe Abby Cleo Dawn Elsa Fern Gail Hazel Ivy Joan Lily Mae Nell").split():
        slot = autocast.first_slot(name, size)
        if slot in seen:
            return seen[slot], name
        seen[slot] = name
    raise AssertionError("no two names share a first slot")


def scene(a: str, b: str, gap: int) -> str:
    """`a` and `b` talk together, or (with a gap) each in a scene of her own."""
    one = f'{a} came in and she sat down.\n\n"Hello," said {a}.\n\n"Good," said {a}.\n\n'
    two = f'{b} came in and she sat down.\n\n"Hello," said {b}.\n\n"Yes," said {b}.\n'
    filler = "The rain went on and the clocks ticked in the hall. " * (gap // 50)
    return one + filler + "\n\n" + two


def placed(text: str, names: tuple[str, ...], size: int) -> dict[str, autocast.Placement]:
    segs = [Segment(1, 0, Kind.NARRATION, text, 0, len(text), 0)]
    return autocast.place_speakers(text, segs, names, size)


def test_characters_who_share_a_scene_get_different_voices() -> None:
    size = autocast.pools().size
    a, b = colliding_names(size)
    together = placed(scene(a, b, 0), (a, b), size)
    assert together[a].slot != together[b].slot
    assert b in together[a].scene_mates
    apart = placed(scene(a, b, 3 * autocast.SCENE), (a, b), size)
    assert apart[a].slot == apart[b].slot == autocast.first_slot(a, size)  # each keeps its own first choice


def test_espeak_pools_are_distinct_clear_and_valid() -> None:
    pools = autocast.pools("espeak")
    known, variants = espeak.espeak_voice_ids(), {v.lower() for v in espeak.espeak_variants()}
    every = list(pools.female) + list(pools.male)
    assert len({(v.id, v.pitch) for v in every}) == len(every) == 2 * pools.size >= 40
    assert all(v in (pools.female[i], pools.male[i]) for i, v in enumerate(pools.neutral))
    for v in every:
        base, _, variant = v.id.partition("+")
        assert base in known and (not variant or variant in variants)
        assert variant not in ("f1", "f3")  # the two variants that lose a third of the words
    default = casting.load_cast(None)
    assert not any(casting.sound_alike(v, default.narrator) or casting.sound_alike(v, default.unknown) for v in every)


def test_another_engine_can_supply_the_pools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def mine() -> autocast.AutoPools:
        f = tuple(Voice(f"en-us+f{i % 5 + 1}", 170, 50 + i) for i in range(4))
        m = tuple(Voice(f"en-us+m{i % 8 + 1}", 170, 20 + i) for i in range(4))
        return autocast.AutoPools(f, m, m)

    monkeypatch.setitem(autocast.POOLS, "mine", mine)
    monkeypatch.chdir(tmp_path)
    data = cast_json(tmp_path, '[auto]\nengine = "mine"\n')
    assert all("170wpm" in c["voice"] for c in data["characters"])
    bad = tmp_path / "bad.toml"
    bad.write_text('[narrator]\nrate = 150\n\n[auto]\nengine = "nope"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["cast", str(tmp_path / "story.txt"), "--voices", str(bad)])
    assert result.exit_code == 2
    assert 'bad.toml:5: auto.engine = \'nope\' has no automatic voices; choose one of: espeak' in result.stderr


def test_a_chosen_voice_like_a_scene_mates_automatic_voice_is_reported(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tom = next(c for c in cast_json(tmp_path)["characters"] if c["name"] == "Tom")
    voice_id, rate, pitch = tom["voice"].split()
    (tmp_path / "v.toml").write_text(f'[characters.Ann]\nvoice = "{voice_id}"\npitch = {pitch[1:]}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["cast", str(tmp_path / "story.txt"), "--voices", str(tmp_path / "v.toml")])
    assert result.exit_code == 0
    assert f"v.toml:1: Ann's voice {voice_id}" in result.stderr and "automatic voice of Tom" in result.stderr
