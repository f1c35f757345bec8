"""Score attribution on the annotated development novels, in process, with a reliability table.

Usage: python eval/dev.py [--novels A,B] [--details FILE] [--quotes FILE] [--jobs N]   (also `make eval`)

The development set (whole annotated novels and their scorer `score.py`) is not part of the
repository: it is looked for in $AUDIOTALE_DEV_SET, else in ../shared/attribution-dev beside the
checkout. Without it this prints one line and exits 0. The figures are the scorer's own (its
`load_novel`, `score_novel` and `metrics`), computed on what `pipeline.read_script` returns, which is
what `audiotale script --format jsonl` prints.

`--quotes FILE` writes one JSON line per predicted quote that a gold quote maps to: the attribution's
features (see audiotale/attribution/confidence.py), its confidence and whether its speaker is right.
eval/train_confidence.py learns the confidence model from that file.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEV = ROOT.parent / "shared" / "attribution-dev"


def dev_dir() -> Path:
    return Path(os.environ.get("AUDIOTALE_DEV_SET") or DEFAULT_DEV)


def scorer() -> ModuleType | None:
    """The development set's own scorer, or None when the set is not there."""
    path = dev_dir() / "score.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("attribution_dev_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_novel(name: str, want_quotes: bool) -> dict:
    """Attribute one novel as `read_script` does and score it; returns counts, details and per-quote rows."""
    from audiotale import attribution, chapters, loading, pipeline

    score = scorer()
    assert score is not None
    nov = score.load_novel(score.open_source(str(dev_dir())), name)
    decisions: list[attribution.Decision] = []
    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / "input.txt"
        path.write_text(nov.text, encoding="utf-8")
        started = time.process_time()
        book = loading.load(path)
        chs = chapters.split_chapters(book)
        chars = attribution.discover(book.text, {})
        segs = attribution.attribute_book(book.text, pipeline.segment_book(book, chs), chars, decisions)
        cpu = time.process_time() - started
    pred = [score.Segment(s.kind.value, s.start, s.end, s.speaker) for s in segs]
    details: list[dict] = []
    counts = score.score_novel(nov, pred, score.DEFAULT_THRESHOLD, details)
    matcher = score.NameMatcher(nov.characters)
    starts = [d.segment.start for d in decisions]
    quotes = []
    for d in details:
        i = bisect.bisect_right(starts, d["start"] + 2) - 1
        if i < 0 or decisions[i].segment.end <= d["start"]:
            continue
        dec = decisions[i]
        right = bool(dec.guess) and matcher.judge(dec.guess, _cid(nov, d["gold_speaker"], score))[0]
        d.update(evidence=dec.segment.evidence, confidence=dec.probability,
                 guess=dec.guess, guess_correct=right, features=dec.features)
        if want_quotes and dec.guess:
            quotes.append({"novel": name, "type": d["type"], "features": dec.features, "correct": right})
        if want_quotes and dec.candidates:  # whom a pronoun tag could mean, for eval/train_anaphora.py
            gold = _cid(nov, d["gold_speaker"], score)
            quotes.append({"novel": name, "gold": d["gold_speaker"], "start": d["start"], "pronoun": [
                {"name": w, "features": f, "correct": matcher.judge(w, gold)[0]} for w, f, _ in dec.candidates]})
    if want_quotes:  # every gold quote counts in the denominators of the training script's figures
        quotes.append({"novel": name, "gold_quotes": len(details)})
    return {"name": name, "counts": counts, "details": details, "quotes": quotes, "cpu": cpu,
            "words": len(nov.text.split())}


def _cid(nov, speaker: str, score: ModuleType) -> str:
    """The gold character id of a speaker string, as the scorer's load_novel maps it."""
    k = score._name_key(speaker)
    cids = [cid for cid, c in nov.characters.items() if any(score._name_key(n) == k for n in c.names)]
    exact = [cid for cid in cids if score._name_key(nov.characters[cid].main) == k]
    return (exact or cids or [f"s:{k}"])[0]


