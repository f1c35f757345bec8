"""`audiotale cache info|clear`."""

from __future__ import annotations

from pathlib import Path

import click

from .. import cache
from .app import cli, debug, size, user_errors


@cli.group("cache")
def cache_group() -> None:
    """Inspect or empty the clip and chapter cache."""


cache_dir_option = click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
                                help="Cache folder [default: the user cache dir, or $AUDIOTALE_CACHE_DIR].")


@cache_group.command("info")
@cache_dir_option
def cache_info(cache_dir: Path | None) -> None:
    """Where the cache is, how many clips and chapters it holds, and its size."""
    with user_errors(debug()):
        i = cache.info(cache_dir or cache.default_dir())
        click.echo(f"location  {i.location}")
        click.echo(f"clips     {i.clips} ({size(i.clip_bytes)})")
        click.echo(f"chapters  {i.chapters} ({size(i.chapter_bytes)})")
        click.echo(f"total     {size(i.total_bytes)} of {size(cache.max_bytes())} allowed")


@cache_group.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached clip and chapter (the next render synthesizes everything again)."""
    with user_errors(debug()):
        i = cache.clear(cache_dir or cache.default_dir())
        click.echo(f"removed {i.clips} clip(s) and {i.chapters} chapter(s), {size(i.total_bytes)}, from {i.location}")
