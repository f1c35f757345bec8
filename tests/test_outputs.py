"""Outputs with the fake engine: EPUB to MP3 and M4B, split chapters, subtitles, ACX quality, check."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp4 import MP4

from audiotale import casting, check, export, ffmpeg, pipeline
from audiotale.cli import cli
from epubs import epub3

TITLES = ["The Arrival", "The Storm", "The Departure"]


@pytest.fixture
def rain(tmp_path: Path) -> Path:
    return epub3(tmp_path / "rain.epub")


def render(book: Path, out: Path, **options: object) -> pipeline.RenderResult:
    return pipeline.render_book(book, out, casting.load_cast(None), jobs=1,
                                options=export.OutputOptions(**options))  # type: ignore[arg-type]


def test_epub_to_mp3_has_its_chapters_tags_and_cover(rain: Path, tmp_path: Path, fake_engine: None) -> None:
    result = render(rain, tmp_path / "out")
    tags = ID3(str(result.output))
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == TITLES
    assert tags["TIT2"].text[0] == "A Rainy Week" and tags["TPE1"].text[0] == "Jane Writer"
    assert tags["TALB"].text[0] == "A Rainy Week"
    assert tags.getall("APIC")[0].data.startswith(b"\x89PNG")
    report = check.measure(result.output)
    assert report.problems == [], check.format_report(report)
    assert -21 <= report.rms <= -19 and report.peak <= -3


def test_epub_to_m4b_has_its_chapters_tags_and_cover(rain: Path, tmp_path: Path, fake_engine: None) -> None:
    result = render(rain, tmp_path / "out", format="m4b", title="Rain", author="J. W.")
    assert result.output.suffix == ".m4b"
    m4b = MP4(str(result.output))
    assert m4b.info.codec.startswith("mp4a")
    assert [c.title for c in m4b.chapters] == TITLES
    assert m4b.tags["\xa9nam"] == ["Rain"] and m4b.tags["\xa9ART"] == ["J. W."]
    assert bytes(m4b.tags["covr"][0]).startswith(b"\x89PNG")
    assert check.measure(result.output).problems == []


def test_split_writes_one_tagged_mp3_per_chapter(rain: Path, tmp_path: Path, fake_engine: None) -> None:
    result = render(rain, tmp_path / "out", split=True)
    assert [p.name for p in result.extras] == ["01 - The Arrival.mp3", "02 - The Storm.mp3", "03 - The Departure.mp3"]
    for n, (path, title) in enumerate(zip(result.extras, TITLES), 1):
        tags = ID3(str(path))
        assert tags["TIT2"].text[0] == title and tags["TRCK"].text[0] == f"{n}/3"
        assert tags["TALB"].text[0] == "A Rainy Week"
    assert result.output.exists()


@pytest.mark.parametrize(("title", "name"), [("a/b\\c: d?", "a b c d"), ("..", "Chapter"), ("\x00x\ny", "x y")])
def test_safe_names(title: str, name: str) -> None:
    assert export.safe_name(title) == name


def _onset(pcm: bytes, ms: int) -> int:
    """First 5 ms window louder than -40 dBFS at or after `ms` - 100, in ms."""
    import audioop

    rate = check.RATE
    i = max(0, (ms - 100) * rate // 1000)
    step = rate // 200
    while 2 * i < len(pcm):
        if audioop.rms(pcm[2 * i : 2 * (i + step)], 2) > 327:
            return i * 1000 // rate
        i += step
    return -1


@pytest.mark.parametrize(("fmt", "quality"), [("mp3", "standard"), ("m4b", "standard"), ("mp3", "acx")])
def test_vtt_cues_are_in_order_tagged_and_where_the_line_is_heard(
    rain: Path, tmp_path: Path, fake_engine: None, fmt: str, quality: str
) -> None:
    result = render(rain, tmp_path / "out", subtitles="vtt", format=fmt, quality=quality)
    vtt = result.extras[0].read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n")
    blocks = [b.splitlines() for b in vtt.split("\n\n")[1:] if b.strip()]
    assert "<v Ann>Hello," in [b[1] for b in blocks]
    assert blocks[0][1] == "<v Narrator>Ann came to the village in the rain."
    times = []
    for b in blocks:
        a, _, z = b[0].partition(" --> ")
        times.append((_ms(a), _ms(z)))
    assert all(s < e for s, e in times) and all(a[1] <= b[0] for a, b in zip(times, times[1:]))
    pcm = check.decode(result.output)
    length = len(pcm) // 2 * 1000 // check.RATE
    assert times[-1][1] <= length
    for start, _end in times:
        assert abs(_onset(pcm, start) - start) <= 15, (start, _onset(pcm, start))  # the spec allows 50


def test_srt_numbers_cues_and_names_speakers(rain: Path, tmp_path: Path, fake_engine: None) -> None:
    result = render(rain, tmp_path / "out", subtitles="srt")
    srt = result.extras[0].read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,")
    assert "Ann: Hello," in srt


def _ms(stamp: str) -> int:
    h, m, s = stamp.replace(",", ".").split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def test_acx_quality_is_192k_cbr_at_44k(story: Path, tmp_path: Path, fake_engine: None) -> None:
    result = render(story, tmp_path / "out", quality="acx")
    info = MP3(str(result.output)).info
    assert info.sample_rate == 44100 and info.bitrate == 192000
    assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)  # LAME CBR has no VBR header
    assert check.measure(result.output).problems == []


def test_check_fails_a_quiet_file(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.mp3"
    subprocess.run([ffmpeg.exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=440:d=3",
                    "-af", "volume=-40dB", "-metadata", "title=Q", str(quiet)], check=True)
    result = CliRunner().invoke(cli, ["check", str(quiet)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "RMS" in result.output and "no artist tag" in result.output


def test_check_passes_a_rendered_book_from_the_command_line(story: Path, tmp_path: Path, fake_engine: None) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    rendered = runner.invoke(cli, ["render", str(story), "-o", str(out), "--title", "T", "--author", "A",
                                   "--voices", str(tmp_path / "none.toml")])
    assert rendered.exit_code == 0, rendered.output
    result = runner.invoke(cli, ["check", str(out / "short-story.mp3")])
    assert result.exit_code == 0, result.output
    assert "chapters     2" in result.output and "title='T'" in result.output and result.output.endswith("PASS\n")


class _Spiky:
    """A fake engine whose clips are quiet tones with loud clicks: AAC overshoots on such transients."""

    def render(self, text: str, voice: object, wav: Path) -> None:
        import math
        import struct
        import wave

        n = 22050 * 10 * len(text) // 1000
        samples = [int(2000 * math.sin(2 * math.pi * 180 * i / 22050)) + (30000 if i % 1500 < 2 else 0)
                   for i in range(n)]
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(22050)
            w.writeframes(b"".join(struct.pack("<h", max(-32768, min(32767, s))) for s in samples))


def test_whole_book_m4b_of_spiky_speech_passes_check(rain: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from audiotale import synthesis

    monkeypatch.setitem(synthesis.ENGINES, "espeak", _Spiky)
    for fmt in ("mp3", "m4b"):
        result = render(rain, tmp_path / "out", format=fmt)
        report = check.measure(result.output)
        assert report.problems == [], (fmt, check.format_report(report))
        assert len(report.chapters) == 3 and report.peak <= -3


def test_chapters_option_writes_a_playable_file_of_just_those_chapters(rain: Path, tmp_path: Path,
                                                                        fake_engine: None) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", str(rain), "-o", str(out), "--chapters", "2-3", "--voices",
                                      str(_empty(tmp_path))])
    assert result.exit_code == 0, result.output
    preview = out / "rain.ch2-3.mp3"
    assert sorted(p.name for p in out.iterdir()) == ["rain.ch2-3.mp3"]
    chaps = sorted(ID3(str(preview)).getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == TITLES[1:]
    assert check.measure(preview).duration > 1
    # the whole book afterwards reuses the two chapters and encodes only the first
    full = CliRunner().invoke(cli, ["render", str(rain), "-o", str(out), "--voices", str(_empty(tmp_path))])
    assert full.exit_code == 0 and "1 chapter(s) encoded" in full.output


@pytest.mark.parametrize(("spec", "needle"), [("0", "not a chapter range"), ("2-1", "not a chapter range"),
                                              ("x", "not a chapter range"), ("4", "there is no chapter 4")])
def test_bad_chapter_ranges_are_one_clean_line(rain: Path, tmp_path: Path, fake_engine: None, spec: str,
                                               needle: str) -> None:
    result = CliRunner().invoke(cli, ["render", str(rain), "-o", str(tmp_path / "out"), "--chapters", spec])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ") and needle in result.output


def _empty(tmp_path: Path) -> Path:
    p = tmp_path / "none.toml"
    p.write_text("", encoding="utf-8")
    return p
