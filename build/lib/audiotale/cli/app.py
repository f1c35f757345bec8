"""The click group and what every command shares: error handling, logging, voices.toml loading."""

from __future__ import annotations

import logging
import os
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from .. import casting
from ..engines import espeak
from ..errors import AudiotaleError

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
    except BrokenPipeError as e:
        if not stdout_closed():  # a pipe of ours (to ffmpeg) broke: a real failure
            click.echo(f"Error: {e.strerror or e}; rerun with --debug and report it", err=True)
            sys.exit(1)
        quiet_exit()
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


SIGPIPE_STATUS = 128 + 13  # what a shell reports for a tool that `| head` stopped


def stdout_closed() -> bool:
    """Whether whoever read our output (`| head`, `| less`) has gone away."""
    try:
        poller = select.poll()
        poller.register(sys.__stdout__.fileno(), select.POLLERR)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() on this platform, or stdout is gone
        return True


def quiet_exit() -> NoReturn:
    """End like other Unix tools when the reader stops: no message, the SIGPIPE status."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stdout__.fileno())  # Python's final flush must not fail again
    sys.exit(SIGPIPE_STATUS)


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


def debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.obj and ctx.obj.get("debug"))


def load_cast(voices: Path | None) -> casting.Cast:
    path = voices if voices is not None else (DEFAULT_VOICES if DEFAULT_VOICES.exists() else None)
    known = espeak.espeak_voice_ids()
    variants = {v.lower() for v in espeak.espeak_variants()}
    return casting.load_cast(path, known, variants)


voices_option = click.option(
    "--voices", "voices", type=click.Path(path_type=Path), default=None,
    help="voices.toml to use [default: ./voices.toml if present]",
)


corrections_option = click.option(
    "--corrections", "fixes", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Speaker corrections (quote id = speaker) [default: INPUT's .corrections.toml beside it, if present].",
)


def clock(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"
