"""`audiotale render`: books in, audiobooks out, with a progress line."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .. import cache, pipeline
from ..datatypes import Reason
from .app import (BOOK_SUFFIXES, SEEDS, cli, clock, corrections_option, debug, load_cast, user_errors,
                  voices_option)


def _reasons(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> frozenset[Reason]:
    """`note,front-matter` (or the option given twice) -> reasons; `notes` is `note`; `all` is every one."""
    known = {r.value: r for r in Reason}
    chosen: set[Reason] = set()
    for value in (v.strip().lower() for text in values for v in text.split(",") if v.strip()):
        if value == "all":
            chosen |= set(Reason)
        elif value in known or value.rstrip("s") in known:
            chosen.add(known.get(value) or known[value.rstrip("s")])
        else:
            raise click.BadParameter(f"unknown reason {value!r}; choose from: {', '.join(known)}, all")
    return frozenset(chosen)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="Folder for the audiobooks.")
@voices_option
@corrections_option
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
@click.option("--read-skipped", "read_skipped", multiple=True, metavar="REASON[,REASON]", callback=_reasons,
              help="Also read what `script` shows as skipped for these reasons, e.g. note (read at the end of "
                   "its chapter), front-matter, illustration, transcriber; or all.")
@click.option("--chapters", "chapter_spec", default=None, metavar="RANGE",
              help="Only these chapters, e.g. 1 or 3-5 or 1,3-5, into OUT/<name>.chRANGE.mp3 (a quick preview).")
def render(inputs: tuple[Path, ...], out: Path, voices: Path | None, fixes: Path | None, jobs: int,
           cache_dir: Path | None, fmt: str, split: bool, subtitles: str | None, quality: str, title: str | None,
           author: str | None, cache_max: str | None, read_skipped: frozenset[Reason],
           chapter_spec: str | None) -> None:
    """Render each INPUT (default: every story in seeds/) to OUT/<name>.mp3."""
    from ..errors import ConfigError
    from ..export import OutputOptions

    with user_errors(debug()):
        chapters = None
        if chapter_spec is not None:
            try:
                chapters = pipeline.parse_chapters(chapter_spec)
            except ValueError:
                raise ConfigError(f"--chapters {chapter_spec!r} is not a chapter range; use e.g. 1 or 3-5 "
                                  "or 1,3-5") from None
        options = OutputOptions(fmt, split, subtitles, quality, title, author, chapters)
        limit = cache.parse_size(cache_max) if cache_max is not None else None
        books = list(inputs) or _seed_books()
        _check_distinct_outputs(books)
        if fixes is not None and len(books) > 1:
            raise_input("--corrections names one book's quotes; render that book alone")
        cast = load_cast(voices)
        _check_out_dir(out)
        for book in books:
            started = time.monotonic()
            with _progress_reporter(book) as report:
                result = pipeline.render_book(book, out, cast, jobs=jobs, cache_dir=cache_dir, progress=report,
                                              options=options, cache_max=limit, fixes=fixes,
                                              read_skipped=read_skipped)
            took = time.monotonic() - started
            click.echo(
                f"{result.output}  {clock(result.duration_ms)}, {len(result.chapters)} chapter(s); "
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
    from ..errors import InputError

    raise InputError(message)


def _check_distinct_outputs(books: list[Path]) -> None:
    from ..errors import ConfigError

    seen: dict[str, Path] = {}
    for book in books:
        if book.stem in seen and seen[book.stem] != book:
            raise ConfigError(f"{seen[book.stem]} and {book} would both be written to {book.stem}.mp3; "
                              "render them one at a time with different -o folders")
        seen[book.stem] = book


def _check_out_dir(out: Path) -> None:
    from ..errors import ConfigError

    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            raise ConfigError(f"{out}: {parent} is a file, not a folder; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)


@contextmanager
def _progress_reporter(book: Path) -> Iterator:
    """One live status line on a terminal; a plain log line every few seconds otherwise.

    On a terminal the line is erased when the render ends or is interrupted, so the last thing on
    screen is the result or the error (issue #15: "Interrupted" used to sit above a stale line).
    """
    tty = sys.stderr.isatty()
    started: list[float] = []  # when the work began: reading the book is not part of what the ETA scales
    last = [0.0]
    shown = [False]

    def report(p: pipeline.Progress) -> None:
        now = time.monotonic()
        if not started:
            started.append(now)
        final = p.stage == "joining"
        if not final and now - last[0] < (0.2 if tty else 5.0):
            return
        last[0] = now
        line = _status(book, p, now - started[0])
        if tty:
            click.echo(f"\r\033[K{line}", err=True, nl=False)
            shown[0] = True
        else:
            click.echo(line, err=True)

    try:
        yield report
    finally:
        if shown[0]:
            click.echo("\r\033[K", err=True, nl=False)


def _status(book: Path, p: pipeline.Progress, elapsed: float) -> str:
    """`book.txt: ch 12/61, clips 5000/31000, 2:31:07 of audio, ETA 0:01:12`.

    The ETA is the time so far scaled by the work left, the work being the estimated CPU time of
    synthesis and encoding (both run at once on all cores, so CPU work tracks wall time); the audio
    is the book's, in finished chapters, so at the end it is the file's length.
    """
    done = p.work_done / p.work_total if p.work_total else 1.0
    eta = f", ETA {clock(int(elapsed * (1 - done) / done * 1000))}" if 0.02 < done < 1 and elapsed > 1 else ""
    if p.stage == "joining":
        eta = ", joining chapters"
    return (f"{book.name}: ch {p.chapters_done}/{p.chapters_total}, clips {p.clips_done}/{p.clips_total}, "
            f"{clock(int(p.audio_seconds * 1000))} of audio{eta}")
