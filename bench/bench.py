"""Benchmark (issues #6, #14): a whole novel through audiotale beside a plain single-voice eSpeak NG pipeline.

In one run, on the same machine, each step timed as whole processes (wall clock, and CPU seconds
of the process and everything it started, from the kernel's accounting) with the peak RSS of
every process (sampled from /proc):
  baseline  `espeak-ng -f BOOK -w book.wav && ffmpeg -i book.wav -b:a 64k book.mp3`; with no
            espeak-ng binary on PATH the same synthesis runs through the espeakng-loader wheel's
            library (default voice, 175 wpm, the whole file in one call, samples streamed to the WAV)
  cold      audiotale on an empty cache, every character's voice listed in voices.toml; the output
            measured with `audiotale check`
  disk      the clip cache per audio hour, beside what the same clips take as WAV
  codecs    other lossless settings on every 20th clip of that cache: size and encode CPU (clip_codecs.py)
  check     `audiotale check` on the cold render: time per audio hour and memory
  changed   one minor character's voice changes in voices.toml
  edited    one paragraph of the text changes: chapters re-encoded (expected 1)
  preview   `render --chapters 1` on an empty cache (median of --runs)
  m4b       --format m4b: cold (empty cache), from cached clips, and warm (median of --runs), beside MP3
  scale     four copies of the book one after another (each copy's clips distinct), cold: seconds per
            audio hour beside the book's, peak memory, and `check` on it
Short steps run --runs times and print the median (min-max).

    python bench/bench.py                      # Pride and Prejudice, every step
    python bench/bench.py --quick              # its first 5 chapters
    python bench/bench.py --book BOOK.txt --jobs 2 --skip scale,m4b
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOOK = ROOT.parent / "shared" / "books" / "pride-and-prejudice.txt"
if not DEFAULT_BOOK.exists():
    DEFAULT_BOOK = Path("/work/shared/books/pride-and-prejudice.txt")
AUDIOTALE = [sys.executable, "-m", "audiotale"]
STEPS = ("cold", "disk", "codecs", "check", "changed", "edited", "preview", "m4b", "scale")

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

TICK = os.sysconf("SC_CLK_TCK")


class Sampler:
    """Samples /proc every 50 ms: peak RSS (VmHWM) and CPU time of every descendant of one process."""

    def __init__(self, pid: int) -> None:
        self.root = pid
        self.seen: dict[int, tuple[str, float, int]] = {}  # pid -> (kind, CPU s, peak KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.05)

    def sample(self) -> None:
        stats: dict[int, tuple[int, float]] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(d)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
        tree = {self.root}
        grew = True
        while grew:
            new = {p for p, (pp, _) in stats.items() if pp in tree and p not in tree}
            tree |= new
            grew = bool(new)
        for pid in tree & stats.keys():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            m = re.search(r"VmHWM:\s+(\d+)", status)
            kind = "ffmpeg" if b"ffmpeg" in cmdline else "main" if pid == self.root else "workers"
            _k, cpu, peak = self.seen.get(pid, (kind, 0.0, 0))
            self.seen[pid] = (kind, max(cpu, stats[pid][1]), max(peak, int(m.group(1)) if m else 0))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return max((kib for _, _, kib in self.seen.values()), default=0) / 1024

    def by_kind(self) -> str:
        kinds: dict[str, list[tuple[float, int]]] = {}
        for kind, cpu, kib in self.seen.values():
            kinds.setdefault(kind, []).append((cpu, kib))
        return "; ".join(f"{k} x{len(v)} {sum(c for c, _ in v):.1f} s CPU, peak {max(m for _, m in v) / 1024:.0f} MiB"
                         for k, v in sorted(kinds.items()))


@dataclass
class Run:
    wall: float
    cpu: float  # user + sys of the process and all its children
    out: str
    sampler: Sampler
    etas: list[tuple[float, float]]  # (seconds since start, ETA it printed) of each status line


def run(label: str, cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` to the end; its wall time, CPU time (kernel accounting), output and sampled processes."""
    started = time.monotonic()
    etas: list[tuple[float, float]] = []
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        sampler = Sampler(proc.pid)
        assert proc.stdout is not None and proc.stderr is not None

        def stamp(stream=proc.stderr) -> None:  # the status lines, with when they came
            for line in stream:
                err.write(line)
                m = re.search(r"ETA (\d+):(\d\d):(\d\d)", line)
                if m:
                    etas.append((time.monotonic() - started,
                                 int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))))

        reader = threading.Thread(target=stamp, daemon=True)
        reader.start()
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        reader.join()
    took = time.monotonic() - started
    sampler.stop()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1) or (code == 1 and "check" not in cmd):
        sys.exit(f"{label} failed ({code}): {' '.join(cmd)}\n{log.read_text()[-2000:]}")
    return Run(took, usage.ru_utime + usage.ru_stime, out, sampler, etas)


