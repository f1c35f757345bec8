"""Hear a voice before rendering a book: text + voice -> one WAV or MP3, through the clip cache.

The text goes the way a book's lines go (pronunciations, sentence splitting, pauses, mastering), so
what `audiotale say` plays is what the audiobook will sound like, and its clips are reused by render.
"""

from __future__ import annotations

import os
import shutil
import wave
from pathlib import Path

from . import casting, synthesis
from .casting import Cast
from .datatypes import Kind, Segment, Voice
from .errors import ConfigError, InputError

FORMATS = (".wav", ".mp3")
# Players tried in order when no output file is given: (program, arguments before the file).
PLAYERS = (("paplay", ()), ("pw-play", ()), ("aplay", ("-q",)), ("afplay", ()),
           ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet")), ("mpv", ("--really-quiet",)),
           ("play", ("-q",)))


def voice_for(cast: Cast, character: str | None, book: Path | None = None, fixes: Path | None = None) -> Voice:
    """The voice `character` reads in: "narrator", "unknown", a voices.toml character, or anyone in `book`."""
    if character is None or character.lower() == "narrator":
        return cast.narrator
    if character.lower() == "unknown":
        return cast.unknown
    for name, voice in cast.characters.items():
        if character.lower() in {n.lower() for n in [name, *cast.aliases.get(name, [])]}:
            return voice
    if book is None:
        raise InputError(f'"{character}" has no voice in {cast.source or "voices.toml"}; add --book BOOK to hear '
                         "the automatic voice the book gives them")
    from . import pipeline

    script = pipeline.read_script(book, cast, fixes)
    roles = pipeline.roles_for(script, cast)
    found = script.characters.lookup(character)
    name = found.name if found is not None and found.name in roles else character
    if name not in roles:
        speakers = ", ".join(list(roles)[:8]) or "nobody"
        raise InputError(f'{book}: nobody called "{character}" speaks in it; speakers: {speakers}')
    return roles[name].voice


def say(text: str, voice: Voice, cast: Cast, out: Path, cache_dir: Path, jobs: int = 1) -> float:
    """Speak `text` in `voice` into `out` (.wav or .mp3, written atomically); returns its seconds."""
    from . import assembly, export

    if out.suffix.lower() not in FORMATS:
        raise ConfigError(f"{out}: write a .wav or .mp3 file")
    if not text.strip():
        raise InputError("nothing to say; give some text, e.g. audiotale say \"Hello there.\"")
    segment = Segment(1, 0, Kind.DIALOGUE, text, 0, len(text), 0, "preview")
    lines = list(casting.make_lines([segment], cast, {"preview": casting.Role("preview", 1, 0, voice, False)}))
    if not lines:
        raise InputError(f"nothing to say in {text!r}: it has no words")
    for _ in synthesis.render_all(synthesis.jobs_for(lines, lambda line: "say"), cache_dir, jobs):
        pass
    items = [(line.pause_before, synthesis.clip_path(cache_dir, line.key)) for line in lines]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if out.suffix.lower() == ".mp3":
            box: list[int] = []
            export.encode_chapter(lambda pipe: box.append(assembly.stitch(items, pipe, head=100, tail=200)[0]), tmp)
            frames = box[0]
        else:
            with wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(assembly.RATE)
                frames, _ = assembly.stitch(items, _WaveWriter(w), head=100, tail=200)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return frames / assembly.RATE


class _WaveWriter:
    """A binary stream that writes frames into an open wave file."""

    def __init__(self, w: wave.Wave_write) -> None:
        self.w = w

    def write(self, data: bytes) -> int:
        self.w.writeframes(data)
        return len(data)


def player() -> list[str] | None:
    """The command line of an installed audio player (the file goes last), or None."""
    for program, args in PLAYERS:
        found = shutil.which(program)
        if found:
            return [found, *args]
    return None
