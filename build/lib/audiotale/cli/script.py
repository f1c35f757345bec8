"""`audiotale script` and `audiotale cast`: the text stages, no audio."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import casting, pipeline, voicesfile
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
@corrections_option
@click.option("--write", "write", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Write a voices.toml with every character to FILE, or add the characters FILE lacks.")
def cast(input: Path, voices: Path | None, fmt: str, fixes: Path | None, write: Path | None) -> None:
    """Show the narrator and every character in INPUT: lines, words, gender and voice."""
    with user_errors(debug()):
        if voices is None and write is not None and write.is_file():
            voices = write  # extending a file: its characters (and aliases) are the cast
        c = load_cast(voices)
        sc = pipeline.read_script(input, c, fixes)
        roles = pipeline.roles_for(sc, c)
        if write is not None:
            _write_cast(write, sc, roles, c)
            return
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


def _write_cast(path: Path, sc: pipeline.Script, roles: dict, c: casting.Cast) -> None:
    existed = path.is_file()
    entries, silent = voicesfile.entries_for(sc, roles)
    added, had = voicesfile.write_cast(path, entries, c.narrator, c.unknown, voicesfile.checker(path), silent)
    if not existed:
        click.echo(f"wrote {path}: the narrator, the unknown voice and {len(added)} character(s)")
    elif added:
        click.echo(f"{path}: added {len(added)} character(s) ({', '.join(added)}); the {had} already there are untouched")
    else:
        click.echo(f"{path}: has every character already; nothing changed")