def eta_error(r: Run) -> str:
    """How far the printed ETAs were from the real end, once 10% of the time had passed."""
    late = [(t, (t + eta - r.wall) / r.wall) for t, eta in r.etas if t >= 0.1 * r.wall]
    if not late:
        return "no ETA printed after 10% of the time"
    worst = max(late, key=lambda x: abs(x[1]))
    return (f"ETA within {max(abs(e) for _, e in late):.0%} of the real end once 10% was done (worst at "
            f"{worst[0] / r.wall:.0%}: {worst[1]:+.0%}; target within 25%)")


def median_of(n: int, label: str, cmd: list[str], log: Path, prepare=None) -> tuple[float, str]:
    """Median wall time of `n` runs (each after `prepare()`), as "median s (min-max)"."""
    walls = []
    for _ in range(n):
        if prepare:
            prepare()
        walls.append(run(label, cmd, log).wall)
    return statistics.median(walls), f"median {statistics.median(walls):.1f} s of {n} ({min(walls):.1f}-{max(walls):.1f})"


def quick_book(book: Path, chapters: int, work: Path) -> Path:
    """The first `chapters` chapters of `book` (cut before the next CHAPTER heading)."""
    lines = book.read_text(encoding="utf-8").splitlines(keepends=True)
    heads = [i for i, line in enumerate(lines) if re.match(r"\s*chapter\b", line, re.IGNORECASE)]
    end = heads[chapters] if len(heads) > chapters else len(lines)
    out = work / f"{book.stem}-{chapters}ch.txt"
    out.write_text("".join(lines[:end]), encoding="utf-8")
    return out


def four_parts(book: Path, work: Path) -> Path:
    """The book four times over, its chapters four times as many. Copy k carries k invisible word
    joiners (U+2060) before punctuation after a long word, so every copy's sentences are new clips
    (eSpeak reads them alike). No PART headings: a heading alone would be a chapter of silence."""
    text = book.read_text(encoding="utf-8")
    parts = []
    for k in range(4):
        copy = re.sub(r"(?<=[a-z]{4})(?=[.,;!?])", "\u2060" * k, text) if k else text
        parts.append(copy.strip() + "\n")
    out = work / f"{book.stem}-x4.txt"
    out.write_text("\n\n".join(parts), encoding="utf-8")
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


def audio_hours(mp3_line: str) -> float:
    m = re.search(r"  (\d+):(\d\d):(\d\d), ", mp3_line)
    return (int(m.group(1)) + int(m.group(2)) / 60 + int(m.group(3)) / 3600) if m else 0.0


def counts(out: str) -> tuple[int, int]:
    m = re.search(r"(\d+) clip\(s\) synthesized, (\d+) chapter\(s\) encoded", out)
    return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)


def check_line(report: str) -> str:
    fields = dict(re.findall(r"^(RMS|peak|noise floor|duration)\s+(\S+)", report, re.MULTILINE))
    verdict = report.strip().splitlines()[-1] if report.strip() else "?"
    return (f"duration {fields.get('duration')}, RMS {fields.get('RMS')}, peak {fields.get('peak')} dBFS, "
            f"noise floor {fields.get('noise floor')}; {verdict[:120]}")


