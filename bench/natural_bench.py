"""Natural voices benchmark (issue #12): a whole novel read by the natural cast, and by hibari's "heart" alone.

    python bench/natural_bench.py [--book BOOK] [--quick] [--jobs N] [--only natural|narrator]
    (make bench-natural; `make bench` runs it after bench/bench.py)

Two cold renders (empty caches, fresh `audiotale render` processes, MP3 out):
  1. natural: voices-natural.toml, i.e. a hibari "heart" narrator, heart variants for women, Piper "joe"
     variants for men, a neutral heart variant for unattributed quotes;
  2. narrator: every line in "heart" (a voices file giving every speaker the narrator's voice).
For each: hours of audio, wall time and x real time; CPU time (user + sys of the whole process tree) and
audio seconds per CPU second, which a busy machine disturbs far less than wall time; peak memory of the
largest process (RSS) and of the whole tree at once (PSS and RSS, sampled from /proc). Targets on 2 cores: natural >= 40x
real time, narrator >= 150x, peak memory < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mutagen.mp3 import MP3

from bench import AUDIOTALE, DEFAULT_BOOK, Sampler, quick_book

ROOT = Path(__file__).resolve().parent.parent
NATURAL = ROOT / "voices-natural.toml"


class TreeRss(Sampler):
    """bench.Sampler (peak RSS and CPU of every process of the render), plus the largest sum over the tree's
    processes seen in one sample, of their resident memory (RSS, which counts pages shared between the forked
    workers once per process) and of their proportional share of it (PSS, shared pages split between the
    processes sharing them: the memory really used)."""

    def __init__(self, pid: int) -> None:
        self.rss_kib = self.pss_kib = 0
        super().__init__(pid)

    def sample(self) -> None:
        super().sample()
        rss = pss = 0
        for pid in list(self.seen):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            rss += int(m.group(1)) if (m := re.search(r"VmRSS:\s+(\d+)", status)) else 0
            pss += int(m.group(1)) if (m := re.search(r"^Pss:\s+(\d+)", rollup, re.M)) else 0
        self.rss_kib, self.pss_kib = max(self.rss_kib, rss), max(self.pss_kib, pss)


def narrator_only(book: Path, work: Path) -> Path:
    """A voices file that gives every speaker of `book` the natural narrator's voice."""
    cast = json.loads(subprocess.run([*AUDIOTALE, "cast", str(book), "--voices", str(NATURAL), "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
    heart = 'engine = "hibari"\nvoice = "heart"\nrate = 165\n'
    rows = [f"[narrator]\n{heart}", f"[unknown]\n{heart}"]
    rows += [f"[characters.{json.dumps(c['name'])}]\n{heart}" for c in cast["characters"]]
    out = work / "narrator-only.toml"
    out.write_text("\n".join(rows), encoding="utf-8")
    return out


def render(label: str, book: Path, voices: Path, work: Path, jobs: int) -> dict[str, float]:
    """One cold render; its audio length, wall and CPU time and peak memory."""
    out, cache = work / f"out-{label}", work / f"cache-{label}"
    cmd = [*AUDIOTALE, "render", str(book), "--voices", str(voices), "-o", str(out), "--cache-dir", str(cache),
           "--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with open(work / f"{label}.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
        rss = TreeRss(proc.pid)
        stdout, _ = proc.communicate()
    wall = time.monotonic() - started
    rss.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{label} render failed: {' '.join(cmd)}\n{(work / f'{label}.log').read_text()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    audio = MP3(str(out / f"{book.stem}.mp3")).info.length
    print(f"{label:<9} {audio / 3600:5.2f} h of audio in {wall:7.1f} s wall = {audio / wall:6.1f}x real time | "
          f"CPU {cpu:7.1f} s = {audio / cpu:6.1f} audio s per CPU s")
    print(f"          peak memory: largest process {rss.peak_mib:.0f} MiB RSS; whole tree {rss.pss_kib / 1024:.0f} MiB PSS, "
          f"{rss.rss_kib / 1024:.0f} MiB RSS")
    print(f"          {stdout.strip().splitlines()[0] if stdout.strip() else ''}")
    print(f"          {rss.by_kind()}")
    return {"audio": audio, "wall": wall, "cpu": cpu, "rss": rss.peak_mib, "tree": rss.pss_kib / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK)
    ap.add_argument("--quick", action="store_true", help="only the first 5 chapters")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", choices=["natural", "narrator"], default=None, help="run one of the two renders")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="audiotale-natural-bench-") as tmp:
        work = Path(tmp)
        book = quick_book(args.book, 5, work) if args.quick else args.book
        print(f"book      {book} ({len(book.read_text(encoding='utf-8').split())} words); "
              f"{os.cpu_count()} cores; jobs {args.jobs}; load average {os.getloadavg()[0]:.1f}")
        results = {}
        if args.only in (None, "natural"):
            results["natural"] = render("natural", book, NATURAL, work, args.jobs)
        if args.only in (None, "narrator"):
            results["narrator"] = render("narrator", book, narrator_only(book, work), work, args.jobs)
        targets = {"natural": 40, "narrator": 150}
        for label, r in results.items():
            fast = "ok" if r["audio"] / r["wall"] >= targets[label] else "below target"
            small = "ok" if r["tree"] < 1024 else "over 1 GiB"  # PSS: what the tree really holds
            print(f"summary   {label}: {r['audio'] / r['wall']:.0f}x real time (target >= {targets[label]}x: {fast}), "
                  f"{r['audio'] / r['cpu']:.0f}x per CPU second, whole tree {r['tree']:.0f} MiB PSS ({small})")


if __name__ == "__main__":
    main()
