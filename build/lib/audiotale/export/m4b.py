"""The book's M4B: the chapters' AAC streams (ADTS) remuxed into MP4 with chapters, tags and cover.

The audio was encoded once per chapter from the levelled PCM (in parallel, and cached like the MP3
chapters); this step only copies it into the MP4 container, which ffmpeg does in seconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from .. import ffmpeg
from ..errors import RenderError


def write(streams: Sequence[Path], metadata: str, cover: bytes | None, out: Path) -> None:
    """Mux the ADTS `streams` (in order) with an ffmetadata text (tags, chapters) and cover into `out`."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    with tempfile.TemporaryDirectory(prefix="audiotale-") as work_dir:
        work = Path(work_dir)
        meta = work / "meta.txt"
        meta.write_text(metadata, encoding="utf-8")
        cmd = [ffmpeg.exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "aac", "-i", "pipe:0",
               "-i", str(meta)]
        maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        if cover:
            image = work / ("cover.png" if cover[:4] == b"\x89PNG" else "cover.jpg")
            image.write_bytes(cover)
            cmd += ["-i", str(image)]
            maps += ["-map", "2:v", "-c:v", "copy", "-disposition:v", "attached_pic"]
        cmd += maps + ["-c:a", "copy", "-movflags", "+faststart", "-f", "ipod", str(tmp)]

        def copy(stdin: BinaryIO) -> None:
            for p in streams:  # ADTS streams joined end to end are one ADTS stream
                with open(p, "rb") as src:
                    shutil.copyfileobj(src, stdin, 1 << 20)

        try:
            code, err = ffmpeg.feed(cmd, copy)
            if code != 0:
                raise RenderError(f"{out}: ffmpeg could not write the book: {err.strip()[:300]}")
            os.replace(tmp, out)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
