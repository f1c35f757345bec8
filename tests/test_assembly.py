"""Stages 5-7 with the fake engine: exact durations, chapters in order, cache reuse."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def _spiky_wav(path: Path, ms: int) -> Path:
    """Quiet speech-like tone with a loud click every 100 ms: a crest factor the limiter must tame."""
    import math
    import struct
    import wave

    n = 22050 * ms // 1000
    samples = [int(1500 * math.sin(2 * math.pi * 220 * i / 22050)) + (28000 if i % 2205 < 3 else 0) for i in range(n)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"".join(struct.pack("<h", max(-32768, min(32767, s))) for s in samples))
    return path


def test_the_limiter_holds_peaks_of_a_spiky_clip_without_clicks(tmp_path: Path) -> None:
    import array
    import io
    import math

    from audiotale import assembly

    spiky = _spiky_wav(tmp_path / "s.wav", 2000)
    buf = io.BytesIO()
    assembly.stitch([(0, spiky), (400, spiky)], buf, head=750, tail=1000)
    pcm = array.array("h", buf.getvalue())
    peak = 20 * math.log10(max(abs(x) for x in pcm) / 32768)
    assert peak <= assembly.LIMIT + 0.05  # unlimited, the clicks would clip at 0 dBFS
    rms = math.sqrt(sum(x * x for x in pcm) / len(pcm))
    assert abs(20 * math.log10(rms / 32768) - assembly.CHAPTER_RMS) < 0.3
    # the gain ramps over 1 ms steps: the click itself is the steepest change, never a gain jump
    assert max(abs(a - b) for a, b in zip(pcm, pcm[1:])) <= 32768 * 10 ** (assembly.LIMIT / 20)


def test_stitch_reads_each_clip_once_and_the_same_audio_when_chapters_exceed_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from audiotale import assembly, cache

    clips = [_tone_wav(tmp_path / f"{i}.wav", 300 + 100 * i, 3000 + 2000 * i) for i in range(5)]
    clips.append(_spiky_wav(tmp_path / "s.wav", 500))
    items = [(250, c) for c in clips]
    reads: list[Path] = []
    real = cache.read_clip
    monkeypatch.setattr(cache, "read_clip", lambda p: reads.append(p) or real(p))
    small, large = io.BytesIO(), io.BytesIO()
    assembly.stitch(items, large, head=750, tail=1000)
    assert sorted(reads) == sorted(clips), "every clip is decoded exactly once"
    reads.clear()
    monkeypatch.setattr(assembly, "MEMORY_BUDGET", 0)  # nothing kept: measured, then read again to write
    assembly.stitch(items, small, head=750, tail=1000)
    assert len(reads) == 2 * len(clips)
    assert small.getvalue() == large.getvalue()


def test_editing_one_paragraph_redoes_only_its_sentences_and_its_chapter(tmp_path: Path, fake_engine: None) -> None:
    book = tmp_path / "three.txt"
    chapters = [f"Chapter {c}\n\n" + "\n\n".join(f"Paragraph {p} of chapter {c} is here. It goes on for quite a long while."
                                                  for p in range(6)) for c in range(1, 4)]
    book.write_text("\n\n".join(chapters) + "\n", encoding="utf-8")
    cast = casting.load_cast(None)
    first = pipeline.render_book(book, tmp_path / "out", cast, jobs=1)
    book.write_text(book.read_text(encoding="utf-8").replace("Paragraph 3 of chapter 2 is here.",
                                                             "Paragraph 3 of chapter 2 was rewritten."),
                    encoding="utf-8")
    again = pipeline.render_book(book, tmp_path / "out", cast, jobs=1)
    assert first.chapters_encoded == 3
    assert again.clips_synthesized == 1 and again.chapters_encoded == 1
