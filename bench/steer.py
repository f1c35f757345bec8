"""Steering a cast, step by step: does a render redo only what the person changed?

Replays a new user's session on a book: a cold render, then an empty voices.toml, two characters'
voices, one pronunciation, a correction of an interrupted quote, and a run of quotes credited to a
new character (a range spanning chapters), rendering after each step. For each step it prints the
clips synthesized and chapters encoded, as `audiotale render` reports them, beside what the step
should cost: the lines whose words or voice changed, sorted by why. A line re-rendered for no
reason the step gives ("automatic voice moved") is a failure.

    python bench/steer.py                             # Frankenstein (Project Gutenberg EPUB), defaults below
    make bench-steer
    python bench/steer.py BOOK.epub --work /tmp/steer --cache-dir .cache/steer --jobs 2

The cache folder is emptied first; renders go through `python -m audiotale render`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOOK = ROOT.parent / "shared" / "books" / "epub" / "frankenstein-pg84.epub"
sys.path.insert(0, str(ROOT / "src"))

from audiotale import casting, corrections, pipeline  # noqa: E402
from audiotale.datatypes import Kind  # noqa: E402


def plan(book: Path, voices: Path | None) -> dict:
    """What a render of `book` with `voices` would speak: every line, by chapter, and who says what."""
    from audiotale.engines import espeak

    cast = casting.load_cast(voices, espeak.espeak_voice_ids(), {v.lower() for v in espeak.espeak_variants()})
    script = pipeline.read_script(book, cast)
    roles = pipeline.roles_for(script, cast)
    lines = {}
    chapters = {}
    for ch in script.chapters:
        segs = [s for s in script.segments if s.chapter == ch.number]
        made = list(casting.make_lines(segs, cast, roles))
        chapters[ch.number] = tuple((ln.pause_before, ln.key) for ln in made)
        piece: Counter[int] = Counter()
        for ln in made:  # a line's place: its segment and its sentence in it
            lines[(ln.segment.start, piece[ln.segment.start])] = ln
            piece[ln.segment.start] += 1
    return {"lines": lines, "chapters": chapters, "script": script}


def explain(before: dict, after: dict, voiced: set[str], words: set[str], fixed: set[str]) -> Counter[str]:
    """Why each line whose clip is new changed: the step's own reasons, or an unexplained one."""
    old_keys = {ln.key for ln in before["lines"].values()}
    why: Counter[str] = Counter()
    seen: set[str] = set()
    for place, ln in after["lines"].items():
        if ln.key in old_keys or ln.key in seen:
            continue
        seen.add(ln.key)
        old = before["lines"].get(place)
        seg = ln.segment
        if old is None or old.segment.text != seg.text:
            why["segmentation changed"] += 1
        elif old.text != ln.text and any(re.search(rf"\b{re.escape(w)}\b", old.text, re.I) for w in words):
            why["pronunciation"] += 1
        elif seg.kind is Kind.DIALOGUE and seg.evidence == "corrected" and seg.quote_id in fixed:
            why["correction"] += 1
        elif old.segment.speaker != seg.speaker:
            why[f"attribution moved {old.segment.speaker} -> {seg.speaker}"] += 1
        elif seg.speaker in voiced:
            why["voice set in voices.toml"] += 1
        else:
            why[f"UNEXPLAINED: {seg.speaker or 'narrator'}'s voice moved"] += 1
    return why


