"""How fast `audiotale review` is for a person: start to first chapter, and click to sound.

Starts `audiotale review BOOK --no-browser` on a copy of the book (Pride and Prejudice by default)
with an empty clip cache, then drives headless Chromium (Debian's, through Playwright) and prints:

  ready      command start -> URL printed (the whole book read and attributed), wall and the
             server's CPU seconds at that moment
  page       page asked for -> first chapter shown (performance.now() when the page is ready)
  first      command start -> first chapter shown (the two above)
  chapter    click on another chapter -> its text shown
  play cold  click on a quote never heard -> its first clip playing (eSpeak NG synthesizes it)
  play warm  the same quotes again, from the clip cache

    python bench/review_bench.py [--book BOOK.txt] [--quotes 12]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOOK = ROOT.parent / "shared" / "books" / "pride-and-prejudice.txt"
if not DEFAULT_BOOK.exists():
    DEFAULT_BOOK = Path("/work/shared/books/pride-and-prejudice.txt")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def cpu_seconds(pid: int) -> float:
    """user + sys CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms, min {min(values):.0f}, max {max(values):.0f} (n={len(values)})"


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--book", type=Path, default=DEFAULT_BOOK)
    parser.add_argument("--quotes", type=int, default=12, help="quotes to play, cold then warm")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = work / args.book.name
        shutil.copy(args.book, book)
        env = {**os.environ, "AUDIOTALE_CACHE_DIR": str(work / "cache"), "CI": "true"}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "audiotale", "review", book.name, "--no-browser"], cwd=work,
                                env=env, stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            ready = time.perf_counter() - started
            cpu = cpu_seconds(proc.pid)
            url = re.search(r"(http://\S+/)$", line.strip()).group(1)
            with sync_playwright() as p:
                browser = p.chromium.launch_persistent_context(str(work / "profile"), executable_path=CHROMIUM,
                                                               headless=True, args=ARGS)
                page = browser.new_page()
                asked = time.perf_counter()
                page.goto(url)
                page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
                page_ms = float(page.get_attribute("body", "data-ready-ms"))
                first = ready + (time.perf_counter() - asked)
                print(f"book        {args.book.name}: {page.inner_text('#counts')!r}".replace("\n", " "))
                print(f"ready       {ready * 1000:.0f} ms wall, {cpu:.2f} s CPU (server)")
                print(f"page        {page_ms:.0f} ms (page asked -> first chapter shown)")
                print(f"first       {first * 1000:.0f} ms (command start -> first chapter shown)")

                chapters = page.locator("#chapters li")
                middle = chapters.count() // 2

                def open_chapter(n: int) -> str:
                    number = chapters.nth(n).get_attribute("data-n")
                    chapters.nth(n).click()
                    page.locator(f"#chapters li.current[data-n='{number}']").wait_for(timeout=20000)
                    return page.inner_text("#chapter-title")

                t = time.perf_counter()
                title = open_chapter(middle)
                print(f"chapter     {(time.perf_counter() - t) * 1000:.0f} ms ({title})")

                for label in ("play cold", "play warm"):
                    open_chapter(middle - 1)  # then the chapter again, from its first quote: the same quotes
                    open_chapter(middle)
                    times = []
                    for _ in range(args.quotes):
                        page.keyboard.press("j")
                        before = page.get_attribute("body", "data-started") or "0"
                        page.keyboard.press("p")
                        try:
                            page.locator(f"body[data-started]:not([data-started='{before}'])").wait_for(
                                state="attached", timeout=30000)
                        except Exception:
                            print("stuck:", page.inner_text("#status"), page.inner_text("#errors"),
                                  page.get_attribute("#text .seg.selected", "data-i"))
                            raise
                        times.append(float(page.get_attribute("body", "data-started-ms")))
                        page.keyboard.press("Escape")
                    print(f"{label:<11} {summary(times)} (click -> first clip playing)")
                browser.close()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(15)


if __name__ == "__main__":
    main()
