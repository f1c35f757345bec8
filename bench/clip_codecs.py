"""How small the clip cache could be (issue #14): lossless encoders on a sample of cached clips.

For each candidate: size beside the same clips as 16-bit WAV (the cache before FLAC, 1.0x), encode
CPU seconds per audio hour of clips (this process, `time.process_time`), and that it decodes to the
same samples. The first row is what `cache.write_clip` does today.

    python bench/clip_codecs.py CACHE_DIR [--every 20]    # e.g. the cache a `make bench` run kept
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile

RATE = 22050


def _sndfile(level: float) -> Callable[[np.ndarray], bytes]:
    def encode(x: np.ndarray) -> bytes:
        buf = io.BytesIO()
        soundfile.write(buf, x, RATE, format="FLAC", subtype="PCM_16", compression_level=level)
        return buf.getvalue()
    return encode


def _libflac(level: int, block: int, max_order: int = 0) -> Callable[[np.ndarray], bytes]:
    import pyflac
    from pyflac.encoder import _lib

    def encode(x: np.ndarray) -> bytes:
        buf = io.BytesIO()
        enc = pyflac.StreamEncoder(sample_rate=RATE, compression_level=level, blocksize=block,
                                   streamable_subset=not max_order, write_callback=lambda d, *_: buf.write(d),
                                   seek_callback=buf.seek, tell_callback=buf.tell)
        if max_order:  # past the streamable subset: longer predictors
            _lib.FLAC__stream_encoder_set_max_lpc_order(enc._encoder, max_order)
        enc.process(x.reshape(-1, 1))
        enc.finish()
        return buf.getvalue()
    return encode


def _without_silence(inner: Callable[[np.ndarray], bytes]) -> Callable[[np.ndarray], bytes]:
    """A bound, not an encoder: runs of 64+ zero samples cut out (4 bytes each to put them back)."""
    def encode(x: np.ndarray) -> bytes:
        z = np.concatenate([[0], (x == 0).astype(np.int8), [0]])
        edges = np.diff(z)
        starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        long = (ends - starts) >= 64
        keep = np.ones(len(x), bool)
        for a, b in zip(starts[long], ends[long]):
            keep[a:b] = False
        return inner(np.ascontiguousarray(x[keep])) + bytes(4 * int(long.sum()))
    return encode


CANDIDATES: dict[str, Callable[[np.ndarray], bytes]] = {}  # filled on first use (pyflac loads then)


def candidates() -> dict[str, Callable[[np.ndarray], bytes]]:
    """Encoder name -> encode(samples) -> bytes; the first is the cache's own."""
    if not CANDIDATES:
        CANDIDATES.update({
            "libFLAC level 5, 1152-sample blocks (cache)": _libflac(5, 1152),
            "libsndfile FLAC level 6 (4096 blocks)": _sndfile(0.75),
            "libsndfile FLAC level 8": _sndfile(1.0),
            "libFLAC level 6, 1152 blocks": _libflac(6, 1152),
            "libFLAC level 8, 1152 blocks": _libflac(8, 1152),
            "libFLAC level 8, 1152, order 32": _libflac(8, 1152, 32),
            "bound: level 5/1152 less zero runs": _without_silence(_libflac(5, 1152)),
        })
    return CANDIDATES


def measure(cache_dir: Path, every: int = 20) -> list[str]:
    """One line per candidate, on every `every`-th clip of the cache."""
    paths = sorted(p for p in (cache_dir / "clips").glob("*/*.flac") if not p.name.startswith("."))[::every]
    clips = [soundfile.read(str(p), dtype="int16")[0] for p in paths]
    if not clips:
        return ["no clips in " + str(cache_dir)]
    wav = sum(44 + 2 * len(c) for c in clips)
    hours = sum(len(c) for c in clips) / RATE / 3600
    lines = [f"{len(clips)} clips, {hours * 60:.1f} min of speech; size beside WAV, "
             "encode CPU per audio hour"]
    for name, encode in candidates().items():
        started = time.process_time()
        blobs = [encode(c) for c in clips]
        cpu = time.process_time() - started
        size = sum(len(b) for b in blobs)
        exact = "bound" if name.startswith("bound") else ("decodes identically" if all(
            np.array_equal(soundfile.read(io.BytesIO(b), dtype="int16")[0], c) for b, c in zip(blobs, clips))
            else "NOT IDENTICAL")
        lines.append(f"  {name:44s} {size / wav:.3f}x  {cpu / hours:5.2f} s CPU/h  {exact}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cache_dir", type=Path)
    ap.add_argument("--every", type=int, default=20, help="measure every N-th clip")
    args = ap.parse_args()
    lines = measure(args.cache_dir, args.every)
    print("\n".join(lines))
    sys.exit(0 if len(lines) > 1 else 1)


if __name__ == "__main__":
    main()
