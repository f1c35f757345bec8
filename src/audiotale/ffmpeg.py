"""The ffmpeg binary from the imageio-ffmpeg wheel (no system package needed)."""

from __future__ import annotations

import functools
import shutil

from .errors import EngineError


@functools.cache
def exe() -> str:
    """Path of an ffmpeg executable: the wheel's, else one on PATH."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
        raise EngineError("ffmpeg not found; run `make install` (it comes from the imageio-ffmpeg wheel)") from None
