"""`audiotale check FILE`: measure a finished audiobook against the mastering spec (issue #4).

The file is decoded with the bundled ffmpeg to 16-bit mono PCM and measured as it streams in,
10 s at a time, in 50 ms windows: memory stays bounded for any length (issue #14: a 7.5-hour book
took 2.4 GB when the whole decode was held). Chapters, tags and cover are read back with mutagen.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import ffmpeg
from .errors import InputError

RATE = 22050  # Hz: what the measurement decodes to
WINDOW = RATE // 20  # 50 ms
RMS_RANGE = (-23.0, -18.0)  # dBFS, whole file and every chapter
PEAK_MAX = -3.0  # dBFS
NOISE_MAX = -60.0  # dBFS
HEAD_RANGE = (0.5, 1.0)  # seconds of silence before the first sound
TAIL_RANGE = (1.0, 5.0)  # seconds of silence after the last sound
SILENT = -50.0  # dBFS: a window quieter than this is silence


@dataclass
class ChapterLevel:
    title: str
    start: float  # seconds
    end: float
    rms: float  # dBFS


@dataclass
class Report:
    path: Path
    duration: float  # seconds
    sample_rate: int
    bitrate: int  # bits per second
    rms: float
    peak: float
    noise_floor: float
    head: float
    tail: float
    chapters: list[ChapterLevel] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    cover: int = 0  # bytes of the attached cover, 0: none
    problems: list[str] = field(default_factory=list)


def _db(rms: float) -> float:
    return 20 * math.log10(rms / 32768) if rms > 0 else -96.0


def decode(path: Path) -> bytes:
    """The whole file as 16-bit mono PCM at RATE (for tests and short files; `measure` streams)."""
    return b"".join(chunk.tobytes() for chunk in _stream(path))


CHUNK = WINDOW * 200  # samples per read: 10 s


def _stream(path: Path) -> Iterator[np.ndarray]:
    """Decode with ffmpeg, yielding 16-bit mono samples at RATE, CHUNK at a time."""
    # asetnsamples hands ffmpeg's threads one-second frames instead of MP3's 576 samples: half the CPU.
    cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path), "-vn",
           "-af", "asetnsamples=n=22050:p=0", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "pipe:1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    with contextlib.suppress(ImportError, OSError, AttributeError):  # a 1 MiB pipe: fewer wake-ups (Linux)
        import fcntl

        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    try:
        while True:
            data = proc.stdout.read(2 * CHUNK)  # a full chunk unless the stream ends
            if not data:
                break
            yield np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
        err = proc.stderr.read().decode(errors="replace")
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    if proc.returncode != 0:
        raise InputError(f"{path}: ffmpeg cannot decode it: {err.strip()[:200]}")


class _Meter:
    """Running sums over a stream of samples: energy, peak, energy per chapter, and of the 50 ms
    windows their count, the first and last loud one and a histogram of the quiet ones' RMS (an
    integer under 104, so the median is exact): constant memory for any length."""

    def __init__(self, bounds: list[tuple[int, int]]) -> None:
        self.n = 0
        self.energy = 0.0
        self.peak = 0
        self.bounds = bounds  # (first sample, end sample) of each chapter
        self.chapter_energy = [0.0] * len(bounds)
        self.order = sorted(range(len(bounds)), key=lambda i: bounds[i])
        self.first = 0
        self.carry = np.zeros(0)  # squares of the start of a window cut by the chunk's end
        self.windows = 0
        self.loud: list[int] = []  # index of the first and of the last loud window
        self.quiet = np.zeros(_LOUD_RMS, dtype=np.int64)  # quiet windows by their integer RMS

    def add(self, chunk: np.ndarray) -> None:
        start = self.n
        self.n += len(chunk)
        if not len(chunk):
            return
        self.peak = max(self.peak, -int(chunk.min()), int(chunk.max()))
        x = chunk.astype(np.float64)
        squares = x * x  # exact: sums of int16 squares stay far below 2**53
        self.energy += float(squares.sum())
        while self.first < len(self.order) and self.bounds[self.order[self.first]][1] <= start:
            self.first += 1  # chapters wholly before this chunk are done: the loop stays linear
        for i in self.order[self.first :]:
            lo, hi = self.bounds[i]
            if lo >= self.n:
                break
            a, b = max(lo, start) - start, min(hi, self.n) - start
            if a < b:
                self.chapter_energy[i] += float(squares[a:b].sum())
        joined = np.concatenate([self.carry, squares]) if len(self.carry) else squares
        whole = len(joined) // WINDOW * WINDOW
        if whole:
            self._windows(np.floor(np.sqrt(joined[:whole].reshape(-1, WINDOW).sum(axis=1) / WINDOW)))
        self.carry = joined[whole:]

    def _windows(self, rms: np.ndarray) -> None:
        """Take the integer RMS (as audioop.rms gives) of the next windows."""
        loud = np.nonzero(rms >= _LOUD_RMS)[0]
        if len(loud):
            first = self.loud[0] if self.loud else self.windows + int(loud[0])
            self.loud = [first, self.windows + int(loud[-1])]
        self.quiet += np.bincount(rms[rms < _LOUD_RMS].astype(np.int64), minlength=_LOUD_RMS)
        self.windows += len(rms)

    def finish(self) -> None:
        if len(self.carry):
            self._windows(np.floor(np.sqrt(np.array([self.carry.sum()]) / len(self.carry))))
            self.carry = np.zeros(0)

    def noise_floor(self) -> float:
        """The median level of the quiet windows, in dBFS."""
        count = int(self.quiet.sum())
        if not count:
            return -96.0
        return _db(int(np.searchsorted(np.cumsum(self.quiet), count // 2 + 1)))


# The smallest integer RMS louder than SILENT: a window with less is a pause.
_LOUD_RMS = math.floor(32768 * 10 ** (SILENT / 20)) + 1


def measure(path: Path) -> Report:
    """Measure levels, silences, chapters, tags and cover of an MP3 or M4B."""
    import mutagen

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give an .mp3 or .m4b audiobook")
    try:
        meta = mutagen.File(str(path))
    except mutagen.MutagenError as e:
        raise InputError(f"{path}: not a readable audio file ({e}); give an .mp3 or .m4b") from e
    if meta is None:
        raise InputError(f"{path}: not an MP3 or M4B file; give an .mp3 or .m4b audiobook")
    length = float(getattr(meta.info, "length", 0.0) or 0.0)
    chapters = _chapters(meta, length)
    # Chapter ends are clipped to the decoded length once it is known, as the slices were before.
    meter = _Meter([(int(start * RATE), int(end * RATE)) for _t, start, end in chapters])
    for chunk in _stream(path):
        meter.add(chunk)
    meter.finish()
    n, windows = meter.n, meter.windows
    head = (meter.loud[0] if meter.loud else windows) * WINDOW / RATE
    tail = (windows - 1 - meter.loud[1] if meter.loud else windows) * WINDOW / RATE
    noise = meter.noise_floor()  # the median level of the pauses (windows quieter than SILENT)
    rep = Report(path, n / RATE, getattr(meta.info, "sample_rate", 0), getattr(meta.info, "bitrate", 0),
                 _db(math.sqrt(meter.energy / n)) if n else -96.0, _db(meter.peak) if n else -96.0,
                 noise, head, tail)
    for (title, start, end), (lo, hi), energy in zip(chapters, meter.bounds, meter.chapter_energy):
        end = min(end, rep.duration)
        frames = min(hi, n) - lo
        rep.chapters.append(ChapterLevel(title, start, end, _db(math.sqrt(energy / frames)) if frames > 0 else -96.0))
    rep.tags, rep.cover = _tags(meta)
    rep.problems = _problems(rep)
    return rep


def _chapters(meta: object, duration: float) -> list[tuple[str, float, float]]:
    from mutagen.id3 import ID3

    tags = getattr(meta, "tags", None)
    if isinstance(tags, ID3):
        chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
        return [(str(c.sub_frames["TIT2"].text[0]) if "TIT2" in c.sub_frames else c.element_id,
                 c.start_time / 1000, min(c.end_time / 1000, duration)) for c in chaps]
    chapters = getattr(meta, "chapters", None)  # mutagen.mp4.MP4Chapters
    if chapters:
        items = list(chapters)
        return [(c.title, c.start, items[i + 1].start if i + 1 < len(items) else duration)
                for i, c in enumerate(items)]
    return []


def _tags(meta: object) -> tuple[dict[str, str], int]:
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4Tags

    tags = getattr(meta, "tags", None)
    out: dict[str, str] = {}
    cover = 0
    if isinstance(tags, ID3):
        for key, name in (("TIT2", "title"), ("TPE1", "artist"), ("TALB", "album"), ("TRCK", "track")):
            if key in tags:
                out[name] = str(tags[key].text[0])
        pics = tags.getall("APIC")
        cover = len(pics[0].data) if pics else 0
    elif isinstance(tags, MP4Tags):
        for key, name in (("\xa9nam", "title"), ("\xa9ART", "artist"), ("\xa9alb", "album")):
            if key in tags:
                out[name] = str(tags[key][0])
        if "trkn" in tags:
            out["track"] = "/".join(str(x) for x in tags["trkn"][0])
        covr = tags.get("covr")
        cover = len(bytes(covr[0])) if covr else 0
    return out, cover


def _problems(r: Report) -> list[str]:
    lo, hi = RMS_RANGE
    found = []
    if not lo <= r.rms <= hi:
        found.append(f"RMS {r.rms:.1f} dBFS is outside {lo:.0f} to {hi:.0f}")
    if r.peak > PEAK_MAX:
        found.append(f"peak {r.peak:.1f} dBFS is above {PEAK_MAX:.0f}")
    if r.noise_floor > NOISE_MAX:
        found.append(f"noise floor {r.noise_floor:.1f} dBFS is above {NOISE_MAX:.0f}")
    if not HEAD_RANGE[0] <= r.head <= HEAD_RANGE[1]:
        found.append(f"{r.head:.2f} s of silence at the head; want {HEAD_RANGE[0]}-{HEAD_RANGE[1]} s")
    if not TAIL_RANGE[0] <= r.tail <= TAIL_RANGE[1]:
        found.append(f"{r.tail:.2f} s of silence at the tail; want {TAIL_RANGE[0]}-{TAIL_RANGE[1]} s")
    for c in r.chapters:
        if c.end - c.start >= 1 and not lo <= c.rms <= hi:
            found.append(f"chapter {c.title!r}: RMS {c.rms:.1f} dBFS is outside {lo:.0f} to {hi:.0f}")
    for key in ("title", "artist"):
        if not r.tags.get(key):
            found.append(f"no {key} tag")
    return found


def format_report(r: Report) -> str:
    """The report as people read it."""
    lines = [
        f"file         {r.path}",
        f"duration     {_clock(r.duration)}",
        f"audio        {r.sample_rate} Hz, {r.bitrate // 1000} kbps",
        f"RMS          {r.rms:.1f} dBFS   (spec {RMS_RANGE[0]:.0f} to {RMS_RANGE[1]:.0f})",
        f"peak         {r.peak:.1f} dBFS   (spec <= {PEAK_MAX:.0f})",
        f"noise floor  {r.noise_floor:.1f} dBFS   (spec <= {NOISE_MAX:.0f})",
        f"head / tail  {r.head:.2f} s / {r.tail:.2f} s of silence",
        "tags         " + (", ".join(f"{k}={v!r}" for k, v in r.tags.items()) or "none"),
        "cover        " + (f"{r.cover} bytes" if r.cover else "none"),
        f"chapters     {len(r.chapters)}",
    ]
    lines += [f"  {_clock(c.start)}  {c.rms:6.1f} dBFS  {c.title}" for c in r.chapters]
    lines.append("PASS" if not r.problems else "FAIL: " + "; ".join(r.problems))
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
