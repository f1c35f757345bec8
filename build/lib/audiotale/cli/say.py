"""`audiotale say`: hear a voice, or a respelling, before rendering a whole book."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import click

from .. import cache, casting, engines, preview
from ..engines import espeak
from ..errors import ConfigError, EngineError
from .app import cli, corrections_option, debug, load_cast, user_errors, voices_option


@cli.command()
@click.argument("text")
@click.option("--voice", "voice_id", default=None, metavar="ID",
              help='An eSpeak NG voice, e.g. "en-us+f2" (`audiotale voices` lists them).')
@click.option("--character", default=None, metavar="NAME",
              help="Speak as this character of voices.toml (or of --book); also narrator or unknown.")
@click.option("--book", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The book whose automatic cast --character belongs to.")
@click.option("--rate", type=click.IntRange(80, 450), default=None, help="Words per minute (80-450).")
@click.option("--pitch", type=click.FloatRange(-12, 99), default=None,
              help="Pitch: 0-99 for eSpeak NG, semitones (-12 to 12) for hibari and Piper voices.")
@voices_option
@corrections_option
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a .wav or .mp3 file instead of playing it.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Clip cache folder [default: the user cache dir, or $AUDIOTALE_CACHE_DIR].")
def say(text: str, voice_id: str | None, character: str | None, book: Path | None, rate: int | None,
        pitch: float | None, voices: Path | None, fixes: Path | None, out: Path | None, cache_dir: Path | None) -> None:
    """Speak TEXT in a voice, with voices.toml's [pronunciations]: plays it, or writes it with -o.

    Without --voice or --character, TEXT is read in the narrator's voice.
    """
    with user_errors(debug()):
        if voice_id is not None and character is not None:
            raise ConfigError("give --voice or --character, not both")
        cast = load_cast(voices)
        if voice_id is not None:
            known, variants = espeak.espeak_voice_ids(), {v.lower() for v in espeak.espeak_variants()}
            voice = casting.parse_cast({"narrator": {"voice": voice_id}}, Path("--voice"), "", known, variants).narrator
        else:
            voice = preview.voice_for(cast, character, book, fixes)
        if pitch is not None:
            neural = engines.REGISTRY[voice.engine].neural
            lo, hi = (-12, 12) if neural else (0, 99)
            if not lo <= pitch <= hi or (not neural and not float(pitch).is_integer()):
                raise ConfigError(f"--pitch {pitch:g} does not suit {voice.describe()}: "
                                  f"use {'semitones from -12 to 12' if neural else 'a whole number from 0 to 99'}")
            voice = replace(voice, pitch=pitch if neural else int(pitch))
        voice = replace(voice, rate=rate if rate is not None else voice.rate)
        folder = cache_dir or cache.default_dir()
        if out is not None:
            seconds = preview.say(text, voice, cast, out, folder)
            click.echo(f"{out}  {seconds:.1f} s, {voice.describe()}")
            return
        play = preview.player()
        if play is None:
            names = ", ".join(p for p, _ in preview.PLAYERS)
            raise EngineError(f"no audio player found (looked for {names}); write the clip with "
                                       "-o try.wav and open it in any player")
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "say.wav"
            preview.say(text, voice, cast, wav, folder)
            click.echo(f"{voice.describe()}", err=True)
            subprocess.run([*play, str(wav)], check=False)
