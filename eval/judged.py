"""Score attribution on quotes judged by hand in books nobody annotated: an out-of-sample check.

Usage:
  python eval/judged.py sample BOOK OUT.json [--per-stratum 20] [--seed 1] [--chapters 20-61] [--exclude OLD.json ...]
  python eval/judged.py score FILE.json [FILE.json ...] [--details]

`sample` draws quotes from BOOK, stratified by what the text around them shows (a tag with a name or
description, a tag with a pronoun, no tag), and writes a judgement file with each quote's context
and an empty `speaker` to fill in by reading it; it does not show what the program guessed, so the
judge is not led. `--chapters` keeps to a range of chapters (as `audiotale chapters` numbers them);
`--exclude` leaves out the paragraphs of quotes already judged in other files, to draw a fresh set.
`characters` maps each speaker id used in `speaker` to the names the book calls
them by; a quote's `also` lists other names the book gives its speaker there (two characters called
Catherine). A quote that is no speech (a title, a phrase cited) gets `"speaker": "-"` and is left out.
`type` is the judge's: explicit (the tag names the speaker), anaphoric (a pronoun or a relation
like "his wife"), implicit (no tag).

`score` runs attribution on each file's book as `audiotale script` does and prints right / wrong /
unknown by book and by type. Judgement files hold book text: keep them outside the repository.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

from audiotale import attribution, chapters, loading, pipeline
from audiotale.datatypes import Kind, Segment
from audiotale.segments import SPEECH_VERBS

_TAG = rf"(?:{SPEECH_VERBS})"
_PRONOUN_TAG = re.compile(rf"^\W*(?:{_TAG}\s+(?:he|she|I)\b|(?:he|she|I)\s+(?:\w+ly\s+)?{_TAG}\b)", re.I)
_NAMED_TAG = re.compile(rf"^\W*(?:{_TAG}\s+(?:the\s+|my\s+|his\s+|her\s+)?[A-Za-z]|"
                        rf"(?:the\s+|my\s+)?[A-Z][\w.]*(?:\s+[A-Z]\w*)?\s+(?:\w+ly\s+)?{_TAG}\b)")


def _key(s: str) -> str:
    return " ".join(s.split())


def stratum(segs: list[Segment], i: int) -> str:
    """What the narration next to a quote shows: `named`, `pronoun` or `none`."""
    near = [segs[j].text for j in (i + 1, i - 1) if 0 <= j < len(segs) and segs[j].paragraph == segs[i].paragraph
            and segs[j].kind is Kind.NARRATION]
    if near and i + 1 < len(segs) and segs[i + 1].paragraph == segs[i].paragraph:
        head = near[0][:80]
        if _PRONOUN_TAG.search(head):
            return "pronoun"
        if _NAMED_TAG.search(head):
            return "named"
    tail = near[-1][-80:] if near and i and segs[i - 1].paragraph == segs[i].paragraph else ""
    if re.search(rf"\b(?:he|she|I)\s+(?:\w+ly\s+)?{_TAG}\W*$", tail):
        return "pronoun"
    if re.search(rf"[A-Z]\w+\s+(?:\w+ly\s+)?{_TAG}\W*$", tail):
        return "named"
    if any(re.search(rf"\b{_TAG}\b", t) for t in near):
        return "other"
    return "none"


def sample(book: Path, out: Path, per: int, seed: int, chapters: tuple[int, int] | None = None,
           exclude: list[Path] = ()) -> None:
    script = pipeline.attribute_script(book)
    text, segs = script.book.text, script.segments
    strata: dict[str, list[int]] = {}
    seen_paras: set[int] = set()
    flat = _key(text)
    judged = [json.loads(f.read_text(encoding="utf-8"))["quotes"] for f in exclude]
    taken_at = {locate(flat, q["before"], q["quote"]) for qs in judged for q in qs}
    starts = _flat_starts(flat, segs)
    for i, s in enumerate(segs):
        if s.kind is Kind.DIALOGUE and any(starts[i] <= at < starts[i] + len(_key(s.text)) for at in taken_at):
            seen_paras.add(s.paragraph)  # judged before: neither it nor its paragraph is drawn again
    for i, s in enumerate(segs):
        if chapters and not chapters[0] <= s.chapter <= chapters[1]:
            continue
        if s.kind is Kind.DIALOGUE and len(s.text) > 6:
            strata.setdefault(stratum(segs, i), []).append(i)
    rng = random.Random(seed)
    quotes = []
    for name in ("named", "pronoun", "none"):
        pool = strata.get(name, [])
        rng.shuffle(pool)
        taken = 0
        for i in pool:
            if taken == per:
                break
            if segs[i].paragraph in seen_paras:
                continue
            seen_paras.add(segs[i].paragraph)
            s = segs[i]
            taken += 1
            quotes.append({"stratum": name, "before": _key(text[max(0, s.start - 60) : s.start])[-40:],
                           "quote": _key(s.text)[:60],
                           "context": text[max(0, s.start - 900) : s.start] + " >>>" + s.text[:400] + "<<< "
                           + text[s.end : s.end + 250],
                           "speaker": None, "type": None})
    out.write_text(json.dumps({"book": str(book.resolve()), "characters": {}, "quotes": quotes}, indent=1,
                              ensure_ascii=False), encoding="utf-8")
    print(f"{out}: {len(quotes)} quotes " + str(Counter(q["stratum"] for q in quotes)))


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", name.lower().replace("\u2019", "'")).split())


_TITLES = {"mr", "mrs", "miss", "ms", "dr", "sir", "lady", "the", "my", "m", "monsieur", "madame", "old", "master", "dame",
           "uncle", "aunt", "captain", "young"}


def judge(pred: str | None, gold: str, characters: dict[str, list[str]]) -> str:
    """right, wrong or unknown: a predicted name is right when it is one of the gold character's names,
    or when its words (titles aside) belong to that character's names and no other's."""
    if pred is None:
        return "unknown"
    p = _norm(pred)
    exact = [cid for cid, names in characters.items() if p in {_norm(n) for n in names}]
    if exact:
        return "right" if gold in exact else "wrong"
    core = set(p.split()) - _TITLES
    bags = {cid: {w for n in names for w in _norm(n).split()} - _TITLES for cid, names in characters.items()}
    hits = [cid for cid, bag in bags.items() if core and core <= bag]
    return "right" if hits == [gold] else "wrong"


def locate(flat: str, before: str, quote: str) -> int:
    """Where a judged quote starts in the whitespace-normalised text: the occurrence after its context."""
    at = flat.find(quote)
    best = -1
    while at >= 0:
        if flat[:at].rstrip().endswith(before[-30:].rstrip()):
            return at
        best = at if best < 0 else best
        at = flat.find(quote, at + 1)
    return best


def _flat_starts(flat: str, segs: list[Segment]) -> list[int]:
    """Where each segment starts in the whitespace-normalised text."""
    starts, pos = [], 0
    for s in segs:
        head = _key(s.text)[:20]
        pos = flat.find(head, pos) if head else pos
        starts.append(pos)
    return starts


def attribute(book: Path) -> tuple[str, list[Segment], dict[int, attribution.Decision]]:
    """The book's text, its segments as `audiotale script` has them, and each quote's decision by start."""
    loaded = loading.load(book)
    chars = attribution.discover(loaded.text, {})
    decisions: list[attribution.Decision] = []
    segs = attribution.attribute_book(loaded.text, pipeline.segment_book(loaded, chapters.split_chapters(loaded)),
                                      chars, decisions)
    return loaded.text, segs, {d.segment.start: d for d in decisions}


def score(files: list[Path], details: bool) -> None:
    total: Counter[str] = Counter()
    by_type_all: Counter[tuple[str, str]] = Counter()
    weighted: list[tuple[float, float]] = []  # (right, wrong) of each book, its strata weighted as in the book
    reliable: list[tuple[float, bool]] = []  # (probability, guess right) of every judged quote
    print(f"{'book':<32} {'quotes':>6} {'right':>6} {'wrong':>6} {'unknown':>7} {'expl':>6} {'anap':>6} {'impl':>6}"
          f"   {'weighted right/wrong':>20}")
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        text, segs, decided = attribute(Path(data["book"]))
        flat = _key(text)
        starts = _flat_starts(flat, segs)
        population = Counter(stratum(segs, i) for i, s in enumerate(segs) if s.kind is Kind.DIALOGUE and len(s.text) > 6)
        counts: Counter[str] = Counter()
        by_type: Counter[tuple[str, str]] = Counter()
        by_stratum: dict[str, Counter[str]] = {}
        for q in data["quotes"]:
            if q.get("speaker") in (None, "-"):
                continue
            at = locate(flat, q["before"], q["quote"])
            if at < 0:
                print(f"{f}: quote not found: {q['quote']!r}", file=sys.stderr)
                counts["missing"] += 1
                continue
            seg = segs[max(0, bisect.bisect_right(starts, at + 2) - 1)]
            pred = seg.speaker if seg.kind is Kind.DIALOGUE else None
            verdict = _verdict(pred, q, data["characters"])
            counts[verdict] += 1
            counts["n"] += 1
            if pred and seg.confidence < attribution.confidence.threshold():  # kept: two people on stage
                counts["kept"] += 1
                counts["kept_right"] += verdict == "right"
            by_stratum.setdefault(q["stratum"], Counter())[verdict] += 1
            d = decided.get(seg.start)
            if d is not None and d.guess:
                reliable.append((d.probability, _verdict(d.guess, q, data["characters"]) == "right"))
            by_type[(q.get("type") or "?", verdict)] += 1
            if details and verdict != "right":
                print(f"  {verdict:7} gold={q['speaker']:<12} got={seg.speaker!s:<16} {seg.evidence!s:<11} "
                      f"{seg.confidence:.2f} {q.get('type')}: {q['quote']!r}")
        total.update(counts)
        by_type_all.update(by_type)
        # The sample takes as many quotes of each stratum; the book has them in other proportions.
        n = sum(population[k] for k in by_stratum)
        w_right = sum(population[k] * c["right"] / sum(c.values()) for k, c in by_stratum.items()) / n
        w_wrong = sum(population[k] * c["wrong"] / sum(c.values()) for k, c in by_stratum.items()) / n
        weighted.append((w_right, w_wrong))
        _row(Path(data["book"]).stem, counts, by_type, f"{100 * w_right:5.1f} / {100 * w_wrong:4.1f}")
    if len(files) > 1:
        mean = (sum(r for r, _ in weighted) / len(weighted), sum(w for _, w in weighted) / len(weighted))
        _row("ALL", total, by_type_all, f"{100 * mean[0]:5.1f} / {100 * mean[1]:4.1f}")
    if total["kept"]:
        print(f"Kept under the threshold in two-person chapters: {total['kept']} quotes, {total['kept_right']} right")
    print("\nReliability on the judged quotes (speaker as guessed, before the threshold):")
    print(f"{'confidence':>12} {'quotes':>7} {'right':>7} {'mean conf':>9}")
    for b in range(10):
        sel = [(p, ok) for p, ok in reliable if min(9, int(p * 10)) == b]
        if sel:
            print(f"{b / 10:5.1f}-{(b + 1) / 10:<5.1f} {len(sel):7} {100 * sum(ok for _, ok in sel) / len(sel):6.1f}% "
                  f"{100 * sum(p for p, _ in sel) / len(sel):8.1f}%")


def _verdict(pred: str | None, q: dict, characters: dict[str, list[str]]) -> str:
    also = {_norm(n) for n in q.get("also", [])}  # names the book itself gives this speaker here
    return "right" if pred and _norm(pred) in also else judge(pred, q["speaker"], characters)


def _row(label: str, c: Counter[str], by_type: Counter[tuple[str, str]], extra: str = "") -> None:
    def acc(t: str) -> str:
        n = sum(v for (ty, _), v in by_type.items() if ty == t)
        return f"{100 * by_type[(t, 'right')] / n:5.1f}" if n else "    -"

    n = max(1, c["n"])
    print(f"{label:<32} {c['n']:>6} {100 * c['right'] / n:6.1f} {100 * c['wrong'] / n:6.1f} "
          f"{100 * c['unknown'] / n:7.1f} {acc('explicit'):>6} {acc('anaphoric'):>6} {acc('implicit'):>6}   {extra:>20}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("book", type=Path)
    s.add_argument("out", type=Path)
    s.add_argument("--per-stratum", type=int, default=20)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--chapters", help="FIRST-LAST: draw from these chapters only")
    s.add_argument("--exclude", type=Path, nargs="*", default=[], help="judgement files whose quotes are not drawn")
    c = sub.add_parser("score")
    c.add_argument("files", type=Path, nargs="+")
    c.add_argument("--details", action="store_true")
    args = ap.parse_args()
    if args.cmd == "sample":
        span = tuple(int(n) for n in args.chapters.split("-")) if args.chapters else None
        sample(args.book, args.out, args.per_stratum, args.seed, span, args.exclude)  # type: ignore[arg-type]
    else:
        score(args.files, args.details)
    return 0


if __name__ == "__main__":
    sys.exit(main())
