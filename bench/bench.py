"""Benchmark (issue #6): a whole novel through audiotale beside a plain single-voice eSpeak NG pipeline.

In one run, on the same machine:
  1. baseline: `espeak-ng -f BOOK -w book.wav && ffmpeg -i book.wav -b:a 64k book.mp3`; with no
     espeak-ng binary on PATH the same synthesis runs through the espeakng-loader wheel's library
     (default voice, 175 wpm, the whole file in one call, samples streamed to the WAV as they come);
  2. audiotale cold: an empty cache, every character's voice listed in voices.toml;
  3. audiotale after one minor character's voice changes in voices.toml.
It prints wall times, ratios to the baseline and the peak RSS of every process (sampled from /proc).

    python bench/bench.py                      # Pride and Prejudice
    python bench/bench.py --quick              # its first 5 chapters
    python bench/bench.py --book BOOK.txt --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOOK = ROOT.parent / "shared" / "books" / "pride-and-prejudice.txt"
if not DEFAULT_BOOK.exists():
    DEFAULT_BOOK = Path("/work/shared/books/pride-and-prejudice.txt")
AUDIOTALE = [sys.executable, "-m", "audiotale"]

BASELINE_SYNTH = r"""
import ctypes, os, sys, wave
import espeakng_loader
data = espeakng_loader.get_data_path()
os.environ["ESPEAK_DATA_PATH"] = data
lib = ctypes.CDLL(espeakng_loader.get_library_path())
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                             ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
rate = lib.espeak_Initialize(2, 200, data.encode(), 0)  # synchronous, 200 ms buffers like espeak-ng -w
lib.espeak_SetVoiceByName(b"en")  # espeak-ng's default voice and rate (175 wpm)
out = wave.open(sys.argv[2], "wb")
out.setnchannels(1); out.setsampwidth(2); out.setframerate(rate)
def collect(wav, n, events):
    if n > 0:
        out.writeframesraw(ctypes.string_at(wav, 2 * n))
    return 0
