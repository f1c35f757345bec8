"""Subtitles: WebVTT with `<v Speaker>` voice tags, or SubRip; one cue per segment."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SubtitleCue:
    start: int  # ms from the start of the book
    end: int
    text: str
    speaker: str | None


def write_subtitles(cues: Iterable[SubtitleCue], out: Path, fmt: str) -> None:
    """WebVTT (with `<v Speaker>` voice tags) or SubRip, one cue per segment, streamed to `out`."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            if fmt == "vtt":
                f.write("WEBVTT\n\n")
            for n, cue in enumerate(cues, 1):
                text = " ".join(cue.text.split())
                if fmt == "vtt":
                    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    if cue.speaker:
                        text = f"<v {cue.speaker.replace('>', '')}>{text}"
                    f.write(f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n{text}\n\n")
                else:
                    who = f"{cue.speaker}: " if cue.speaker else ""
                    f.write(f"{n}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{who}{text}\n\n")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(max(0, ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"
