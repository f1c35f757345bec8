"""Score speaker attribution on hand-annotated fixtures, end to end through `audiotale script --format jsonl`.

Usage: python eval/attribution.py [--book PATH]   (also `make eval`)

Each fixture is eval/data/NAME.gold.tsv next to NAME.txt: one quote per line,
`start<TAB>end<TAB>speaker<TAB>type<TAB>first words`, offsets into NAME.txt; `#= Name | alias` lines say
which names count as the same character. Prints accuracy by quote type, quote-detection F1 by
characters, coverage, and the time `script` takes on a whole novel (--book, default Pride and Prejudice).
A fixture annotating part of a published book carries no copy of it: its `# source-sha256: HASH N` line
says its text is the first N characters of --book, which this script cuts out and checks by the hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import re
import sys
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from audiotale.cli import cli

DATA = Path(__file__).parent / "data"
BOOK = Path(__file__).parent.parent.parent / "shared" / "books" / "pride-and-prejudice.txt"


def norm(name: str | None) -> str:
    return re.sub(r"[.\s]+", " ", (name or "").replace("\u2019", "'")).strip().lower()


def run_script(path: Path) -> list[dict]:
    """The jsonl rows `audiotale script PATH --format jsonl` prints."""
    result = CliRunner().invoke(cli, ["script", str(path), "--format", "jsonl"], catch_exceptions=False)
    if result.exit_code != 0:
        sys.exit(f"audiotale script {path} failed: {result.output}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def load_gold(path: Path, text: str) -> tuple[list[tuple[int, int, str, str]], dict[str, set[str]]]:
    quotes, aliases = [], {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#="):
            names = [x.strip() for x in line[2:].split("|")]
            aliases[norm(names[0])] = {norm(x) for x in names}
            continue
        if not line.strip() or line.startswith("#"):
            continue
        start, end, who, kind, begins = line.split("\t")
        s, e = int(start), int(end)
        if not " ".join(text[s:e].split()).startswith(begins):
            sys.exit(f"{path}:{n}: offsets {s}-{e} no longer start with {begins!r}; fix the fixture")
        quotes.append((s, e, who, kind))
    return quotes, aliases


def fixture_text(gold: Path, book: Path, tmp: Path) -> Path | None:
    """The text a gold file indexes: NAME.txt beside it, or the part of `book` its source line names."""
    m = re.search(r"^# source-sha256: ([0-9a-f]{64}) (\d+)$", gold.read_text(encoding="utf-8"), re.MULTILINE)
    if m is None:
        return gold.with_name(gold.name.replace(".gold.tsv", ".txt"))
    text = book.read_text(encoding="utf-8")[: int(m.group(2))] if book.is_file() else ""
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != m.group(1):
        print(f"{gold.name}: skipped; its text is the start of Pride and Prejudice: pass that book with --book")
        return None
    path = tmp / gold.name.replace(".gold.tsv", ".txt")
    path.write_text(text, encoding="utf-8")
    return path


def score(txt: Path, gold_path: Path, totals: dict[str, Counter[str]], wrong: list[str]) -> None:
    text = txt.read_text(encoding="utf-8")
    gold, aliases = load_gold(gold_path, text)
    rows = run_script(txt)
    covered = bytearray(len(text))
    pred_chars = bytearray(len(text))
    for r in rows:
        for i in range(r["start"], r["end"]):
            covered[i] = 1
            if r["kind"] == "dialogue":
                pred_chars[i] = 1
    missing = sum(1 for i, c in enumerate(text) if not c.isspace() and not covered[i])
    annotated_end = max(e for _, e, _, _ in gold)
    # The annotated part ends with the last annotated chapter: up to the next heading after the last quote.
    m = re.compile(r"^\s*CHAPTER\b", re.MULTILINE | re.IGNORECASE).search(text, annotated_end)
    limit = m.start() if m else len(text)
    gold_chars = bytearray(len(text))
    for s, e, _, _ in gold:
        gold_chars[s:e] = b"\1" * (e - s)
    tp = fp = fn = 0
    for i in range(limit):
        if text[i].isspace():
            continue
        g, p = gold_chars[i], pred_chars[i]
        tp += g and p
        fp += p and not g
        fn += g and not p
    totals["chars"].update(tp=tp, fp=fp, fn=fn, missing=missing)
    dialogue = [r for r in rows if r["kind"] == "dialogue"]
    for s, e, who, kind in gold:
        best = max(dialogue, key=lambda r: min(e, r["end"]) - max(s, r["start"]), default=None)
        ok = best is not None and min(e, best["end"]) > max(s, best["start"]) and \
            norm(best["speaker"]) in aliases.get(norm(who), {norm(who)})
        unknown = best is None or best["speaker"] is None
        totals[kind].update(n=1, ok=int(ok), unknown=int(unknown and not ok))
        totals["all"].update(n=1, ok=int(ok), unknown=int(unknown and not ok))
        if not ok:
            got = best["speaker"] if best else None
            ev = f"{best['evidence']} {best['confidence']}" if best else ""
            wrong.append(f"{txt.name}:{s} {kind:9} want {who!r:16} got {got!r:16} [{ev}] {' '.join(text[s:e].split())[:50]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--book", type=Path, default=BOOK, help="a whole novel to time `script` on")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every wrongly attributed quote")
    args = ap.parse_args()
    totals: dict[str, Counter[str]] = {k: Counter() for k in ("explicit", "anaphoric", "implicit", "all", "chars")}
    wrong: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for gold in sorted(DATA.glob("*.gold.tsv")):
            txt = fixture_text(gold, args.book, Path(tmp))
            if txt is not None:
                score(txt, gold, totals, wrong)
    if args.verbose:
        print("\n".join(wrong))
    for kind in ("explicit", "anaphoric", "implicit", "all"):
        c = totals[kind]
        wrong = c["n"] - c["ok"] - c["unknown"]
        print(f"{kind:10} {c['ok']:4}/{c['n']:<4} {100 * c['ok'] / max(1, c['n']):5.1f}%   "
              f"wrong voice {wrong:3}   unknown voice {c['unknown']:3}")
    c = totals["chars"]
    precision = c["tp"] / max(1, c["tp"] + c["fp"])
    recall = c["tp"] / max(1, c["tp"] + c["fn"])
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    print(f"quote detection by characters: P {100 * precision:.1f}%  R {100 * recall:.1f}%  F1 {100 * f1:.1f}%")
    print(f"non-whitespace characters not covered by any segment: {c['missing']}")
    if args.book.is_file():
        started = time.perf_counter()
        rows = run_script(args.book)
        took = time.perf_counter() - started
        words = len(args.book.read_text(encoding="utf-8").split())
        print(f"script on {args.book.name} ({words} words, {len(rows)} segments): {took:.2f} s")


if __name__ == "__main__":
    main()
