"""`audiotale script` and `audiotale cast`: the text stages, no audio."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import pipeline
from ..datatypes import Kind
from ..segments import spoken_text
from .app import cli, corrections_option, debug, load_cast, user_errors, voices_option


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="text", show_default=True)
@voices_option
@corrections_option
def script(input: Path, fmt: str, voices: Path | None, fixes: Path | None) -> None:
    """Print INPUT's segmented, attributed script: who says what."""
    with user_errors(debug()):
        cast = load_cast(voices)
        sc = pipeline.read_script(input, cast, fixes)
        if fmt == "jsonl":
            for s in sc.segments:
                click.echo(json.dumps({
                    "kind": s.kind.value, "text": s.text, "start": s.start, "end": s.end,
                    "speaker": s.speaker, "chapter": s.chapter, "id": s.quote_id,
                    "confidence": s.confidence, "evidence": s.evidence,
                }, ensure_ascii=False))
            return
        titles = {c.number: c.title for c in sc.chapters}
        chapter = None
        for s in sc.segments:
            if s.chapter != chapter:
                chapter = s.chapter
                click.echo(f"\n## {titles[chapter]}\n")
            who = "NARRATOR" if s.kind is Kind.NARRATION else (s.speaker or "UNKNOWN")
            evidence = f"  [{s.evidence} {s.confidence:.2f}]" if s.kind is Kind.DIALOGUE and s.evidence else ""
            quote_id = f"[{s.quote_id}] " if s.quote_id else ""
            click.echo(f"{quote_id}{who}: {' '.join(s.text.split())}{evidence}")


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@voices_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@corrections_option
def cast(input: Path, voices: Path | None, fmt: str, fixes: Path | None) -> None:
    """Show the narrator and every character in INPUT: lines, words, gender and voice."""
    with user_errors(debug()):
        c = load_cast(voices)
        sc = pipeline.read_script(input, c, fixes)
        roles = pipeline.roles_for(sc, c)
        narration = [s for s in sc.segments if s.kind is Kind.NARRATION]
        unknown = [s for s in sc.segments if s.kind is Kind.DIALOGUE and not s.speaker]
        n_words = sum(len(s.text.split()) for s in narration)
        u_words = sum(len(spoken_text(s.text).split()) for s in unknown)
        if fmt == "json":
            click.echo(json.dumps({
                "narrator": {"lines": len(narration), "words": n_words, "voice": c.narrator.describe()},
                "unknown": {"lines": len(unknown), "words": u_words, "voice": c.unknown.describe()},
                "characters": [{"name": r.name, "lines": r.lines, "words": r.words, "gender": r.gender,
                                "gender_from": "voices.toml" if r.gender_set else "text",
                                "voice": r.voice.describe(), "auto": r.auto} for r in roles.values()],
            }, indent=2, ensure_ascii=False))
            return
        rows = [("NARRATOR", len(narration), n_words, "", c.narrator.describe(), "")]
        rows += [(r.name, r.lines, r.words, r.gender, r.voice.describe(),
                  "auto" if r.auto else "") for r in roles.values()]
        if unknown:
            rows.append(("UNKNOWN", len(unknown), u_words, "", c.unknown.describe(), ""))
        width = max(len(r[0]) for r in rows)
        click.echo(f"{'ROLE':<{width}}  {'LINES':>5}  {'WORDS':>6}  {'GENDER':<8}  VOICE")
        for name, lines, words, gender, voice, auto in rows:
            click.echo(f"{name:<{width}}  {lines:>5}  {words:>6}  {gender:<8}  {voice}"
                       f"{'  (' + auto + ')' if auto else ''}")
