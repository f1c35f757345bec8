"""`audiotale check` streams: the same figures as measuring the whole decode at once, in bounded memory."""

from __future__ import annotations

import array
import math
from pathlib import Path

import pytest

from audiotale import casting, check, export, pipeline


def _reference(path: Path) -> tuple[float, float, list[float], float, float, float]:
    """RMS, peak, chapter levels, noise floor, head and tail from the whole decode held in memory
    (how check used to work)."""
    import audioop

    raw = check.decode(path)
    pcm = array.array("h", raw)
    rms = math.sqrt(sum(x * x for x in pcm) / len(pcm))
    levels = []
    for ch in check.measure(path).chapters:
        part = pcm[int(ch.start * check.RATE) : int(ch.end * check.RATE)]
        levels.append(check._db(math.sqrt(sum(x * x for x in part) / len(part))))
    step = 2 * check.WINDOW
    windows = [check._db(audioop.rms(raw[i : i + step], 2)) for i in range(0, len(raw), step)]
    loud = [i for i, w in enumerate(windows) if w > check.SILENT]
    quiet = sorted(w for w in windows if w <= check.SILENT)
    seconds = check.WINDOW / check.RATE
    return (check._db(rms), check._db(max(abs(x) for x in pcm)), levels, quiet[len(quiet) // 2],
            loud[0] * seconds, (len(windows) - 1 - loud[-1]) * seconds)


@pytest.mark.parametrize("fmt", ["mp3", "m4b"])
def test_streamed_figures_match_the_whole_decode(story: Path, tmp_path: Path, fake_engine: None,
                                                 monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    result = pipeline.render_book(story, tmp_path / "out", casting.load_cast(None), jobs=1,
                                  options=export.OutputOptions(format=fmt))
    monkeypatch.setattr(check, "CHUNK", check.WINDOW * 3 + 7)  # many chunks, windows and chapters cut across them
    report = check.measure(result.output)
    rms, peak, levels, noise, head, tail = _reference(result.output)
    assert abs(report.rms - rms) < 0.01 and abs(report.peak - peak) < 0.01
    assert report.noise_floor == noise and math.isclose(report.head, head) and math.isclose(report.tail, tail)
    assert len(report.chapters) == 2
    assert all(abs(c.rms - level) < 0.01 for c, level in zip(report.chapters, levels))
    assert 0.5 <= report.head <= 1.0 and report.problems == []


def test_the_noise_floor_is_the_median_of_the_quiet_windows(tmp_path: Path) -> None:
    import struct

    from audiotale import ffmpeg

    # 2 s of quiet hiss at three levels, then a loud tone: the median of the quiet windows is the middle hiss.
    samples = []
    for amplitude, seconds in ((20, 0.6), (60, 0.8), (40, 0.6), (8000, 1.0)):
        n = int(check.RATE * seconds)
        samples += [amplitude if i % 2 else -amplitude for i in range(n)]
    raw = tmp_path / "a.raw"
    raw.write_bytes(struct.pack(f"<{len(samples)}h", *samples))
    wav = tmp_path / "a.m4a"
    import subprocess

    subprocess.run([ffmpeg.exe(), "-loglevel", "error", "-f", "s16le", "-ar", str(check.RATE), "-ac", "1", "-i",
                    str(raw), "-c:a", "alac", str(wav)], check=True)  # lossless: the levels stay exact
    report = check.measure(wav)
    assert abs(report.noise_floor - check._db(40)) < 0.01
    assert abs(report.head - 2.0) <= check.WINDOW / check.RATE and report.tail == 0
