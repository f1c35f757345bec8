"""`audiotale voices`: what voices.toml can name."""

from __future__ import annotations

from pathlib import Path

import click

from .. import autocast, engines
from ..datatypes import Voice
from ..engines import espeak
from .app import DEFAULT_VOICES, cli, debug, user_errors, voices_option


@cli.command()
@voices_option
@click.option("--lang", default=None, metavar="CODE",
              help='Only voices for this language, e.g. "en" (every English voice) or "en-gb".')
def voices(voices: Path | None, lang: str | None) -> None:
    """List every engine's voices (and which are installed), eSpeak NG's variants and the natural cast."""
    with user_errors(debug()):
        toml = voices if voices is not None else DEFAULT_VOICES
        for name, engine in engines.REGISTRY.items():
            heading, listings = engine.catalogue(toml)
            shown = [v for v in listings if lang is None or speaks(lang, v.language, v.name)]
            if name == "espeak":  # English first
                shown = [v for v in shown if v.language.startswith("en")] + \
                        [v for v in shown if not v.language.startswith("en")]
            click.echo(("" if name == "espeak" else "\n") + heading)
            for v in shown:
                if name == "espeak":
                    click.echo(f"  {v.name:<22} {v.details}")
                else:
                    mark = "installed      " if v.installed else "not installed  "
                    click.echo(f"  {v.name:<22} {mark}{v.details}" + (f"  {v.where}" if v.where else ""))
            if not shown:
                missing = engine.missing()
                click.echo(f"  none for {lang!r}" if lang is not None and listings else f"  none: {missing or 'none found'}")
            if name == "espeak":
                click.echo('\nVariants (voice = "ID+VARIANT", e.g. "en-us+f2"; f1-f5 are female, m1-m8 male):')
                click.echo("  " + " ".join(espeak.espeak_variants()))
        if lang is None or speaks(lang, "en-us"):
            click.echo('\nNatural cast ([auto] engine = "natural": characters without an entry get these by gender;')
            click.echo("pitch and formant in semitones from the voice's own):")
            pools = autocast.POOLS["natural"]()
            rows = [("female", v) for v in pools.female] + [("male", v) for v in pools.male]
            rows.append(("unknown", autocast.NATURAL_UNKNOWN))
            for gender, voice in rows:
                click.echo(f"  {gender:<8} {'installed      ' if _ready(voice) else 'not installed  '}{voice.describe()}")


def speaks(lang: str, *codes: str) -> bool:
    """Whether a voice for language `codes` (en-gb, en_US, ...) is one `lang` asks for: en takes en-gb too."""
    want = lang.lower().replace("_", "-")
    return any(c.lower().replace("_", "-") == want or c.lower().replace("_", "-").startswith(want + "-")
               for c in codes)


def _ready(voice: Voice) -> bool:
    """Whether a voice's engine is installed and its voice file present."""
    engine = engines.REGISTRY[voice.engine]
    if engine.missing():
        return False
    return any(v.name == (voice.model or voice.id) and v.installed for v in engine.catalogue(None)[1])