def clip_sizes(cache_dir: Path) -> tuple[int, int]:
    """(bytes on disk, bytes the same clips take as 16-bit WAV) of the clip cache."""
    import soundfile

    disk = wav = 0
    for p in (cache_dir / "clips").glob("*/*.*"):
        if p.name.startswith("."):
            continue
        disk += p.stat().st_size
        wav += 44 + 2 * soundfile.info(str(p)).frames
    return disk, wav


def encoder_floor(book_mp3: Path, work: Path, minutes: int = 20) -> str:
    """CPU seconds per audio hour of the chapter encoders alone (LAME in process, ffmpeg's AAC), on the
    first `minutes` of the book as PCM, through export.encode_chapter: the floor of the M4B/MP3 ratio."""
    import resource

    import imageio_ffmpeg

    from audiotale import export

    pcm = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-t",
                          str(minutes * 60), "-i", str(book_mp3), "-f", "s16le", "-ar", "22050", "-ac", "1", "-"],
                         check=True, capture_output=True).stdout
    hours = len(pcm) / 2 / 22050 / 3600
    costs = {}
    for name, suffix in (("MP3", ".mp3"), ("AAC", ".aac")):
        started = time.process_time() + _children_cpu(resource)
        export.encode_chapter(lambda pipe: [pipe.write(pcm[i:i + 2**20]) for i in range(0, len(pcm), 2**20)],
                              work / f"floor{suffix}")
        costs[name] = (time.process_time() + _children_cpu(resource) - started) / hours
    return (f"encoders alone ({minutes} min of the book): MP3 (LAME) {costs['MP3']:.1f} s CPU per audio hour, "
            f"AAC (ffmpeg) {costs['AAC']:.1f} ({costs['AAC'] / costs['MP3']:.1f}x)")


