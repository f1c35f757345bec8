"""How real books come out of stages 1-3: chapters, titles, what is skipped, and what would be spoken wrongly.

    .venv/bin/python eval/books.py BOOK.epub BOOK.txt ...      (or: make eval-books BOOKS="...")

For each book it runs `read_script` (load, chapters, segments, attribution) and prints the CPU time,
the chapters (title and spoken words), the skipped parts by reason, and the checks of issue 11:
no chapter titled Contents/Colophon/License/Navigation, no spoken segment that is boilerplate,
contents, an illustration caption or a footnote marker, and the share of chapters under 20 words.
`--titles` lists every chapter title; `--json` prints one JSON object per book instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from audiotale import pipeline  # noqa: E402
from audiotale.datatypes import Kind  # noqa: E402
from audiotale.errors import AudiotaleError  # noqa: E402

BAD_TITLE = re.compile(r"^(?:table of )?contents$|colophon|licen[cs]e|navigation", re.IGNORECASE)
# What a spoken segment must never be: Gutenberg's wrapping, a contents line, a caption, a marker.
SPOKEN_WRONG = {
    "boilerplate": re.compile(r"Project Gutenberg|gutenberg\.org|\*\*\* ?(?:START|END) OF", re.IGNORECASE),
    "contents": re.compile(r"^\s*(?:table of )?contents\.?\s*$", re.IGNORECASE),
    "illustration": re.compile(r"\[(?:Illustration|Frontispiece)", re.IGNORECASE),
    "note-marker": re.compile(r"\[\d{1,3}\]|\[(?:Pg|Page) ?\d+\]"),
}
SHORT = 20


def words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def measure(path: Path) -> dict:
    started = time.process_time()
    script = pipeline.read_script(path)
    seconds = time.process_time() - started
    spoken: Counter[int] = Counter()
    skipped: Counter[str] = Counter()
    skipped_words: Counter[str] = Counter()
    wrong: list[str] = []
    for s in script.segments:
        if s.kind is Kind.SKIPPED:
            skipped[s.reason.value if s.reason else "?"] += 1
            skipped_words[s.reason.value if s.reason else "?"] += words(s.text)
            continue
        spoken[s.chapter] += words(s.text)
        for what, pattern in SPOKEN_WRONG.items():
            if pattern.search(s.text):
                wrong.append(f"{what}: chapter {s.chapter}: {' '.join(s.text.split())[:80]}")
    chapters = [{"number": c.number, "title": c.title, "words": spoken[c.number]} for c in script.chapters]
    short = [c for c in chapters if c["words"] < SHORT]
    return {
        "book": str(path), "title": script.book.title, "author": script.book.author, "cpu_seconds": round(seconds, 2),
        "chapters": chapters, "short_chapters": len(short), "short_share": round(len(short) / max(1, len(chapters)), 4),
        "bad_titles": [c["title"] for c in chapters if BAD_TITLE.search(c["title"])],
        "skipped": {r: {"parts": n, "words": skipped_words[r]} for r, n in skipped.most_common()},
        "spoken_wrong": wrong,
    }


def report(m: dict, titles: bool) -> str:
    lines = [f"{m['book']}", f"  {m['title']} / {m['author']}",
             f"  {len(m['chapters'])} chapters, {sum(c['words'] for c in m['chapters'])} spoken words, "
             f"script in {m['cpu_seconds']} s CPU"]
    shown = m["chapters"] if titles else m["chapters"][:3] + ([{"title": "...", "words": ""}] if len(m["chapters"]) > 6
                                                                else m["chapters"][3:-3]) + m["chapters"][-3:]
    lines += [f"    {c['title'][:70]:<70} {c['words']:>6}" for c in (shown if len(m["chapters"]) > 6 or titles
                                                                        else m["chapters"])]
    lines.append("  skipped: " + (", ".join(f"{r} {v['parts']} ({v['words']} words)" for r, v in m["skipped"].items())
                                  or "nothing"))
    lines.append(f"  chapters under {SHORT} words: {m['short_chapters']} ({100 * m['short_share']:.1f}%)"
                 f"   bad titles: {m['bad_titles'] or 'none'}   spoken wrongly: {len(m['spoken_wrong'])}")
    lines += [f"    ! {w}" for w in m["spoken_wrong"][:10]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("books", nargs="+", type=Path, help=".epub, .txt or .md files")
    parser.add_argument("--titles", action="store_true", help="list every chapter title")
    parser.add_argument("--json", action="store_true", help="one JSON object per book")
    args = parser.parse_args()
    failed = 0
    for path in args.books:
        try:
            m = measure(path)
        except AudiotaleError as e:
            print(f"{path}: ERROR {e}")
            failed += 1
            continue
        print(json.dumps(m, ensure_ascii=False) if args.json else report(m, args.titles))
        failed += bool(m["bad_titles"] or m["spoken_wrong"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
