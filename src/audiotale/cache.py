"""The render cache: synthesized clips and encoded chapters, content-addressed, capped in size.

CACHE/clips/xx/KEY.flac holds one trimmed clip (FLAC: lossless, 0.55x the size of a WAV),
CACHE/chapters/KEY.mp3 or KEY.aac (+ KEY.json) one encoded chapter. Files a render uses are
touched, so pruning to the size cap drops the least recently used first (issue #6).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

CLIP_RATE = 22050  # Hz, mono, 16-bit: every clip in the cache
CLIP_SUFFIX = ".flac"
CHAPTER_SUFFIXES = (".mp3", ".aac")
# Clips from before FLAC (.wav) still count, are pruned first when old, and are removed by `clear`.
_CLIP_GLOBS = ("*/*.flac", "*/*.wav")

DEFAULT_MAX_BYTES = 10 * 1024**3  # a whole novel's clips are about 2 GiB
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def default_dir() -> Path:
    """$AUDIOTALE_CACHE_DIR, else the user cache folder (e.g. ~/.cache/audiotale)."""
    env = os.environ.get("AUDIOTALE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiotale"))


def parse_size(text: str, where: str = "--cache-max") -> int:
    """'500M', '10G', '2048' (bytes) -> bytes; ConfigError otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text, re.IGNORECASE)
    if not m:
        raise ConfigError(f"{where} = {text!r} is not a size; use e.g. 500M or 10G")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def max_bytes() -> int:
    """The size cap: $AUDIOTALE_CACHE_MAX (e.g. 5G) or 10 GiB."""
    env = os.environ.get("AUDIOTALE_CACHE_MAX")
    return parse_size(env, "AUDIOTALE_CACHE_MAX") if env else DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class CacheInfo:
    location: Path
    clips: int
    clip_bytes: int
    chapters: int
    chapter_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.clip_bytes + self.chapter_bytes


def write_clip(path: Path, pcm: np.ndarray) -> None:
    """Store 16-bit mono samples as FLAC at `path`, atomically (lossless: read_clip gives them back)."""
    import numpy as np
    import pyflac

    if pcm.dtype.kind != "i" or pcm.dtype.itemsize != 2:
        raise TypeError(f"{path.name}: clips are 16-bit samples, not {pcm.dtype}")
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        with open(tmp, "w+b") as f:
            # libFLAC's level 5 with 1152-sample blocks: 3% smaller than level 6 with its 4096-sample
            # blocks (eSpeak's phones and pauses are short) for 0.3 s more CPU per audio hour; level 8
            # saves 2% more for 1.7 s more (bench/clip_codecs.py, issue #14). Seeking back lets libFLAC
            # finish the header (length, MD5 of the samples) as its file writer would.
            encoder = pyflac.StreamEncoder(sample_rate=CLIP_RATE, compression_level=5, blocksize=1152,
                                           write_callback=lambda data, *_: f.write(data),
                                           seek_callback=f.seek, tell_callback=f.tell)
            encoder.process(np.ascontiguousarray(pcm, dtype=np.int16).reshape(-1, 1))
            encoder.finish()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_clip(path: Path) -> np.ndarray:
    """The 16-bit mono samples of a clip (FLAC, or a WAV as older caches and tests hold)."""
    import soundfile

    try:
        pcm, rate = soundfile.read(path, dtype="int16", always_2d=False)
    except soundfile.LibsndfileError as e:
        raise ValueError(f"{path}: not a readable clip ({e})") from e
    if rate != CLIP_RATE or pcm.ndim != 1:
        raise ValueError(f"{path}: not {CLIP_RATE} Hz mono")
    return pcm


def _files(cache_dir: Path) -> Iterable[tuple[Path, os.stat_result]]:
    patterns = [("clips", g) for g in _CLIP_GLOBS] + [("chapters", f"*{s}") for s in (*CHAPTER_SUFFIXES, ".json")]
    for sub, pattern in patterns:
        for p in (cache_dir / sub).glob(pattern):
            try:
                yield p, p.stat()
            except FileNotFoundError:  # another render pruned it meanwhile
                continue


def info(cache_dir: Path) -> CacheInfo:
    """How many clips and chapters the cache holds, and their size."""
    clips = clip_bytes = chapters = chapter_bytes = 0
    for p, st in _files(cache_dir):
        if p.parent.parent.name == "clips":
            clips += 1
            clip_bytes += st.st_size
        else:
            chapters += p.suffix in CHAPTER_SUFFIXES
            chapter_bytes += st.st_size
    return CacheInfo(cache_dir, clips, clip_bytes, chapters, chapter_bytes)


def clear(cache_dir: Path) -> CacheInfo:
    """Delete every cached clip and chapter; returns what was there."""
    before = info(cache_dir)
    for sub in ("clips", "chapters"):
        shutil.rmtree(cache_dir / sub, ignore_errors=True)
    return before


def touch(paths: Iterable[Path]) -> None:
    """Mark files as just used (their mtime orders the pruning)."""
    for p in paths:
        try:
            os.utime(p)
        except FileNotFoundError:
            continue


def prune(cache_dir: Path, limit: int, keep: set[Path] = frozenset()) -> int:  # type: ignore[assignment]
    """Delete least recently used files until the cache is at most `limit` bytes; returns bytes freed.

    Files in `keep` (what the current render needs) are never deleted.
    """
    files = sorted(_files(cache_dir), key=lambda f: f[1].st_mtime)
    total = sum(st.st_size for _, st in files)
    freed = 0
    for p, st in files:
        if total - freed <= limit:
            break
        if p in keep:
            continue
        try:
            p.unlink()
        except FileNotFoundError:
            continue
        freed += st.st_size
    return freed


_PARTIAL = re.compile(r"^\..+\.(\d+)\.(?:raw\.wav|tmp\.wav|tmp\.flac|part)$")


def remove_partials(folders: Iterable[Path]) -> int:
    """Delete half-written files (`.NAME.PID.part`, ...) left by renders that were killed; returns how many."""
    removed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in folder.glob(".*"):
            m = _PARTIAL.match(p.name)
            if m and not _alive(int(m.group(1))):
                try:
                    p.unlink()
                    removed += 1
                except FileNotFoundError:
                    continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