def _children_cpu(resource) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK)
    ap.add_argument("--quick", action="store_true", help="only the first 5 chapters")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--runs", type=int, default=3, help="runs of each short step (the median is printed)")
    ap.add_argument("--skip", default="", help=f"comma-separated steps to skip: {','.join(STEPS)}")
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temporary one)")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    work = args.keep or Path(tempfile.mkdtemp(prefix="audiotale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    source = quick_book(args.book, 5, work) if args.quick else args.book
    book = work / source.name
    if book != source:
        shutil.copyfile(source, book)  # a copy: the "edited" step changes a paragraph of it
    text = book.read_text(encoding="utf-8")
    print(f"machine   {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start; jobs {args.jobs}")
    print(f"book      {source} ({len(text.split())} words)")

    # baseline
    wav, mp3 = work / "baseline.wav", work / "baseline.mp3"
    espeak = shutil.which("espeak-ng")
    synth_cmd = [espeak, "-f", str(book), "-w", str(wav)] if espeak else [sys.executable, "-c", BASELINE_SYNTH,
                                                                           str(book), str(wav)]
    synth = run("baseline synthesis", synth_cmd, work / "baseline-synth.log")
    enc = run("baseline encode", [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav), "-b:a", "64k",
                                  str(mp3)], work / "baseline-enc.log")
    base, base_cpu = synth.wall + enc.wall, synth.cpu + enc.cpu
    print(f"baseline  {base:.1f} s wall, {base_cpu:.1f} s CPU (synthesis {synth.wall:.1f} s via "
          f"{'espeak-ng' if espeak else 'espeakng-loader'}, encode {enc.wall:.1f} s); WAV "
          f"{wav.stat().st_size / 2**20:.0f} MiB")
    wav.unlink()

    cache_dir, out_dir = work / "cache", work / "out"
    empty = work / "empty.toml"
    empty.write_text("", encoding="utf-8")
    cast = json.loads(subprocess.run([*AUDIOTALE, "cast", str(book), "--voices", str(empty), "--format", "json"],
                                     check=True, capture_output=True, text=True).stdout)
    voices = work / "voices.toml"
    voices.write_text(voices_toml(cast, None), encoding="utf-8")

    def render_cmd(target: Path, cache: Path, *extra: str) -> list[str]:
        return [*AUDIOTALE, "render", str(target), "-o", str(out_dir), "--voices", str(voices), "--cache-dir",
                str(cache), "--jobs", str(args.jobs), *extra]

    # cold
    shutil.rmtree(cache_dir, ignore_errors=True)
    cold = run("audiotale cold", render_cmd(book, cache_dir), work / "cold.log")
    hours = audio_hours(cold.out)
    book_mp3 = out_dir / f"{book.stem}.mp3"
    print(f"cold      {cold.wall:.1f} s wall = {cold.wall / base:.2f}x baseline (target <= 0.6, stretch 0.5); "
          f"{cold.cpu:.1f} s CPU = {cold.cpu / base_cpu:.2f}x baseline CPU")
    print(f"          {cold.out.strip()}")
    print(f"          {cold.wall / hours:.2f} s per audio hour; {cold.cpu / cold.wall:.2f} cores busy on average; "
          f"peak RSS {cold.sampler.peak_mib:.0f} MiB "
          f"(target <= 300): {cold.sampler.by_kind()}")
    checked = run("check", [*AUDIOTALE, "check", str(book_mp3)], work / "check.log")
    print(f"          check: {check_line(checked.out)}")
    print(f"          {eta_error(cold)}")

    if "disk" not in skip:
        disk, as_wav = clip_sizes(cache_dir)
        print(f"disk      clip cache {disk / 2**20:.0f} MiB = {disk / 2**20 / hours:.1f} MiB per audio hour; the same "
              f"clips as WAV {as_wav / 2**20:.0f} MiB ({disk / as_wav:.2f}x, target <= 0.5)")
    if "codecs" not in skip:
        sys.path.insert(0, str(Path(__file__).parent))
        import clip_codecs

        print("codecs    " + "\n          ".join(clip_codecs.measure(cache_dir, every=20)))
    if "check" not in skip:
        print(f"check     {checked.wall:.1f} s wall, {checked.cpu:.1f} s CPU = {checked.wall / hours:.2f} s per audio hour "
              f"(target <= 5); peak RSS {checked.sampler.peak_mib:.0f} MiB (target <= 300)")

    if "changed" not in skip:
        script = subprocess.run([*AUDIOTALE, "script", str(book), "--voices", str(voices), "--format", "jsonl"],
                                check=True, capture_output=True, text=True).stdout
        rows = [json.loads(r) for r in script.splitlines()]
        minor = sorted((c for c in cast["characters"] if 10 <= c["lines"] <= 60), key=lambda c: c["lines"])
        minor = minor or sorted(cast["characters"], key=lambda c: c["lines"])
        who = minor[len(minor) // 2]["name"]
        heard_in = sorted({r["chapter"] for r in rows if r["speaker"] == who})
        voices.write_text(voices_toml(cast, who), encoding="utf-8")
        warm = run("audiotale after a voice change", render_cmd(book, cache_dir), work / "warm.log")
        voices.write_text(voices_toml(cast, None), encoding="utf-8")
        clips, chaps = counts(warm.out)
        print(f"changed   {who!r} ({sum(1 for r in rows if r['speaker'] == who)} quotes, heard in {len(heard_in)} "
              f"chapter(s)): {warm.wall:.1f} s wall = {warm.wall / cold.wall:.2f}x cold (target <= 0.15), "
              f"{warm.cpu:.1f} s CPU; {clips} clip(s) synthesized, {chaps} chapter(s) re-encoded (expected "
              f"{len(heard_in)}); peak RSS {warm.sampler.peak_mib:.0f} MiB")

    if "edited" not in skip:
        paragraphs = [m for m in re.finditer(r"\n\n([A-Z][^\n\"]{60,}?\.)(?=\n)", text)]
        target = paragraphs[len(paragraphs) // 2] if paragraphs else None
        if target:
            edited = text[: target.start(1)] + target.group(1)[:-1] + ", or so it seemed." + text[target.end(1):]
            book.write_text(edited, encoding="utf-8")
            ed = run("audiotale after an edit", render_cmd(book, cache_dir), work / "edit.log")
            book.write_text(text, encoding="utf-8")
            clips, chaps = counts(ed.out)
            print(f"edited    one paragraph: {ed.wall:.1f} s wall, {ed.cpu:.1f} s CPU; {clips} clip(s) synthesized, "
                  f"{chaps} chapter(s) re-encoded (expected 1)")
            run("restore", render_cmd(book, cache_dir), work / "restore.log")

    if "preview" not in skip:
        preview_cache = work / "preview-cache"
        _med, text_runs = median_of(args.runs, "preview", render_cmd(book, preview_cache, "--chapters", "1"),
                                    work / "preview.log", lambda: shutil.rmtree(preview_cache, ignore_errors=True))
        print(f"preview   --chapters 1 on an empty cache: {text_runs} (target: a few seconds)")

    if "m4b" not in skip:
        mp3_warm, mp3_runs = median_of(args.runs, "mp3 warm", render_cmd(book, cache_dir), work / "mp3warm.log")
        for p in (cache_dir / "chapters").iterdir():  # every clip cached, no chapter: encoding alone
            p.unlink()
        mp3_clips = run("mp3 from cached clips", render_cmd(book, cache_dir), work / "mp3clips.log")
        from_clips = run("m4b from cached clips", render_cmd(book, cache_dir, "--format", "m4b"), work / "m4b1.log")
        m4b_warm, m4b_runs = median_of(args.runs, "m4b warm", render_cmd(book, cache_dir, "--format", "m4b"),
                                       work / "m4bwarm.log")
        m4b_check = run("check m4b", [*AUDIOTALE, "check", str(out_dir / f"{book.stem}.m4b")], work / "m4bcheck.log")
        m4b_cache = work / "m4b-cache"
        m4b_cold = run("m4b cold", render_cmd(book, m4b_cache, "--format", "m4b"), work / "m4bcold.log")
        shutil.rmtree(m4b_cache, ignore_errors=True)
        print(f"m4b       cold {m4b_cold.wall:.1f} s wall, {m4b_cold.cpu:.1f} s CPU = {m4b_cold.wall / cold.wall:.2f}x "
              f"the cold MP3 (target <= 1.2); peak RSS {m4b_cold.sampler.peak_mib:.0f} MiB")
        print(f"          from cached clips (no chapter cached): M4B {from_clips.wall:.1f} s wall, {from_clips.cpu:.1f} s "
              f"CPU; MP3 {mp3_clips.wall:.1f} s wall, {mp3_clips.cpu:.1f} s CPU ({from_clips.wall / mp3_clips.wall:.2f}x)")
        print(f"          warm: M4B {m4b_runs}, MP3 {mp3_runs} ({m4b_warm / mp3_warm:.2f}x)")
        print(f"          check: {check_line(m4b_check.out)}")
        print(f"          {encoder_floor(book_mp3, work)}")

    if "scale" not in skip:
        big = four_parts(book, work)
        big_cache = work / "scale-cache"
        shutil.rmtree(big_cache, ignore_errors=True)
        scaled = run("audiotale x4", render_cmd(big, big_cache), work / "scale.log")
        big_hours = audio_hours(scaled.out)
        big_check = run("check x4", [*AUDIOTALE, "check", str(out_dir / f"{big.stem}.mp3")], work / "scale-check.log")
        shutil.rmtree(big_cache, ignore_errors=True)
        per, per_book = scaled.wall / big_hours, cold.wall / hours
        cpu_per, cpu_per_book = scaled.cpu / big_hours, cold.cpu / hours
        print(f"scale     {big.name} ({len(big.read_text(encoding='utf-8').split())} words): "
              f"{scaled.out.strip()}")
        print(f"          {per:.2f} s per audio hour vs {per_book:.2f} for the book ({per / per_book:.2f}x, target "
              f"within 10%); CPU {cpu_per:.2f} vs {cpu_per_book:.2f} s per audio hour ({cpu_per / cpu_per_book:.2f}x); "
              f"peak RSS {scaled.sampler.peak_mib:.0f} MiB vs {cold.sampler.peak_mib:.0f}")
        print(f"          check {big_check.wall:.1f} s = {big_check.wall / big_hours:.2f} s per audio hour, peak RSS "
              f"{big_check.sampler.peak_mib:.0f} MiB; {check_line(big_check.out)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
