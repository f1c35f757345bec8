"""The hibari engine and voice variants: settings, errors, cache keys, and pitch/formant measured in audio."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale import autocast, casting, engines
from audiotale.cli import cli
from audiotale.datatypes import Voice
from audiotale.engines import espeak, hibari, piper, variants
from audiotale.errors import ConfigError, EngineError

np = pytest.importorskip("numpy", reason="the neural extra is not installed (pip install 'audiotale[neural]')")
from pitch import median_pitch, semitones  # noqa: E402  (tests/ is on sys.path)

KNOWN = espeak.espeak_voice_ids()
VARIANTS = {v.lower() for v in espeak.espeak_variants()}
needs_hibari = pytest.mark.skipif(engines.REGISTRY["hibari"].missing() is not None,
                                  reason="the neural extra is not installed (pip install 'audiotale[neural]')")
needs_piper = pytest.mark.skipif(piper.describe_model(piper.BUNDLED) is None, reason="the neural extra is not installed")
TEXT = "The old lighthouse keeper climbed the stairs every evening, and he counted every single step aloud."


def load(tmp_path: Path, toml: str) -> casting.Cast:
    p = tmp_path / "voices.toml"
    p.write_text(toml, encoding="utf-8")
    return casting.load_cast(p, KNOWN, VARIANTS)


def test_a_hibari_voice_takes_pitch_and_formant_in_semitones(tmp_path: Path) -> None:
    cast = load(tmp_path, '[narrator]\nengine = "hibari"\n'
                          '[characters.Ann]\npitch = 2.5\nformant = -1\n'
                          '[characters.Tom]\nengine = "piper"\npitch = -3\n')
    assert cast.narrator == Voice("heart", hibari.NATURAL_WPM, 0, engine="hibari")
    ann = cast.characters["Ann"]
    assert (ann.engine, ann.id, ann.pitch, ann.option("formant")) == ("hibari", "heart", 2.5, -1.0)
    assert ann.describe() == f"hibari:heart {hibari.NATURAL_WPM}wpm pitch +2.5 formant -1"
    tom = cast.characters["Tom"]
    assert (tom.engine, tom.model, tom.pitch) == ("piper", "joe", -3)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[narrator]\nengine = "hibari"\npitch = 13\n', r"voices.toml:3: narrator.pitch = 13 is out of range; use a number from -12.0 to 12.0"),
        ('[narrator]\nvoice = "en-us"\nformant = 1\n',
         r'voices.toml:3: "narrator.formant" is a setting of the piper or hibari engine, not of espeak; add engine = "piper"'),
        ('[narrator]\nvoice = "heart"\n', r'voices.toml:2: unknown voice "heart"; it is a hibari voice: add engine = "hibari"'),
        ('[narrator]\nengine = "hibari"\nvoice = "hart"\n', r'voices.toml:3: narrator: unknown hibari voice "hart"; did you mean "heart"\?'),
        ('[narrator]\nengine = "hibari"\nrate = 400\n', r"narrator: rate = 400 is out of range for hibari; use a number from 88 to 350"),
        ('[narrator]\nengine = "kokoro"\n', r'voices.toml:2: unknown engine "kokoro"; choose one of: espeak, piper, hibari'),
        ('[auto]\nengine = "nice"\n', r"voices.toml:2: auto.engine = 'nice' has no automatic voices; choose one of: espeak, natural"),
    ],
)
@needs_hibari
def test_neural_settings_errors_name_the_line_and_the_fix(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, toml)


@needs_hibari
def test_cache_key_covers_engine_model_pitch_and_formant() -> None:
    base = Voice("heart", 165, 0, engine="hibari")
    keys = {casting.clip_key("Hi.", v) for v in (
        base, Voice("heart", 165, 1, engine="hibari"), Voice("heart", 165, 0, engine="hibari", options=(("formant", 1.0),)),
        Voice("joe", 165, 0, engine="piper", model="joe"), Voice("en-us", 165, 0))}
    assert len(keys) == 5
    version, digest = engines.REGISTRY["hibari"].cache_tag(base)
    assert version.startswith("hibari-tts-") and hibari.VARIANTS in version and len(digest) == 16


def test_without_the_extra_choosing_hibari_is_one_line_with_the_install_command(
        tmp_path: Path, story: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hibari", None)  # import hibari now fails
    with pytest.raises(EngineError, match=r"pip install 'audiotale\[neural\]'"):
        hibari.HibariSynthesizer()
    toml = tmp_path / "voices.toml"
    toml.write_text('[narrator]\nengine = "hibari"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(story), "--voices", str(toml), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == ("Error: the hibari engine is not installed; "
                                              "pip install 'audiotale[neural]' (or `make install`)")


def test_natural_automatic_voices_fall_back_to_espeak_without_the_extra(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "hibari", None)
    monkeypatch.setattr(autocast, "_warned", set())
    cast = load(tmp_path, '[auto]\nengine = "natural"\n')
    roles = casting.assign_voices(cast, {"Ann": (3, 10, "f"), "Tom": (2, 5, "m")})
    assert {r.voice.engine for r in roles.values()} == {"espeak"}
    assert "needs hibari, which is not installed, so characters without a voice get eSpeak NG voices" in caplog.text


@needs_hibari
def test_natural_automatic_voices_are_distinct_variants_by_gender(tmp_path: Path) -> None:
    pools = autocast.pools("natural")
    assert {v.engine for v in pools.female} == {"hibari"} and {v.engine for v in pools.male} == {"piper"}
    assert len(set(pools.female + pools.male)) == 2 * pools.size  # every slot a voice of its own
    for pool in (pools.female, pools.male):  # a listener tells any two apart
        assert not any(casting.sound_alike(a, b) for i, a in enumerate(pool) for b in pool[i + 1 :])
    cast = load(tmp_path, '[narrator]\nengine = "hibari"\n[auto]\nengine = "natural"\n')
    roles = casting.assign_voices(cast, {"Ann": (3, 10, "f"), "Tom": (2, 5, "m")})
    assert roles["Ann"].voice in pools.female and roles["Tom"].voice in pools.male


def test_resampling_keeps_frequency_and_duration() -> None:
    t = np.arange(24000) / 24000
    tone = np.sin(2 * np.pi * 441 * t).astype(np.float32)
    out = variants.resample(tone, 24000, 22050)
    assert len(out) == 22050
    spectrum = np.abs(np.fft.rfft(out[1000:-1000]))
    assert abs(np.argmax(spectrum) * 22050 / len(out[1000:-1000]) - 441) < 2


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768, w.getframerate()


def _centroid(x: np.ndarray, rate: int) -> float:
    """Mean frequency of the spectrum, weighted by power: it rises with the formants."""
    power = np.abs(np.fft.rfft(x)) ** 2
    return float((np.fft.rfftfreq(len(x), 1 / rate) * power).sum() / power.sum())


@needs_hibari
def test_hibari_pitch_and_formant_move_as_asked_and_keep_the_length(tmp_path: Path) -> None:
    synth = hibari.HibariSynthesizer(threads=1)
    rendered = {}
    for name, pitch, formant in (("base", 0, 0), ("up", 4, 0), ("bigger", 0, -3)):
        wav = tmp_path / f"{name}.wav"
        synth.render(TEXT, Voice("heart", 165, pitch, engine="hibari", options=(("formant", formant),)), wav)
        rendered[name], rate = _read(wav)
        assert rate == 22050
    base, up, bigger = (rendered[k] for k in ("base", "up", "bigger"))
    assert 3 < semitones(median_pitch(base, rate), median_pitch(up, rate)) < 5
    assert abs(semitones(median_pitch(base, rate), median_pitch(bigger, rate))) < 1  # formants move, not the pitch
    assert _centroid(bigger, rate) < 0.9 * _centroid(base, rate)
    assert max(len(up), len(bigger)) < 1.05 * len(base) < 1.1 * min(len(up), len(bigger))  # durations kept


@needs_piper
def test_piper_variants_move_pitch_and_formant_through_rubber_band() -> None:
    pytest.importorskip("piper")
    pv = piper.PiperSynthesizer(threads=1)._voice("joe")
    audio = np.concatenate([c.audio_float_array for c in pv.synthesize(TEXT)])
    rate = pv.config.sample_rate
    up = variants.shift(audio, rate, 4, 0)
    smaller = variants.shift(audio, rate, 0, 3)
    assert 3 < semitones(median_pitch(audio, rate), median_pitch(up, rate)) < 5
    assert abs(semitones(median_pitch(audio, rate), median_pitch(smaller, rate))) < 1.5  # formants fool YIN a bit
    assert _centroid(smaller, rate) > 1.1 * _centroid(audio, rate)
    assert abs(len(up) - len(audio)) < 0.02 * len(audio) and abs(len(smaller) - len(audio)) < 0.02 * len(audio)
