"""`audiotale review`: serve the review page for one book until Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from .app import DEFAULT_VOICES, cli, debug, user_errors


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--voices", "voices", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_VOICES,
              show_default=True, help="voices.toml to read and write (created on the first voice change).")
@click.option("--corrections", "fixes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Corrections file to read and write [default: INPUT's .corrections.toml beside it].")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 [default: a free one].")
@click.option("--browser/--no-browser", default=True, show_default=True,
              help="Open the page in the browser (never in CI or without a display).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Clip cache folder [default: the user cache dir, or $AUDIOTALE_CACHE_DIR].")
def review(input: Path, voices: Path, fixes: Path | None, port: int, browser: bool, cache_dir: Path | None) -> None:
    """Open a local page to hear INPUT's lines, correct who says them and set the voices; Ctrl-C stops it."""
    from .. import review as reviewing
    from ..errors import ConfigError

    with user_errors(debug()):
        session = reviewing.Review(input, voices, fixes, cache_dir)
        try:
            for problem in session.errors.values():
                click.echo(f"Warning: {problem} (the page shows it until it is fixed)", err=True)
            try:
                server = reviewing.ReviewServer(session, port)
            except OSError as e:
                raise ConfigError(f"cannot listen on 127.0.0.1:{port} ({e.strerror or e}); "
                                  "choose another --port or leave it out for a free one") from e
            session.warm_up()
            click.echo(f"Reviewing {input}: open {server.url}")
            click.echo(f"Changes go to {session.voices_path} and {session.fixes_path}. Ctrl-C stops.")
            if browser and reviewing.should_open_browser():
                reviewing.open_browser(server.url)
            previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
            try:
                server.serve_forever(poll_interval=0.2)
            except KeyboardInterrupt:
                click.echo("\nStopped; every change is already saved.", err=True)
            finally:
                signal.signal(signal.SIGTERM, previous)
                server.server_close()
        finally:
            session.close()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