def render(book: Path, out: Path, voices: Path | None, cache: Path, jobs: int) -> tuple[int, int, float, str]:
    """`audiotale render` in the book's folder: (clips synthesized, chapters encoded, seconds, warnings)."""
    cmd = [sys.executable, "-m", "audiotale", "render", str(book), "-o", str(out), "--cache-dir", str(cache),
           "--jobs", str(jobs)] + (["--voices", str(voices)] if voices else [])
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=book.parent)
    if done.returncode != 0:
        raise SystemExit(f"render failed: {done.stderr.strip()}")
    m = re.search(r"(\d+) clip\(s\) synthesized, (\d+) chapter\(s\) encoded", done.stdout)
    assert m, done.stdout
    warnings = [ln for ln in done.stderr.splitlines() if ln.startswith("Warning")]
    return int(m.group(1)), int(m.group(2)), time.monotonic() - started, "\n".join(warnings)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("book", type=Path, nargs="?", default=DEFAULT_BOOK)
    ap.add_argument("--work", type=Path, default=Path("/tmp/audiotale-steer"))
    ap.add_argument("--cache-dir", type=Path, default=ROOT / ".cache" / "steer")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--voice", action="append", default=None, metavar="NAME=VOICE[/PITCH]",
                    help="a character's voice (twice by default: Victor, Elizabeth)")
    ap.add_argument("--say", default="Clerval=Clair-vahl", metavar="WORD=RESPELLING")
    ap.add_argument("--fix", default="Before I come on board your vessel=Victor", metavar="WORDS=SPEAKER",
                    help="the interrupted quote that starts with WORDS is SPEAKER's")
    ap.add_argument("--run", default="It is with considerable difficulty..For some days I haunted the spot=the Creature",
                    metavar="FIRST..LAST=SPEAKER", help="the quotes from the one starting FIRST to LAST are SPEAKER's")
    ap.add_argument("--gender", default="the Creature=male", metavar="NAME=GENDER")
    args = ap.parse_args()
    voices_set = args.voice or ["Victor=en-us/55", "Elizabeth=en-us+f2/70"]

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    book = work / args.book.name  # beside its corrections file, outside the repository
    shutil.copy(args.book, book)
    shutil.rmtree(args.cache_dir, ignore_errors=True)
    voices = work / "voices.toml"
    fixes = corrections.default_path(book)
    out = work / "out"

    def first_quote(script: pipeline.Script, words: str) -> str:
        for s in script.segments:
            if s.quote_id and corrections.quote_key(s.text).startswith(corrections.quote_key(words)):
                return s.quote_id
        raise SystemExit(f"no quote starts with {words!r}")

    toml: list[str] = []
    fix_lines: list[str] = []
    voiced: set[str] = set()
    words: set[str] = set()
    fixed: set[str] = set()
    rows = []
    previous = None
    steps = ["cold render, no voices.toml", "an empty voices.toml"]
    steps += [f"voice for {v.split('=')[0]}" for v in voices_set]
    steps += [f"pronunciation {args.say}", f"correct the interrupted quote: {args.fix}",
              f"credit a run of quotes: {args.run} ({args.gender})", "nothing changed"]
    for step in steps:
        if step.startswith("voice for"):
            spec = voices_set[[f"voice for {v.split('=')[0]}" for v in voices_set].index(step)]
            name, _, voice = spec.partition("=")
            voice, _, pitch = voice.partition("/")
            toml += [f'[characters."{name}"]', f'voice = "{voice}"'] + ([f"pitch = {pitch}"] if pitch else []) + [""]
            voiced.add(name)
        elif step.startswith("pronunciation"):
            word, _, say = args.say.partition("=")
            toml += ["[pronunciations]", f'{word} = "{say}"', ""]
            words.add(word)
        elif step.startswith("correct the interrupted"):
            quote, _, who = args.fix.partition("=")
            qid = first_quote(previous["script"], quote)
            fragments = sum(s.quote_id == qid for s in previous["script"].segments)
            fix_lines.append(f'"{qid}" = "{who}"   # {fragments} fragments')
            fixed.add(qid)
        elif step.startswith("credit a run"):
            span, _, who = args.run.rpartition("=")
            first, _, last = span.partition("..")
            a, b = first_quote(previous["script"], first), first_quote(previous["script"], last)
            fix_lines.append(f'"{a}..{b}" = "{who}"')
            order = list(dict.fromkeys(s.quote_id for s in previous["script"].segments if s.quote_id))
            fixed |= set(order[order.index(a) : order.index(b) + 1])
            name, _, gender = args.gender.partition("=")
            toml = [f'[characters."{name}"]', f'gender = "{gender}"', ""] + toml
        if step != steps[0]:
            voices.write_text("\n".join(toml), encoding="utf-8")
        if fix_lines:
            fixes.write_text("\n".join(fix_lines) + "\n", encoding="utf-8")
        chosen = voices if voices.exists() else None
        current = plan(book, chosen)
        clips, chapters, took, warned = render(book, out, chosen, args.cache_dir, args.jobs)
        if previous is None:
            expected_clips, expected_chapters = len({ln.key for ln in current["lines"].values()}), len(current["chapters"])
            why = Counter()
        else:
            why = explain(previous, current, voiced, words, fixed)
            expected_clips = sum(why.values())
            expected_chapters = sum(previous["chapters"].get(n) != lines for n, lines in current["chapters"].items())
        rows.append((step, clips, expected_clips, chapters, expected_chapters, took, why, warned))
        print(f"{step}: {clips} clip(s) synthesized (expected {expected_clips}), {chapters} chapter(s) encoded "
              f"(expected {expected_chapters}) in {took:.0f} s", flush=True)
        for reason, n in why.most_common():
            print(f"    {n:6d}  {reason}", flush=True)
        if warned:
            print("    " + warned.replace("\n", "\n    "), flush=True)
        previous = current
    print("\nvoices.toml:\n" + voices.read_text(encoding="utf-8"))
    print(f"{fixes.name}:\n" + fixes.read_text(encoding="utf-8"))
    bad = [r for r in rows if r[1] != r[2] or r[3] != r[4] or any(k.startswith("UNEXPLAINED") for k in r[6])]
    print("PASS: every re-rendered line is one the step changed" if not bad else f"FAIL: {[r[0] for r in bad]}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
