"""`audiotale check` streams: the same figures as measuring the whole decode at once, in bounded memory."""

from __future__ import annotations

import array
import math
from pathlib import Path

import pytest

from audiotale import casting, check, export, pipeline


def _reference(path: Path) -> tuple[float, float, list[float]]:
    """RMS, peak and chapter levels from the whole decode held in memory (how check used to work)."""
    pcm = array.array("h", check.decode(path))
    rms = math.sqrt(sum(x * x for x in pcm) / len(pcm))
    levels = []
    for ch in check.measure(path).chapters:
        part = pcm[int(ch.start * check.RATE) : int(ch.end * check.RATE)]
        levels.append(check._db(math.sqrt(sum(x * x for x in part) / len(part))))
    return check._db(rms), check._db(max(abs(x) for x in pcm)), levels


@pytest.mark.parametrize("fmt", ["mp3", "m4b"])
def test_streamed_figures_match_the_whole_decode(story: Path, tmp_path: Path, fake_engine: None,
                                                 monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    result = pipeline.render_book(story, tmp_path / "out", casting.load_cast(None), jobs=1,
                                  options=export.OutputOptions(format=fmt))
    monkeypatch.setattr(check, "CHUNK", check.WINDOW * 3 + 7)  # many chunks, windows and chapters cut across them
    report = check.measure(result.output)
    rms, peak, levels = _reference(result.output)
    assert abs(report.rms - rms) < 0.01 and abs(report.peak - peak) < 0.01
    assert len(report.chapters) == 2
    assert all(abs(c.rms - level) < 0.01 for c, level in zip(report.chapters, levels))
    assert 0.5 <= report.head <= 1.0 and report.problems == []
