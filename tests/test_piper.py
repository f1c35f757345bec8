"""The Piper engine: settings, errors, cache keys, and a book that mixes Piper and eSpeak NG."""

from __future__ import annotations

import array
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiotale import casting, ffmpeg
from audiotale.engines import piper
from audiotale.datatypes import Voice
from audiotale.errors import ConfigError, EngineError

from test_espeak import _f0  # tests/ is on sys.path (pytest rootdir mode)

needs_piper = pytest.mark.skipif(piper.describe_model(piper.BUNDLED) is None,
                                 reason="the piper extra is not installed (pip install 'audiotale[piper]')")


def test_rate_maps_to_length_scale_unless_given() -> None:
    natural = piper.NATURAL_WPM
    assert piper.length_scale_for(Voice("joe", rate=natural, engine="piper", model="joe")) == 1.0
    assert piper.length_scale_for(Voice("joe", rate=2 * natural, engine="piper", model="joe")) == 0.5
    v = Voice("joe", rate=320, engine="piper", model="joe", options=(("length_scale", 1.3),))
    assert piper.length_scale_for(v) == 1.3


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='Piper model "nope.onnx" not found'):
        piper.model_files("nope.onnx", tmp_path)
    (tmp_path / "v.onnx").write_bytes(b"x")
    with pytest.raises(ConfigError, match=r"v.onnx.json: missing"):
        piper.model_files(str(tmp_path / "v.onnx"))


def test_without_the_extra_choosing_piper_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper now fails
    with pytest.raises(EngineError, match=r"pip install 'audiotale\[neural\]'"):
        piper.PiperSynthesizer()


@needs_piper
def test_cache_key_includes_the_engine_and_the_model() -> None:
    joe = Voice("en-us", 160, 50, engine="piper", model="joe")
    assert casting.clip_key("Hi.", joe) != casting.clip_key("Hi.", Voice("en-us", 160, 50))
    assert len(piper.model_digest("joe")) == 16


@needs_piper
def test_piper_narrator_and_espeak_character_in_one_book(tmp_path: Path) -> None:
    book = tmp_path / "mixed.txt"
    book.write_text("Chapter 1\n\nThe old house stood silent on the hill for many long years.\n\n"
                    '"Is anybody there? I can hear the wind in the empty rooms," said Ann.\n\n'
                    "Chapter 2\n\nNobody answered her, and the night went on and on.\n", encoding="utf-8")
    toml = tmp_path / "voices.toml"
    toml.write_text('[narrator]\nengine = "piper"\nmodel = "joe"\nrate = 170\n'
                    '[characters.Ann]\nvoice = "en-us+f2"\npitch = 95\n', encoding="utf-8")
    # A fresh process, as from the shell: workers fork from a parent that has started no engine
    # (this test process may have, and a forked eSpeak engine hangs).
    run = subprocess.run([sys.executable, "-m", "audiotale", "render", str(book), "--voices", str(toml),
                          "-o", str(tmp_path / "out"), "--jobs", "2", "--subtitles", "vtt"],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    mp3 = tmp_path / "out" / "mixed.mp3"
    length = MP3(str(mp3)).info.length
    assert 6 < length < 30, length
    chapters = sorted(ID3(str(mp3)).getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == ["Chapter 1", "Chapter 2"]
    # Both voices are heard: the narrator (Piper's male "joe") is far lower than Ann (eSpeak +f2, pitch 95).
    pcm = subprocess.run([ffmpeg.exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1",
                          "-ar", "22050", "-"], capture_output=True, check=True).stdout
    samples = array.array("h", pcm)
    vtt = (tmp_path / "out" / "mixed.vtt").read_text(encoding="utf-8")
    pitch = {}
    for start, end, who in re.findall(r"(\S+) --> (\S+)\n<v ([^>]+)>", vtt):
        a, b = (int(_ms(t) * 22.05) for t in (start, end))
        pitch.setdefault(who, _f0(samples[a:b], 22050))
    assert pitch["Narrator"] < 150 < pitch["Ann"], pitch


def _ms(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return (int(h) * 3600 + int(m) * 60 + float(s)) * 1000
