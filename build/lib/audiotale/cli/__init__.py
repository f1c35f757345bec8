"""The command line: parse, call one pipeline function, echo. `audiotale --help` lists the commands.

One module per command (or group of related commands); `app.py` holds the click group and the
error handling every command shares.
"""

from . import cache, chapters, check, render, review, say, script, voices  # noqa: F401  (each registers its commands)
from .app import cli

__all__ = ["cli"]
