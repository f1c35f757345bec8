"""Resume (issue #6): a render killed at any point redoes no finished clip and yields the same book."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiotale import cache, casting, pipeline, synthesis
from audiotale.datatypes import Voice

from conftest import FakeSynthesizer

RUNNER = Path(__file__).parent / "render_runner.py"


@pytest.fixture
def novel(tmp_path: Path) -> Path:
    """Three chapters of narration and Ann's lines: 91 distinct clips."""
    parts = []
    for c in range(1, 4):
        parts.append(f"Chapter {c}\n")
        for i in range(20):
            parts.append(f"Sentence {i} of chapter {c} is narrated here. It has a second part number {i}.\n")
            if i % 5 == 0:
                parts.append(f'"Wonderful weather {i} today," said Ann. "Absolutely marvellous {c}."\n')
    p = tmp_path / "novel.txt"
    p.write_text("\n".join(parts), encoding="utf-8")
    return p


def _clips(cache_dir: Path) -> set[str]:
    return {p.stem for p in (cache_dir / "clips").glob("*/*.flac") if not p.name.startswith(".")}


def _book(mp3: Path) -> tuple[float, list[tuple[str, int, int]]]:
    chaps = sorted(ID3(str(mp3)).getall("CHAP"), key=lambda c: c.start_time)
    return MP3(str(mp3)).info.length, [(c.sub_frames["TIT2"].text[0], c.start_time, c.end_time) for c in chaps]


def _reference(novel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[float, list]:
    monkeypatch.setitem(synthesis.ENGINES, "espeak", FakeSynthesizer)
    result = pipeline.render_book(novel, tmp_path / "ref", casting.load_cast(None), jobs=1,
                                  cache_dir=tmp_path / "ref-cache")
    return _book(result.output)


def _run(args: list[str], cache_dir: Path, delay: float = 0.0, **kw: object) -> subprocess.Popen:
    env = {**os.environ, "FAKE_DELAY": str(delay), "AUDIOTALE_CACHE_DIR": str(cache_dir)}
    return subprocess.Popen([sys.executable, str(RUNNER), "render", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)  # type: ignore[call-overload]


def test_sigkill_mid_render_resumes_without_redoing_clips(novel: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    proc = _run([str(novel), "-o", str(out), "--jobs", "2"], cache_dir, delay=0.05)
    deadline = time.monotonic() + 20
    while len(_clips(cache_dir)) < 30 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _clips(cache_dir)
    assert 30 <= len(done) < 91, "the kill should land mid-way"
    assert not (out / "novel.mp3").exists(), "nothing at the final path until the book is complete"

    again = _run([str(novel), "-o", str(out), "--jobs", "2"], cache_dir)
    stdout, stderr = again.communicate(timeout=60)
    assert again.returncode == 0, stderr
    synthesized = int(re.search(r"(\d+) clip\(s\) synthesized", stdout).group(1))  # type: ignore[union-attr]
    assert len(_clips(cache_dir)) == 91
    assert synthesized == 91 - len(done), "finished clips are never synthesized again"
    assert _book(out / "novel.mp3") == _reference(novel, tmp_path, monkeypatch)
    leftovers = [p.name for p in [*out.glob(".*"), *cache_dir.rglob(".*")]]
    assert leftovers == [], "half-written files of the killed render are swept"


def test_partial_files_of_dead_renders_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = [tmp_path / f".book.mp3.{dead}.part", tmp_path / f".abc.{dead}.raw.wav"]
    live = tmp_path / f".book.mp3.{os.getpid()}.part"
    for p in [*stale, live]:
        p.write_bytes(b"x")
    assert cache.remove_partials([tmp_path]) == 2
    assert live.exists() and not any(p.exists() for p in stale)


class _InterruptAfter(FakeSynthesizer):
    calls = 0

    def render(self, text: str, voice: Voice, wav: Path) -> None:
        type(self).calls += 1
        if type(self).calls > 25:
            raise KeyboardInterrupt
        super().render(text, voice, wav)


def test_ctrl_c_mid_render_resumes_with_the_same_book(novel: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    cast = casting.load_cast(None)
    monkeypatch.setitem(synthesis.ENGINES, "espeak", _InterruptAfter)
    with pytest.raises(KeyboardInterrupt):
        pipeline.render_book(novel, out, cast, jobs=1, cache_dir=cache_dir)
    assert len(_clips(cache_dir)) == 25
    assert not (out / "novel.mp3").exists()
    assert not list(out.glob("*")) if out.exists() else True

    rendered: list[str] = []

    class Counting(FakeSynthesizer):
        def render(self, text: str, voice: Voice, wav: Path) -> None:
            rendered.append(text)
            super().render(text, voice, wav)

    monkeypatch.setitem(synthesis.ENGINES, "espeak", Counting)
    result = pipeline.render_book(novel, out, cast, jobs=1, cache_dir=cache_dir)
    assert result.clips_synthesized == len(rendered) == 91 - 25 and len(_clips(cache_dir)) == 91
    assert _book(result.output) == _reference(novel, tmp_path, monkeypatch)


def test_sigint_stops_the_render_at_once_with_the_message_last_and_resumes(
        novel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    # As from a terminal: Ctrl-C is not ignored (a test runner started in the background may ignore it).
    proc = _run([str(novel), "-o", str(out), "--jobs", "2"], cache_dir, delay=0.05,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 20
    while len(_clips(cache_dir)) < 30 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the foreground process group on Ctrl-C
    _stdout, stderr = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    assert proc.returncode == 130, stderr
    assert stderr.splitlines()[-1].startswith("Interrupted; run the same command again"), stderr
    assert took < 10, f"stopping took {took:.1f} s"  # a hang guard only: it takes well under a second here
    assert not (out / "novel.mp3").exists()
    again = _run([str(novel), "-o", str(out), "--jobs", "2"], cache_dir)
    _stdout, stderr = again.communicate(timeout=60)
    assert again.returncode == 0, stderr
    assert _book(out / "novel.mp3") == _reference(novel, tmp_path, monkeypatch)


def test_a_render_in_this_process_leaves_ctrl_c_working(story: Path, tmp_path: Path, fake_engine: None) -> None:
    """--jobs 1 synthesizes in the main process: Ctrl-C must still interrupt it and everything after."""
    before = signal.getsignal(signal.SIGINT)
    pipeline.render_book(story, tmp_path / "out", casting.load_cast(None), jobs=1)
    assert signal.getsignal(signal.SIGINT) is before
    assert before is not signal.SIG_IGN
