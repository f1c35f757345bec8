"""The book's MP3 written directly: Info frame, ID3 chapters at the stream boundaries, exact length."""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiotale import casting, check, export, pipeline
from audiotale.export import mp3


def _render(story: Path, out: Path) -> pipeline.RenderResult:
    return pipeline.render_book(story, out, casting.load_cast(None), jobs=1)


def test_the_book_is_its_chapter_streams_behind_tags_and_an_info_frame(story: Path, tmp_path: Path,
                                                                       fake_engine: None) -> None:
    result = _render(story, tmp_path / "out")
    data = result.output.read_bytes()
    chapters = sorted((tmp_path / "cache" / "chapters").glob("*.mp3"), key=lambda p: data.find(p.read_bytes()))
    streams = [p.read_bytes() for p in chapters]
    body = b"".join(streams)
    assert data.endswith(body), "the chapter streams, unchanged and in order, end the file"
    infos = [mp3.probe(p) for p in chapters]
    frames = sum(i.frames for i in infos)
    info = data[len(data) - len(body) - len(mp3.info_frame(infos[0].first_header, 0, 0)) : len(data) - len(body)]
    assert info[13:17] == b"Info" and int.from_bytes(info[21:25], "big") == frames
    assert info[133:137] == b"LAME"
    # Players see the exact length; ffmpeg decodes every frame but the decoder's own 529 samples.
    assert abs(MP3(str(result.output)).info.length - frames * 576 / 22050) < 0.001
    assert len(check.decode(result.output)) // 2 == frames * 576 - 529
    assert result.duration_ms == frames * 576 * 1000 // 22050
    tags = ID3(str(result.output))
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert chaps[1].start_time == round(infos[0].frames * 576 * 1000 / 22050)
    assert chaps[-1].end_time == round(frames * 576 * 1000 / 22050)
    assert [c.start_time for c in chaps] == [start for _title, start in result.chapters]


def test_info_frame_checksum_matches_lames(tmp_path: Path) -> None:
    frame = mp3.info_frame(bytes.fromhex("fff380c0"), 1000, 208000)
    assert len(frame) == 208 and frame[:4] == bytes.fromhex("fff380c0")
    assert int.from_bytes(frame[167:169], "big") == mp3._crc16(frame[:167] + b"\0\0" + frame[169:190])


def test_chapter_starts_are_exact_and_linear() -> None:
    chapters = [export.EncodedChapter(f"c{i}", Path("x"), 1000 + i, 576, 22050) for i in range(2000)]
    spans = export.chapter_starts(chapters)
    total = 0
    for ch, (start, end) in zip(chapters, spans):
        assert start == round(total * 1000 / 22050)
        total += ch.samples
        assert end == round(total * 1000 / 22050)
