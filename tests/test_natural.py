"""The natural cast end to end: real renders, voices told apart by their measured pitch, levels across engines."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import pytest

from audiotale import casting, engines, pipeline

np = pytest.importorskip("numpy", reason="the neural extra is not installed (pip install 'audiotale[neural]')")
from pitch import cue_spans, decode, pitch_by_speaker, semitones  # noqa: E402  (tests/ is on sys.path)

ROOT = Path(__file__).parent.parent
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(any(engines.REGISTRY[e].missing() for e in ("hibari", "piper")),
                       reason="the neural extra is not installed (pip install 'audiotale[neural]')"),
]

MEN = """Chapter 1

Mr. Brown opened the door of the little shop and looked out at the rain falling on the empty square.

"We shall have no customers at all today, I am quite certain of it, not a single one," said Mr. Brown.

"Then we shall have time to mend the old clock above the counter at last, and to oil the hinges," replied Mr. Green, who was sweeping the floor.

"The clock has waited for twenty years already, and it can wait for another twenty without complaining," said Mr. Black from the back room.

Mrs. White came in, shaking the water from her umbrella.

"Good morning to you all. Is anybody going to sell me a loaf of bread this morning, or shall I bake it myself?" said Mrs. White.

"Of course, madam, the bread came out of the oven an hour ago and it is still warm," said Mr. Brown, reaching for the shelf.

"I told you somebody would come, even on a morning as grey and wet as this one," said Mr. Green, leaning on his broom.

"Nobody listens to me in this shop, and nobody ever has, not in all the years I have worked here," said Mr. Black.
"""


def _render(book: Path, voices: Path, out: Path) -> Path:
    # A fresh process, as from the shell (see test_piper.py).
    run = subprocess.run([sys.executable, "-m", "audiotale", "render", str(book), "--voices", str(voices), "-o", str(out),
                          "--jobs", "2", "--subtitles", "vtt"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return out / f"{book.stem}.mp3"


def _genders(book: Path, voices: Path) -> dict[str, str]:
    cast = casting.load_cast(voices)
    script = pipeline.read_script(book, cast)
    genders = {name: role.gender for name, role in pipeline.roles_for(script, cast).items()}
    return genders | {"Narrator": "female"}  # hibari's "heart" reads the narration


def _same_gender_gaps(mp3: Path, genders: dict[str, str]) -> dict[tuple[str, str], float]:
    pitches = pitch_by_speaker(decode(mp3), mp3.with_suffix(".vtt"))
    assert set(genders) <= set(pitches), (genders, pitches)
    return {(a, b): abs(semitones(pitches[a], pitches[b])) for a, b in itertools.combinations(sorted(genders), 2)
            if genders[a] != "neutral" and genders[a] == genders[b]}


def test_natural_demo_speakers_of_one_gender_are_two_semitones_apart(tmp_path: Path) -> None:
    voices = ROOT / "voices-natural.toml"
    book = ROOT / "seeds" / "the-last-cake.txt"
    mp3 = _render(book, voices, tmp_path / "out")
    genders = _genders(book, voices)
    assert sorted(genders) == ["Kazumi", "Madoka", "Narrator"] and set(genders.values()) == {"female"}
    gaps = _same_gender_gaps(mp3, genders)
    assert len(gaps) == 3 and min(gaps.values()) >= 2.0, gaps
    check = subprocess.run([sys.executable, "-m", "audiotale", "check", str(mp3)], capture_output=True, text=True)
    assert check.stdout.rstrip().endswith("PASS"), check.stdout


def test_natural_men_are_joe_variants_two_semitones_apart(tmp_path: Path) -> None:
    book = tmp_path / "shop.txt"
    book.write_text(MEN, encoding="utf-8")
    voices = ROOT / "voices-natural.toml"
    mp3 = _render(book, voices, tmp_path / "out")
    genders = _genders(book, voices)
    assert sorted(n for n, g in genders.items() if g == "male") == ["Mr. Black", "Mr. Brown", "Mr. Green"]
    gaps = _same_gender_gaps(mp3, genders)
    men = {pair: gap for pair, gap in gaps.items() if genders[pair[0]] == "male"}
    assert len(men) == 3 and min(men.values()) >= 2.0, gaps


def test_a_book_mixing_espeak_piper_and_hibari_is_levelled_within_one_db(tmp_path: Path) -> None:
    book = tmp_path / "mixed.txt"
    book.write_text(MEN, encoding="utf-8")
    voices = tmp_path / "voices.toml"
    voices.write_text('[narrator]\nvoice = "en-gb-x-rp"\nrate = 160\n'
                      '[characters."Mr. Brown"]\nengine = "piper"\n'
                      '[characters."Mr. Green"]\nengine = "hibari"\npitch = -9\nformant = -3\n'
                      '[characters."Mr. Black"]\nengine = "piper"\npitch = -2\n'
                      '[characters."Mrs. White"]\nengine = "hibari"\n', encoding="utf-8")
    mp3 = _render(book, voices, tmp_path / "out")
    check = subprocess.run([sys.executable, "-m", "audiotale", "check", str(mp3)], capture_output=True, text=True)
    assert check.stdout.rstrip().endswith("PASS"), check.stdout
    engine_of = {"Narrator": "espeak", "Mr. Brown": "piper", "Mr. Black": "piper", "Mr. Green": "hibari",
                 "Mrs. White": "hibari"}
    levels = _speech_levels(decode(mp3, 22050), mp3.with_suffix(".vtt"), engine_of)
    assert set(levels) == {"espeak", "piper", "hibari"}
    assert max(levels.values()) - min(levels.values()) <= 1.0, levels


def _speech_levels(audio: np.ndarray, vtt: Path, group: dict[str, str], rate: int = 22050) -> dict[str, float]:
    """RMS in dBFS of each group's speech: the 50 ms windows of its cues louder than -50 dBFS."""
    windows: dict[str, list[np.ndarray]] = {}
    n = rate // 20
    for start, end, who in cue_spans(vtt):
        piece = audio[int(start * rate) : int(end * rate)]
        piece = piece[: len(piece) // n * n].reshape(-1, n)
        windows.setdefault(group[who], []).append(piece)
    levels = {}
    for name, pieces in windows.items():
        frames = np.concatenate(pieces)
        power = (frames.astype(np.float64) ** 2).mean(1)
        loud = power[power > 10 ** (-50 / 10)]
        levels[name] = 10 * math.log10(loud.mean())
    return levels
