"""End to end through the real engine: eSpeak NG, pydub, ffmpeg, mutagen."""

from __future__ import annotations

import array
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiotale import casting, pipeline
from audiotale.engines import espeak
from audiotale.datatypes import Voice

pytestmark = pytest.mark.slow


def test_render_two_voice_story_to_a_chaptered_mp3(story: Path, tmp_path: Path) -> None:
    toml = tmp_path / "voices.toml"
    toml.write_text('[book]\ntitle = "Ann and Tom"\nauthor = "A. Writer"\n'
                    '[characters.Ann]\nvoice = "en-us+f2"\npitch = 70\n'
                    '[characters.Tom]\nvoice = "en-gb-scotland"\npitch = 40\n', encoding="utf-8")
    result = pipeline.render_book(story, tmp_path / "out", casting.load_cast(toml), jobs=2)
    mp3 = MP3(str(result.output))
    # 35 words at 155-165 wpm is about 13 s of speech, plus pauses
    assert 8 < mp3.info.length < 30, mp3.info.length
    assert mp3.info.sample_rate == 22050 and mp3.info.channels == 1
    tags = ID3(str(result.output))
    assert tags["TIT2"].text[0] == "Ann and Tom" and tags["TPE1"].text[0] == "A. Writer"
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == ["Chapter 1", "Chapter 2"]
    assert chaps[1].start_time > 3000 and chaps[-1].end_time <= mp3.info.length * 1000 + 50


def _render(text: str, voice: Voice, path: Path) -> tuple[float, float]:
    """Render and return (seconds, fundamental frequency in Hz)."""
    engine = espeak.EspeakSynthesizer()
    engine.render(text, voice, path)
    with wave.open(str(path)) as w:
        samples = array.array("h", w.readframes(w.getnframes()))
        rate = w.getframerate()
    return len(samples) / rate, _f0(samples, rate)


def _f0(s: array.array, rate: int, n: int = 1024) -> float:
    """Median pitch of the loudest frames, by autocorrelation (60-400 Hz)."""
    loudest = sorted(range(0, len(s) - n, n), key=lambda i: -sum(abs(x) for x in s[i : i + n : 8]))[:12]
    estimates = []
    for i in loudest:
        x = s[i : i + n]
        lag = max(range(rate // 400, rate // 60), key=lambda k: sum(x[j] * x[j + k] for j in range(0, n - k, 2)))
        estimates.append(rate / lag)
    return sorted(estimates)[len(estimates) // 2]


def test_rate_and_pitch_really_change_the_audio(tmp_path: Path) -> None:
    text = "The quick brown fox jumps over the lazy dog, and then it runs away into the woods."
    slow, _ = _render(text, Voice("en-us", rate=110, pitch=50), tmp_path / "slow.wav")
    fast, _ = _render(text, Voice("en-us", rate=330, pitch=50), tmp_path / "fast.wav")
    assert slow > 2 * fast
    # Repeated changes must all take effect (pyttsx3 drops some without Synchronize()).
    lows, highs = [], []
    for i in range(4):
        lows.append(_render(text, Voice("en-us", 170, 5), tmp_path / f"low{i}.wav")[1])
        highs.append(_render(text, Voice("en-us", 170, 95), tmp_path / f"high{i}.wav")[1])
    assert min(highs) > 1.5 * max(lows), (lows, highs)


def test_markup_is_read_as_text_never_interpreted(tmp_path: Path) -> None:
    """`<speak>`, `[[phonemes]]`, control characters and emoji are words to read, not engine input."""
    plain = _render("Hello world.", Voice("en-us"), tmp_path / "plain.wav")[0]
    for text in ("Hello <speak>world</speak>.", "Hello [[h@l'oU]] world.", "<break time='9s'/> Hello world."):
        seconds = _render(text, Voice("en-us"), tmp_path / "markup.wav")[0]
        assert plain * 1.4 < seconds < plain + 4, (text, plain, seconds)  # the marks are spoken, no 9 s break
    book = tmp_path / "odd.txt"
    book.write_text("Odd \x01\x07 text \U0001F600 <speak> [[a]] " + "b" * 600 + ".\n", encoding="utf-8")
    result = pipeline.render_book(book, tmp_path / "out", casting.load_cast(None), jobs=1)
    assert MP3(str(result.output)).info.length > 3


def test_gutenberg_epub_renders_its_chapter_and_nothing_else(tmp_path: Path) -> None:
    """Header, title page, contents, picture caption, note marker, page number, note and licence: none heard."""
    import re

    from audiotale import export
    from epubs import gutenberg_single_file

    book = gutenberg_single_file(tmp_path / "orchard.epub", chapters=1)
    # jobs=1: synthesis in this process, as the test before (a worker pool forked after that hangs)
    result = pipeline.render_book(book, tmp_path / "out", casting.load_cast(None), jobs=1,
                                  options=export.OutputOptions(subtitles="vtt"))
    mp3 = MP3(str(result.output))
    # 138 words at 155 wpm is under a minute; the 1,200-word licence alone would take eight
    assert 35 < mp3.info.length < 100, mp3.info.length
    chaps = ID3(str(result.output)).getall("CHAP")
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == ["Chapter I. The Seed"]
    heard = result.extras[0].read_text(encoding="utf-8")
    assert "and the roots grew." in heard and "The seed fell on the old town" in heard
    assert not re.search(r"Gutenberg|ORCHARD|Tom Reed|CONTENTS|in the ground|\[1\]|\[Pg|apple seed", heard), heard
