"""Write a text file atomically: to a temporary name beside it, then renamed into place.

A crash, a full disk or a Ctrl-C leaves either the old file or the new one, never half of one.
The temporary name (`.NAME.PID.part`) is the one `cache.remove_partials` knows.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) in one step; an existing file keeps its permissions."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
