"""`audiotale review` in a real browser: headless Chromium (Debian's) driven by Playwright, real eSpeak NG audio.

Skipped, with the reason, where there is no Chromium or no Playwright client; `.ci/run` installs Chromium.
`pytest --update-screenshot` also writes the README's docs/review.png.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale.cli import cli

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "seeds" / "the-last-cake.txt"
CHROMIUM = Path(os.environ.get("AUDIOTALE_CHROMIUM", "/usr/bin/chromium"))
# No network here: without these Chromium keeps trying to reach Google's services at every start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sync_playwright is None, reason="no Playwright client; pip install -e '.[test]'"),
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM}; apt-get install chromium"),
]


@pytest.fixture
def reviewing(tmp_path: Path, isolated_cache: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """`audiotale review` on a copy of the demo story, as a user starts it; yields its URL."""
    book = tmp_path / "the-last-cake.txt"
    shutil.copy(DEMO, book)
    shutil.copy(ROOT / "voices.toml", tmp_path / "voices.toml")
    # Ctrl-C as a terminal delivers it: this test process may ignore SIGINT by now, and a child inherits
    # an ignored signal (a Python handler, on the contrary, is reset to the default in the child).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "audiotale", "review", book.name], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "AUDIOTALE_CACHE_DIR": str(isolated_cache), "CI": "true"})
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        first = proc.stdout.readline()
        m = re.search(r"open (http://127\.0\.0\.1:\d+/\S+/)$", first.strip())
        assert m, first + proc.stderr.read()
        yield m.group(1), book, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_review_page_in_chromium(reviewing: tuple[str, Path, subprocess.Popen], request: pytest.FixtureRequest,
                                 tmp_path: Path) -> None:
    url, book, proc = reviewing
    voices = book.with_name("voices.toml")
    fixes = book.with_name("the-last-cake.corrections.toml")
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 640})
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(url)
            page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)

            # The page lists the story's 41 quotes, and says so at the top.
            assert page.locator("#text .seg.quote").count() == 41
            assert page.inner_text('#counts [data-k="quotes"] b') == "41"

            # Playing a line gives audio with a duration (eSpeak NG through the clip cache).
            page.keyboard.press("j")
            page.keyboard.press("j")
            page.keyboard.press("p")
            page.wait_for_selector("body[data-played]", state="attached", timeout=20000)
            assert float(page.get_attribute("body", "data-last-duration")) > 0.3

            # Changing a speaker from the list writes the corrections file; `audiotale script` shows it.
            quote = page.locator("#text .seg.quote.selected")
            quote_id = quote.get_attribute("data-id")
            was = quote.locator(".who").inner_text()
            now = "Madoka" if was == "Kazumi" else "Kazumi"
            page.keyboard.press("Enter")
            page.fill("#picker-filter", now[:4].lower())
            page.keyboard.press("Enter")
            page.wait_for_selector(f'#text .seg.quote.corrected[data-id="{quote_id}"]', timeout=10000)
            assert f'"{quote_id}" = "{now}"' in fixes.read_text(encoding="utf-8")
            shown = CliRunner().invoke(cli, ["script", str(book), "--voices", str(voices)]).output
            assert re.search(rf"^\[{re.escape(quote_id)}\] {now}: .*\[corrected 1\.00\]$", shown, re.MULTILINE)

            # A digit gives the next quote to the chapter's most frequent speaker.
            page.keyboard.press("j")
            next_id = page.get_attribute("#text .seg.quote.selected", "data-id")
            top = page.inner_text("#keys span:first-child").split(" ", 1)[1].strip()
            page.keyboard.press("1")
            page.wait_for_selector(f'#text .seg.quote.corrected[data-id="{next_id}"]', timeout=10000)
            assert f'"{next_id}" = "{top}"' in fixes.read_text(encoding="utf-8")

            # Changing a voice writes voices.toml with its comments intact.
            before = voices.read_text(encoding="utf-8")
            page.click('.role[data-role="Madoka"] select.variant')  # the list is built when it is reached for
            page.select_option('.role[data-role="Madoka"] select.variant', "f4")
            deadline = time.monotonic() + 10
            while 'voice = "en-us+f4"' not in voices.read_text(encoding="utf-8") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert voices.read_text(encoding="utf-8") == before.replace('voice = "en-us+f2"', 'voice = "en-us+f4"')
            assert "# the clearest eSpeak NG voice" in voices.read_text(encoding="utf-8")
            before = voices.read_text(encoding="utf-8")

            # A reload shows what the files say, at the same quote; a number typed just before it is kept.
            page.fill('.role[data-role="Kazumi"] input.pitch', "57")
            page.reload()
            page.wait_for_selector("body[data-ready]", state="attached", timeout=20000)
            deadline = time.monotonic() + 10  # sent as the page went away: it may land after the new page asked
            while "pitch = 57" not in voices.read_text(encoding="utf-8") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert voices.read_text(encoding="utf-8") == before.replace("pitch = 55", "pitch = 57")
            assert page.inner_text('#counts [data-k="corrected"] b') == "2"
            assert page.input_value('.role[data-role="Madoka"] select.variant') == "f4"
            assert page.get_attribute("#text .seg.quote.selected", "data-id") == next_id
            assert not problems and not page.inner_text("#errors")

            page.keyboard.press("n")  # the next uncertain quote, and its list of speakers
            page.keyboard.press("Enter")
            shot = tmp_path / "review.png"
            page.screenshot(path=str(shot))
            page.keyboard.press("Escape")
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            if request.config.getoption("--update-screenshot"):
                (ROOT / "docs").mkdir(exist_ok=True)
                shutil.copy(shot, ROOT / "docs" / "review.png")
        finally:
            browser.close()

    # Ctrl-C stops it cleanly.
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    assert "Stopped; every change is already saved." in proc.stderr.read()
