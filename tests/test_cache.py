"""The clip cache: info, clear, the size cap (LRU by mtime) and engine versions in the keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import cache, casting
from audiotale.cli import cli
from audiotale.datatypes import Voice
from audiotale.engines import espeak
from audiotale.errors import ConfigError


def _put(cache_dir: Path, name: str, size: int, age: int) -> Path:
    p = cache_dir / "clips" / name[:2] / f"{name}.wav"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"x" * size)
    os.utime(p, (1_000_000 + age, 1_000_000 + age))
    return p


def test_prune_drops_least_recently_used_but_never_what_the_render_needs(tmp_path: Path) -> None:
    oldest, old, new = _put(tmp_path, "aa1", 100, 1), _put(tmp_path, "bb2", 100, 2), _put(tmp_path, "cc3", 100, 3)
    assert cache.prune(tmp_path, 150, keep={oldest}) == 200
    assert oldest.exists() and not old.exists() and not new.exists()
    assert cache.prune(tmp_path, 0) == 100 and not oldest.exists()


def test_render_prunes_to_the_cap(story: Path, tmp_path: Path, fake_engine: None) -> None:
    cache_dir = tmp_path / "c"
    stale = _put(cache_dir, "dd4", 10_000_000, 0)
    args = ["render", str(story), "-o", str(tmp_path / "o"), "--jobs", "1", "--cache-dir", str(cache_dir)]
    assert CliRunner().invoke(cli, [*args, "--cache-max", "5M"]).exit_code == 0
    assert not stale.exists()
    info = cache.info(cache_dir)
    assert info.clips > 0 and info.chapters == 2 and info.total_bytes < 5 * 2**20


def test_cache_info_and_clear(story: Path, tmp_path: Path, fake_engine: None) -> None:
    cache_dir = tmp_path / "c"
    CliRunner().invoke(cli, ["render", str(story), "-o", str(tmp_path / "o"), "--jobs", "1", "--cache-dir",
                             str(cache_dir)])
    result = CliRunner().invoke(cli, ["cache", "info", "--cache-dir", str(cache_dir)])
    assert result.exit_code == 0
    n = cache.info(cache_dir).clips
    assert f"location  {cache_dir}" in result.output and f"clips     {n} (" in result.output
    assert "chapters  2 (" in result.output
    result = CliRunner().invoke(cli, ["cache", "clear", "--cache-dir", str(cache_dir)])
    assert result.output.startswith(f"removed {n} clip(s) and 2 chapter(s)")
    assert cache.info(cache_dir).total_bytes == 0


def test_cache_defaults_to_the_environment(isolated_cache: Path) -> None:
    assert cache.default_dir() == isolated_cache
    result = CliRunner().invoke(cli, ["cache", "info"])
    assert f"location  {isolated_cache}" in result.output


@pytest.mark.parametrize(("text", "size"), [("2048", 2048), ("500M", 500 * 2**20), ("1.5g", 3 * 2**29),
                                            ("10GiB", 10 * 2**30)])
def test_sizes(text: str, size: int) -> None:
    assert cache.parse_size(text) == size


def test_bad_size_is_one_clean_line(story: Path) -> None:
    result = CliRunner().invoke(cli, ["render", str(story), "--cache-max", "lots"])
    assert result.exit_code != 0
    assert result.output == "Error: --cache-max = 'lots' is not a size; use e.g. 500M or 10G\n"
    with pytest.raises(ConfigError):
        cache.parse_size("-1")


def test_clip_key_covers_the_engine_version(monkeypatch: pytest.MonkeyPatch) -> None:
    v = Voice("en-us")
    before = casting.clip_key("Hello.", v)
    assert "espeakng-loader-" in espeak.VERSION
    monkeypatch.setattr(espeak, "VERSION", espeak.VERSION + "-next")
    assert casting.clip_key("Hello.", v) != before


def _speech_like(seconds: float, seed: int = 0):  # -> np.ndarray
    """Voiced-sounding samples with a pause of digital silence, and a burst at full scale."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(int(cache.CLIP_RATE * seconds)) / cache.CLIP_RATE
    x = 6000 * np.sin(2 * np.pi * 140 * t) * (1 + np.sin(2 * np.pi * 3 * t)) + rng.normal(0, 300, len(t))
    x[len(x) // 3: len(x) // 2] = 0  # a pause between phrases
    x[-50:] = [32767, -32768] * 25
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


@pytest.mark.parametrize("frames", [1, 1151, 1152, 1153, 50_000])
def test_clips_round_trip_byte_identical(tmp_path: Path, frames: int) -> None:
    import numpy as np
    import soundfile

    pcm = _speech_like(3.0)[:frames] if frames <= 66150 else _speech_like(3.0)
    path = tmp_path / "clip.flac"
    cache.write_clip(path, pcm)
    back = cache.read_clip(path)
    assert back.dtype == np.int16 and back.tobytes() == pcm.tobytes()
    assert soundfile.info(str(path)).frames == len(pcm)  # the header was finished: its length is right
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_clips_are_smaller_than_wav_and_older_flac_still_reads(tmp_path: Path) -> None:
    import soundfile

    pcm = _speech_like(5.0, seed=1)
    new, old = tmp_path / "new.flac", tmp_path / "old.flac"
    cache.write_clip(new, pcm)
    soundfile.write(old, pcm, cache.CLIP_RATE, format="FLAC", subtype="PCM_16", compression_level=0.75)
    assert new.stat().st_size < 0.7 * (44 + 2 * len(pcm))
    assert cache.read_clip(old).tobytes() == pcm.tobytes()  # a cache written before is still read


def test_clips_must_be_16_bit(tmp_path: Path) -> None:
    import numpy as np

    with pytest.raises(TypeError, match="16-bit"):
        cache.write_clip(tmp_path / "clip.flac", np.zeros(100, dtype=np.float32))
