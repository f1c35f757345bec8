"""`audiotale check`: measure a finished audiobook against the mastering spec."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import cli, debug, user_errors


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def check(file: Path) -> None:
    """Measure an audiobook FILE (.mp3, .m4b) against the mastering spec; exit 1 when outside it."""
    from .. import check as checking

    with user_errors(debug()):
        report = checking.measure(file)
        click.echo(checking.format_report(report))
        if report.problems:
            sys.exit(1)
