"""The ffmpeg binary from the imageio-ffmpeg wheel (no system package needed)."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from typing import BinaryIO

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


def feed(cmd: list[str], write: Callable[[BinaryIO], object]) -> tuple[int, str]:
    """Run ffmpeg `cmd` with `write` filling its stdin; returns (exit code, what it said on stderr).

    ffmpeg runs in its own session: a Ctrl-C at the terminal reaches only audiotale, which stops
    its ffmpegs itself (an exception in `write` kills this one).
    """
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stdin is not None and proc.stderr is not None
    try:
        write(proc.stdin)
        proc.stdin.close()
    except BrokenPipeError:  # ffmpeg stopped reading: its exit code and stderr say why
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    err = proc.stderr.read().decode(errors="replace")
    return proc.wait(), err
