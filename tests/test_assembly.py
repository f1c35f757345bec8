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


def _tone_wav(path: Path, ms: int, amplitude: int, freq: int = 300) -> Path:
    import math
    import struct
    import wave

    n = 22050 * ms // 1000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"".join(struct.pack("<h", int(amplitude * math.sin(2 * math.pi * freq * i / 22050)))
                               for i in range(n)))
    return path


def test_stitch_levels_the_chapter_with_its_pauses_and_limits_peaks(tmp_path: Path) -> None:
    import array
    import io
    import math

    from audiotale import assembly

    quiet = _tone_wav(tmp_path / "a.wav", 1000, 2000)
    peaky = _tone_wav(tmp_path / "b.wav", 300, 30000)
    buf = io.BytesIO()
    frames, placed = assembly.stitch([(0, quiet), (500, peaky), (300, quiet)], buf, head=750, tail=2000)
    pcm = array.array("h", buf.getvalue())
    assert len(pcm) == frames and [p.end - p.start for p in placed] == [22050, 6615, 22050]
    rms = math.sqrt(sum(x * x for x in pcm) / len(pcm))
    assert abs(20 * math.log10(rms / 32768) - assembly.CHAPTER_RMS) < 0.3
    assert 20 * math.log10(max(abs(x) for x in pcm) / 32768) <= assembly.LIMIT + 0.05
    # no clicks: the gain ramps, so no step between samples is larger than the loudest sine's own
    steepest = 2 * math.pi * 300 / 22050 * 32768 * 10 ** (assembly.LIMIT / 20)
    assert max(abs(a - b) for a, b in zip(pcm, pcm[1:])) <= 1.1 * steepest
