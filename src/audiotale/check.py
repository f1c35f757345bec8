"""`audiotale check FILE`: measure a finished audiobook against the mastering spec (issue #4).

The file is decoded with the bundled ffmpeg to 16-bit mono PCM and measured here in 50 ms
windows (no numpy); chapters, tags and cover are read back with mutagen.
"""

from __future__ import annotations

import math
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import audioop  # audioop-lts on Python 3.13+

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
    """The file as 16-bit mono PCM at RATE."""
    cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(path), "-vn",
           "-ac", "1", "-ar", str(RATE), "-f", "s16le", "pipe:1"]
    result = subprocess.run(cmd, capture_output=True)
    if result.returncode != 0:
        raise InputError(f"{path}: ffmpeg cannot decode it: {result.stderr.decode(errors='replace').strip()[:200]}")
    return result.stdout


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
    pcm = decode(path)
    n = len(pcm) // 2
    windows = [_db(audioop.rms(pcm[i : i + 2 * WINDOW], 2)) for i in range(0, 2 * n, 2 * WINDOW)]
    loud = [i for i, w in enumerate(windows) if w > SILENT]
    head = (loud[0] if loud else len(windows)) * WINDOW / RATE
    tail = (len(windows) - 1 - loud[-1] if loud else len(windows)) * WINDOW / RATE
    # The noise floor: the median level of the pauses (windows quieter than SILENT).
    quiet = sorted(w for w in windows if w <= SILENT)
    noise = quiet[len(quiet) // 2] if quiet else -96.0
    rep = Report(path, n / RATE, getattr(meta.info, "sample_rate", 0), getattr(meta.info, "bitrate", 0),
                 _db(audioop.rms(pcm, 2)) if n else -96.0, _db(audioop.max(pcm, 2)) if n else -96.0,
                 noise, head, tail)
    for title, start, end in _chapters(meta, rep.duration):
        part = pcm[2 * int(start * RATE) : 2 * int(end * RATE)]
        rep.chapters.append(ChapterLevel(title, start, end, _db(audioop.rms(part, 2)) if part else -96.0))
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
