"""Stages 5-7 with the fake engine: exact durations, chapters in order, cache reuse."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiotale import casting, pipeline
from audiotale.assembly import HEAD, TAIL_MIN


def expected_ms(book: Path, cast: casting.Cast) -> int:
    script = pipeline.read_script(book, cast)
    roles = pipeline.roles_for(script, cast)
    total = HEAD
    for ch in script.chapters:
        segs = [s for s in script.segments if s.chapter == ch.number]
        for line in casting.make_lines(segs, cast, roles):
            total += line.pause_before + 10 * len(line.text)
        total += cast.pauses.chapter if ch is not script.chapters[-1] else max(cast.pauses.chapter, TAIL_MIN)
    return total


def test_render_has_exact_duration_and_ordered_chapters(story: Path, tmp_path: Path, fake_engine: None) -> None:
    cast = casting.load_cast(None)
    result = pipeline.render_book(story, tmp_path / "out", cast, jobs=2)
    mp3 = MP3(str(result.output))
    want = expected_ms(story, cast) / 1000
    # Each chapter is its own MP3 stream: up to a 26 ms frame of padding and 50 ms of encoder delay each.
    assert abs(mp3.info.length - want) < 0.1 * len(result.chapters), (mp3.info.length, want)
    tags = ID3(str(result.output))
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == ["Chapter 1", "Chapter 2"]
    assert list(tags.getall("CTOC")[0].child_element_ids) == [c.element_id for c in chaps]
    assert chaps[0].start_time == 0 and chaps[0].end_time == chaps[1].start_time
    assert tags["TIT2"].text[0] == "Short Story"


def test_second_render_reuses_everything_and_a_voice_change_redoes_only_its_lines(
    story: Path, tmp_path: Path, fake_engine: None
) -> None:
    cast = casting.load_cast(None)
    first = pipeline.render_book(story, tmp_path / "out", cast, jobs=1)
    again = pipeline.render_book(story, tmp_path / "out", cast, jobs=1)
    assert first.clips_synthesized > 0
    assert again.clips_synthesized == 0 and again.chapters_encoded == 0
    toml = tmp_path / "voices.toml"
    toml.write_text('[characters.Ann]\nvoice = "en-us+f5"\npitch = 20\n', encoding="utf-8")
    changed = pipeline.render_book(story, tmp_path / "out", casting.load_cast(toml), jobs=1)
    assert changed.clips_synthesized == 1  # Ann's one line: "Good morning,"
    assert changed.chapters_encoded == 1  # Ann speaks only in chapter 1


def test_output_written_atomically_leaves_no_partial_files(story: Path, tmp_path: Path, fake_engine: None) -> None:
    out = tmp_path / "out"
    pipeline.render_book(story, out, casting.load_cast(None), jobs=1)
    assert [p.name for p in out.iterdir()] == ["short-story.mp3"]
