"""The command line: parse, call one pipeline function, echo. `audiotale --help` lists the commands."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from . import casting, pipeline, synthesis
from .datatypes import Kind
from .errors import AudiotaleError

DEFAULT_VOICES = Path("voices.toml")
SEEDS = Path("seeds")
BOOK_SUFFIXES = {".txt", ".md", ".markdown", ".epub"}


@contextmanager
def user_errors(debug: bool = False) -> Iterator[None]:
    """AudiotaleError -> one line on stderr and its exit code; Ctrl-C -> 130."""
    try:
        yield
    except AudiotaleError as e:
        if debug:
            raise
        click.echo(f"Error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted; run the same command again to resume where it stopped.", err=True)
        sys.exit(130)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="audiotale")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """audiotale: offline multi-voice audiobooks from text, Markdown and EPUB."""
    ctx.obj = {"debug": debug}
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s: %(message)s")


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.obj and ctx.obj.get("debug"))


def _load_cast(voices: Path | None) -> casting.Cast:
    path = voices if voices is not None else (DEFAULT_VOICES if DEFAULT_VOICES.exists() else None)
    known = synthesis.espeak_voice_ids()
    variants = {v.lower() for v in synthesis.espeak_variants()}
    return casting.load_cast(path, known, variants)


voices_option = click.option(
    "--voices", "voices", type=click.Path(path_type=Path), default=None,
    help="voices.toml to use [default: ./voices.toml if present]",
)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="Folder for the audiobooks.")
@voices_option
@click.option("-j", "--jobs", type=click.IntRange(0, 64), default=0, help="Worker processes [default: all cores].")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Clip cache folder [default: the user cache dir, or $AUDIOTALE_CACHE_DIR].")
def render(inputs: tuple[Path, ...], out: Path, voices: Path | None, jobs: int, cache_dir: Path | None) -> None:
    """Render each INPUT (default: every story in seeds/) to OUT/<name>.mp3."""
    with user_errors(_debug()):
        books = list(inputs) or _seed_books()
        cast = _load_cast(voices)
        _check_out_dir(out)
        for book in books:
            started = time.monotonic()
            with _progress_reporter(book) as report:
                result = pipeline.render_book(book, out, cast, jobs=jobs, cache_dir=cache_dir, progress=report)
            took = time.monotonic() - started
            click.echo(
                f"{result.output}  {_clock(result.duration_ms)}, {len(result.chapters)} chapter(s); "
                f"{result.clips_synthesized} clip(s) synthesized, {result.chapters_encoded} chapter(s) encoded "
                f"in {took:.1f} s"
            )


def _seed_books() -> list[Path]:
    if not SEEDS.is_dir():
        raise_input(f"{SEEDS}/: no such folder; give a book: audiotale render BOOK.txt")
    books = sorted(p for p in SEEDS.iterdir() if p.suffix.lower() in BOOK_SUFFIXES)
    if not books:
        raise_input(f"{SEEDS}/: has no .txt, .md or .epub stories; give a book: audiotale render BOOK.txt")
    return books


def raise_input(message: str) -> None:
    from .errors import InputError

    raise InputError(message)


def _check_out_dir(out: Path) -> None:
    from .errors import ConfigError

    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            raise ConfigError(f"{out}: {parent} is a file, not a folder; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)


@contextmanager
def _progress_reporter(book: Path) -> Iterator:
    """A progress bar with ETA on a terminal; a few plain log lines otherwise."""
    if not sys.stderr.isatty():
        last = [0.0]

        def plain(p: pipeline.Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= 5 or p.stage == "joining":
                last[0] = now
                click.echo(f"{book.name}: {p.clips_done}/{p.clips_total} clips, "
                           f"{p.chapters_done}/{p.chapters_total} chapters, {p.stage}", err=True)

        yield plain
        return
    bar = None
    try:
        def fancy(p: pipeline.Progress) -> None:
            nonlocal bar
            if bar is None and p.clips_total:
                bar = click.progressbar(length=p.clips_total, label=f"{book.name}", file=sys.stderr,
                                        show_eta=True, show_pos=True,
                                        item_show_func=lambda _: f"ch {p.chapters_done}/{p.chapters_total}, "
                                        f"{p.audio_seconds / 3600:.2f} h audio")
                bar.__enter__()
            if bar is not None:
                bar.update(p.clips_done - bar.pos)

        yield fancy
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _clock(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="text", show_default=True)
@voices_option
@click.option("--corrections", "fixes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Speaker corrections (quote id = speaker); default: INPUT's .corrections.toml beside it.")
def script(input: Path, fmt: str, voices: Path | None, fixes: Path | None) -> None:
    """Print INPUT's segmented, attributed script: who says what."""
    with user_errors(_debug()):
        cast = _load_cast(voices)
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
def cast(input: Path, voices: Path | None, fmt: str) -> None:
    """Show the narrator and every character in INPUT: lines, words and voice."""
    with user_errors(_debug()):
        c = _load_cast(voices)
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


@cli.command()
def voices() -> None:
    """List eSpeak NG's voices and variants, to use in voices.toml."""
    with user_errors(_debug()):
        english = [v for v in synthesis.espeak_voices() if v.language.startswith("en")]
        others = [v for v in synthesis.espeak_voices() if not v.language.startswith("en")]
        click.echo("eSpeak NG voices (voice = \"ID\"):")
        for v in english + others:
            click.echo(f"  {v.id:<22} {v.language:<14} {v.name}")
        click.echo("\nVariants (voice = \"ID+VARIANT\", e.g. \"en-us+f2\"; f1-f5 are female, m1-m8 male):")
        click.echo("  " + " ".join(synthesis.espeak_variants()))
