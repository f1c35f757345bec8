"""Runs `audiotale ...` with the fake engine, slowed down, so a test can kill a render mid-way."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import FakeSynthesizer  # noqa: E402

from audiotale import synthesis  # noqa: E402
from audiotale.cli import cli  # noqa: E402
from audiotale.datatypes import Voice  # noqa: E402


class SlowFake(FakeSynthesizer):
    def render(self, text: str, voice: Voice, wav: Path) -> None:
        time.sleep(float(os.environ.get("FAKE_DELAY", "0")))
        super().render(text, voice, wav)


if __name__ == "__main__":
    synthesis.ENGINES["espeak"] = SlowFake
    cli()