cb = CB(collect)
lib.espeak_SetSynthCallback(cb)
text = open(sys.argv[1], "rb").read()
lib.espeak_Synth(text, len(text) + 1, 0, 1, 0, 1, None, None)  # CHARS_UTF8
out.close()
"""


class PeakRss:
    """Samples /proc every 50 ms: the peak RSS (VmHWM) of every descendant of one process."""

    def __init__(self, pid: int) -> None:
        self.root = pid
        self.peaks: dict[int, tuple[str, int]] = {}  # pid -> (name, KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.05)

    def sample(self) -> None:
        parents: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = Path(f"/proc/{d}/stat").read_text()
                except OSError:
                    continue
                parents[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree = {self.root}
        grew = True
        while grew:
            new = {p for p, pp in parents.items() if pp in tree and p not in tree}
            tree |= new
            grew = bool(new)
        for pid in tree:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            m = re.search(r"VmHWM:\s+(\d+)", status)
            name = re.search(r"Name:\s+(\S+)", status)
            if m:
                kib = int(m.group(1))
                old = self.peaks.get(pid, ("", 0))[1]
                self.peaks[pid] = ((name.group(1) if name else "?"), max(kib, old))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        if not self.peaks:
            return "no samples"
        by_name: dict[str, list[int]] = {}
        for name, kib in self.peaks.values():
            by_name.setdefault(name, []).append(kib)
        parts = [f"{name} x{len(v)} max {max(v) / 1024:.0f} MiB" for name, v in sorted(by_name.items())]
        return "; ".join(parts)

    @property
    def max_mib(self) -> float:
        return max((kib for _, kib in self.peaks.values()), default=0) / 1024


def run(label: str, cmd: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[float, PeakRss, str]:
    """Run `cmd`, return (wall seconds, peak RSS sampler, its stdout)."""
    started = time.monotonic()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        rss = PeakRss(proc.pid)
        out, _ = proc.communicate()
    took = time.monotonic() - started
    rss.stop()
    if proc.returncode != 0:
        sys.exit(f"{label} failed ({proc.returncode}): {' '.join(cmd)}\n{log.read_text()[-2000:]}")
    return took, rss, out


def quick_book(book: Path, chapters: int, work: Path) -> Path:
    """The first `chapters` chapters of `book` (cut before the next CHAPTER heading)."""
    lines = book.read_text(encoding="utf-8").splitlines(keepends=True)
    heads = [i for i, line in enumerate(lines) if re.match(r"\s*chapter\b", line, re.IGNORECASE)]
    end = heads[chapters] if len(heads) > chapters else len(lines)
    out = work / f"{book.stem}-{chapters}ch.txt"
    out.write_text("".join(lines[:end]), encoding="utf-8")
    return out


def voices_toml(cast: dict, changed: str | None) -> str:
    """Every character with the voice audiotale gave them; `changed` gets another."""
    rows = ["[pauses]\nsentence = 250\n"]
    for c in cast["characters"]:
        vid, rate, pitch = c["voice"].split()
        rate, pitch = int(rate.removesuffix("wpm")), int(pitch.removeprefix("p"))
        if c["name"] == changed:
            vid, pitch = ("en-gb-scotland+f5" if "+f" in vid else "en-gb-scotland+m2"), min(99, pitch + 7)
        rows.append(f'[characters."{c["name"]}"]\nvoice = "{vid}"\nrate = {rate}\npitch = {pitch}\n')
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK)
    ap.add_argument("--quick", action="store_true", help="only the first 5 chapters")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temporary one)")
    args = ap.parse_args()
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    work = args.keep or Path(tempfile.mkdtemp(prefix="audiotale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    book = quick_book(args.book, 5, work) if args.quick else args.book
    words = len(book.read_text(encoding="utf-8").split())
    print(f"book      {book} ({words} words); {os.cpu_count()} cores; jobs {args.jobs}")

    # 1. baseline
    wav, mp3 = work / "baseline.wav", work / "baseline.mp3"
    espeak = shutil.which("espeak-ng")
    synth_cmd = [espeak, "-f", str(book), "-w", str(wav)] if espeak else [sys.executable, "-c", BASELINE_SYNTH,
                                                                           str(book), str(wav)]
    t_synth, rss_synth, _ = run("baseline synthesis", synth_cmd, work / "baseline-synth.log")
    t_enc, rss_enc, _ = run("baseline encode", [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav),
                                                "-b:a", "64k", str(mp3)], work / "baseline-enc.log")
    base = t_synth + t_enc
    print(f"baseline  {base:7.1f} s  (synthesis {t_synth:.1f} s via {'espeak-ng' if espeak else 'espeakng-loader'}"
          f", encode {t_enc:.1f} s); WAV {wav.stat().st_size / 2**20:.0f} MiB")
    print(f"          peak RSS: synthesis {rss_synth.summary()} | encode {rss_enc.summary()}")
    wav.unlink()

    # 2. audiotale, cold
    env = dict(os.environ)
    cache_dir, out_dir = work / "cache", work / "out"
    shutil.rmtree(cache_dir, ignore_errors=True)
    empty = work / "empty.toml"
    empty.write_text("", encoding="utf-8")
    cast = json.loads(subprocess.run([*AUDIOTALE, "cast", str(book), "--voices", str(empty), "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
    voices = work / "voices.toml"
    voices.write_text(voices_toml(cast, None), encoding="utf-8")
    render = [*AUDIOTALE, "render", str(book), "-o", str(out_dir), "--voices", str(voices),
              "--cache-dir", str(cache_dir), "--jobs", str(args.jobs)]
    t_cold, rss_cold, out_cold = run("audiotale cold", render, work / "cold.log", env)
    print(f"cold      {t_cold:7.1f} s  = {t_cold / base:.2f}x baseline (target <= 1.0, stretch 0.6)")
    print(f"          {out_cold.strip()}")
    print(f"          peak RSS: {rss_cold.summary()}")
    biggest_wav = max((p.stat().st_size for p in cache_dir.rglob("*.wav")), default=0)
    print(f"          largest intermediate WAV {biggest_wav / 2**20:.1f} MiB (limit 4 GiB)")

    # 3. one minor character's voice changes
    script = subprocess.run([*AUDIOTALE, "script", str(book), "--voices", str(voices), "--format", "jsonl"],
                            check=True, capture_output=True, text=True).stdout
    rows = [json.loads(r) for r in script.splitlines()]
    minor = sorted((c for c in cast["characters"] if 10 <= c["lines"] <= 60), key=lambda c: c["lines"])
    if not minor:
        minor = sorted(cast["characters"], key=lambda c: c["lines"])
    who = minor[len(minor) // 2]["name"]
    heard_in = sorted({r["chapter"] for r in rows if r["speaker"] == who})
    voices.write_text(voices_toml(cast, who), encoding="utf-8")
    t_warm, rss_warm, out_warm = run("audiotale after a voice change", render, work / "warm.log", env)
    m = re.search(r"(\d+) clip\(s\) synthesized, (\d+) chapter\(s\) encoded", out_warm)
    clips, chaps = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
    lines_of = sum(1 for r in rows if r["speaker"] == who)
    print(f"changed   {who!r} ({lines_of} quotes, heard in {len(heard_in)} chapter(s))")
    print(f"warm      {t_warm:7.1f} s  = {t_warm / t_cold:.2f}x cold (target <= 0.3); "
          f"{clips} clip(s) synthesized, {chaps} chapter(s) re-encoded (expected {len(heard_in)})")
    print(f"          peak RSS: {rss_warm.summary()}")
    peak = max(rss_cold.max_mib, rss_warm.max_mib)
    print(f"summary   baseline {base:.1f} s | cold {t_cold:.1f} s ({t_cold / base:.2f}x) | "
          f"warm {t_warm:.1f} s ({t_warm / t_cold:.2f}x cold) | peak RSS of any audiotale process {peak:.0f} MiB")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
