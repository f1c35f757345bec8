"""`audiotale chapters`: what a book will become, before rendering it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import pipeline
from .app import cli, debug, user_errors


@cli.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def chapters(input: Path, fmt: str) -> None:
    """List the chapters INPUT will become: title, spoken words, where each starts and ends."""
    with user_errors(debug()):
        o = pipeline.outline(input)
        rows = [{"number": c.number, "title": c.title, "words": n, "start": c.start, "end": c.end}
                for c, n in zip(o.chapters, o.words)]
        if fmt == "json":
            click.echo(json.dumps({"title": o.book.title, "author": o.book.author, "chapters": rows},
                                  indent=2, ensure_ascii=False))
            return
        click.echo(o.book.title + (f", by {o.book.author}" if o.book.author else ""))
        width = max([len("TITLE"), *(len(r["title"]) for r in rows)])
        width = min(width, 60)
        click.echo(f"{'#':>4}  {'TITLE':<{width}}  {'WORDS':>7}  {'START':>9}  {'END':>9}")
        for r in rows:
            title = r["title"] if len(r["title"]) <= width else r["title"][: width - 3] + "..."
            click.echo(f"{r['number']:>4}  {title:<{width}}  {r['words']:>7}  {r['start']:>9}  {r['end']:>9}")
        click.echo(f"{len(rows)} chapter(s), {sum(o.words)} words read aloud")
        if o.skipped:
            parts = ", ".join(f"{reason.value} {n} ({words} words)" for reason, (n, words) in
                              sorted(o.skipped.items(), key=lambda kv: -kv[1][1]))
            click.echo(f"skipped: {parts}")
