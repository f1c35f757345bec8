"""`audiotale voices`: what voices.toml can name."""

from __future__ import annotations

from pathlib import Path

import click

from .. import casting, engines
from ..engines import espeak
from .app import DEFAULT_VOICES, cli, debug, user_errors, voices_option


@cli.command()
@voices_option
def voices(voices: Path | None) -> None:
    """List every engine's voices (which are installed), eSpeak NG's variants and the natural cast."""
    with user_errors(debug()):
        toml = voices if voices is not None else DEFAULT_VOICES
        for name, engine in engines.REGISTRY.items():
            heading, listings = engine.catalogue(toml)
            click.echo(("" if name == "espeak" else "\n") + heading)
            for v in listings:
                mark = "" if name == "espeak" else ("installed      " if v.installed else "not installed  ")
                click.echo(f"  {v.name:<22} {mark}{v.details}" + (f"  {v.where}" if v.where and name != "espeak" else ""))
            if not listings:
                click.echo(f"  none: {engine.missing() or 'no voices found'}")
            if name == "espeak":
                click.echo('\nVariants (voice = "ID+VARIANT", e.g. "en-us+f2"; f1-f5 are female, m1-m8 male):')
                click.echo("  " + " ".join(espeak.espeak_variants()))
        click.echo('\nNatural cast ([auto] voices = "natural": characters without an entry get these by gender;')
        click.echo("pitch and formant in semitones from the voice's own):")
        pools = casting.POOLS["natural"]
        rows = [("female", v) for v in pools["f"]] + [("male", v) for v in pools["m"]]
        rows.append(("neutral", casting.NATURAL_NEUTRAL))
        for gender, voice in rows:
            click.echo(f"  {gender:<8} {'installed      ' if _ready(voice) else 'not installed  '}{voice.describe()}")


def _ready(voice: casting.Voice) -> bool:
    """Whether a voice's engine is installed and its voice file present."""
    engine = engines.REGISTRY[voice.engine]
    if engine.missing():
        return False
    return any(v.name == (voice.model or voice.id) and v.installed for v in engine.catalogue(None)[1])