def reliability(details: list[dict], bins: int = 10) -> str:
    """Quotes by confidence bin: how many, and how often the speaker (as guessed, before the threshold) is right."""
    rows = [f"{'confidence':>12} {'quotes':>7} {'right':>7} {'mean conf':>9}"]
    table: dict[int, Counter[str]] = {}
    for d in details:
        if d.get("confidence") is None or d.get("guess") is None:
            continue
        b = min(bins - 1, int(d["confidence"] * bins))
        c = table.setdefault(b, Counter())
        c["n"] += 1
        c["ok"] += d["guess_correct"]
        c["conf"] += d["confidence"]
    for b in sorted(table):
        c = table[b]
        rows.append(f"{b / bins:5.1f}-{(b + 1) / bins:<5.1f} {c['n']:7} {100 * c['ok'] / c['n']:6.1f}% "
                    f"{100 * c['conf'] / c['n']:8.1f}%")
    return "\n".join(rows)


def pct(x: float | None) -> str:
    return "    -" if x is None else f"{100 * x:5.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--novels", help="comma list of novel folder names (default: all)")
    ap.add_argument("--details", type=Path, help="write one JSON line per gold quote")
    ap.add_argument("--quotes", type=Path, help="write features and correctness per quote (for training)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    score = scorer()
    if score is None:
        print(f"development set not found at {dev_dir()} (set AUDIOTALE_DEV_SET); skipping the novel scores")
        return 0
    names = score.open_source(str(dev_dir())).novels()
    if args.novels:
        names = [n for n in names if n in args.novels.split(",")]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_novel, names, [bool(args.quotes)] * len(names)))
    header = (f"{'novel':<30} {'quotes':>6} | {'chF1':>5} | {'spk':>5} {'wrong':>5} {'null':>5} {'expl':>5} "
              f"{'anap':>5} {'impl':>5} | {'cover':>5} {'cpu_s':>6}")
    print(header)
    print("-" * len(header))
    micro = score.empty_counts()

    def row(label: str, counts: dict, cpu: float) -> str:
        m = score.metrics(counts)
        s, bt = m["speaker"], m["speaker"]["by_type"]
        return (f"{label:<30} {s['n']:>6} | {pct(m['detection']['char']['f1'])} | {pct(s['accuracy'])} "
                f"{pct(s['wrong_voice'])} {pct(s['null'] / s['n'])} "
                f"{pct(bt.get('explicit', {}).get('accuracy'))} {pct(bt.get('anaphoric', {}).get('accuracy'))} "
                f"{pct(bt.get('implicit', {}).get('accuracy'))} | {pct(m['coverage'])} {cpu:6.2f}")

    for r in results:
        score.add_counts(micro, r["counts"])
        print(row(r["name"], r["counts"], r["cpu"]))
    print("-" * len(header))
    cpu = sum(r["cpu"] for r in results)
    words = sum(r["words"] for r in results)
    print(row(f"MICRO ({len(results)} novels)", micro, cpu))
    print(f"CPU time of read_script: {cpu:.1f} s for {words} words ({200_000 * cpu / words:.1f} s per 200k words)")
    details = [d for r in results for d in r["details"]]
    guessed = [d for d in details if d.get("guess")]
    right = sum(bool(d.get("guess_correct")) for d in guessed)
    print(f"Before the threshold (every quote keeps its likeliest speaker): right {100 * right / len(details):.1f}%, "
          f"wrong {100 * (len(guessed) - right) / len(details):.1f}%")
    print("\nReliability on the development set (speaker as guessed, before quotes under the threshold go to "
          "the unknown voice):")
    print(reliability(details))
    # Quotes under the threshold that keep their speaker (only two people on stage): are they right as often?
    from audiotale.attribution import confidence

    kept = [d for d in guessed if d["confidence"] < confidence.threshold() and d.get("evidence") != "unsure"]
    if kept:
        print(f"Kept under the threshold in two-person chapters: {len(kept)} quotes, right "
              f"{100 * sum(bool(d['guess_correct']) for d in kept) / len(kept):.1f}% "
              f"(mean confidence {100 * sum(d['confidence'] for d in kept) / len(kept):.1f}%)")
    if args.details:
        args.details.write_text("".join(json.dumps(d) + "\n" for d in details), encoding="utf-8")
    if args.quotes:
        args.quotes.write_text("".join(json.dumps(q) + "\n" for r in results for q in r["quotes"]),
                               encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
