"""`audiotale script` and `audiotale cast`: the text stages, no audio."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import pipeline
from ..datatypes import Kind
from .app import cli, debug, load_cast, user_errors, voices_option


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="text", show_default=True)
@voices_option
@click.option("--corrections", "fixes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Speaker corrections (quote id = speaker); default: INPUT's .corrections.toml beside it.")
def script(input: Path, fmt: str, voices: Path | None, fixes: Path | None) -> None:
    """Print INPUT's segmented, attributed script: who says what."""
    with user_errors(debug()):
        cast = load_cast(voices)
        sc = pipeline.read_script(input, cast, fixes)
        if fmt == "jsonl":
            for s in sc.segments:
                row = {"kind": s.kind.value, "text": s.text, "start": s.start, "end": s.end,
                       "speaker": s.speaker, "chapter": s.chapter, "id": s.quote_id,
                       "confidence": s.confidence, "evidence": s.evidence,
                       "reason": s.reason.value if s.reason else None}
                click.echo(json.dumps(row, ensure_ascii=False))
            return
        titles = {c.number: c.title for c in sc.chapters}
        chapter = None
        for s in sc.segments:
            if s.chapter != chapter:
                chapter = s.chapter
                click.echo(f"\n## {titles[chapter]}\n")
            if s.kind is Kind.SKIPPED:
                click.echo(f"SKIPPED ({s.reason.value if s.reason else '?'}): {_abridged(s.text)}")
                continue
            who = "NARRATOR" if s.kind is Kind.NARRATION else (s.speaker or "UNKNOWN")
            evidence = f"  [{s.evidence} {s.confidence:.2f}]" if s.kind is Kind.DIALOGUE and s.evidence else ""
            quote_id = f"[{s.quote_id}] " if s.quote_id else ""
            click.echo(f"{quote_id}{who}: {' '.join(s.text.split())}{evidence}")


def _abridged(text: str, limit: int = 160) -> str:
    """One line; a long skipped part shows its start, its end and its length."""
    words = text.split()
    line = " ".join(words)
    if len(line) <= limit:
        return line
    return f"{line[: limit - 50].rstrip()} ... {line[-40:].lstrip()}  [{len(words)} words]"


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@voices_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def cast(input: Path, voices: Path | None, fmt: str) -> None:
    """Show the narrator and every character in INPUT: lines, words and voice."""
    with user_errors(debug()):
        c = load_cast(voices)
        sc = pipeline.read_script(input, c)
        roles = pipeline.roles_for(sc, c)
        narration = [s for s in sc.segments if s.kind is Kind.NARRATION]
        unknown = [s for s in sc.segments if s.kind is Kind.DIALOGUE and not s.speaker]
        n_words = sum(len(s.text.split()) for s in narration)
        if fmt == "json":
            click.echo(json.dumps({
                "narrator": {"lines": len(narration), "words": n_words, "voice": c.narrator.describe()},
                "unknown": {"lines": len(unknown), "voice": c.unknown.describe()},
                "characters": [{"name": r.name, "lines": r.lines, "words": r.words, "voice": r.voice.describe(),
                                "auto": r.auto} for r in roles.values()],
            }, indent=2, ensure_ascii=False))
            return
        rows = [("NARRATOR", len(narration), n_words, c.narrator.describe(), "")]
        rows += [(r.name, r.lines, r.words, r.voice.describe(), "auto" if r.auto else "") for r in roles.values()]
        if unknown:
            rows.append(("UNKNOWN", len(unknown), sum(len(s.text.split()) for s in unknown), c.unknown.describe(), ""))
        width = max(len(r[0]) for r in rows)
        click.echo(f"{'ROLE':<{width}}  {'LINES':>5}  {'WORDS':>6}  VOICE")
        for name, lines, words, voice, auto in rows:
            click.echo(f"{name:<{width}}  {lines:>5}  {words:>6}  {voice}{'  (' + auto + ')' if auto else ''}")
