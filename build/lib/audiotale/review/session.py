"""What the review page asks and changes, without HTTP: one book, its voices.toml and its corrections file.

The two files are the only truth. Every answer is computed from them as they are on disk now
(re-read when they change, whoever changed them), with the same pipeline functions as
`audiotale script` and `render`; every change is written to them at once, atomically, by
read-modify-write of the file on disk, so a second tab or an editor never loses a change.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import cache, casting, corrections, pipeline, synthesis, voicesfile
from ..casting import Cast, Role
from ..datatypes import Kind, Segment, Voice
from ..engines import espeak
from ..errors import AudiotaleError, ConfigError

log = logging.getLogger(__name__)

UNCERTAIN_BELOW = 0.7  # a credited quote under this confidence is "uncertain" on the page
SAMPLE = "Hello. This is how I sound when I speak in this book."


class ReviewError(AudiotaleError):
    """A request the page should show as one line (bad name, stale page, broken file)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class _Stamp:
    """What a file looked like when it was last read: a change of any part means read it again."""

    mtime: int
    size: int

    @staticmethod
    def of(path: Path) -> _Stamp | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return _Stamp(st.st_mtime_ns, st.st_size)


def clip_wav(job: synthesis.Job, cache_dir: Path) -> bytes:
    """One line's WAV, synthesized into the clip cache when missing: the one place that knows clip storage."""
    synthesis.render_job(job, cache_dir)
    return synthesis.clip_wav(cache_dir, job.key)


class Review:
    """One book under review: its script as the files say now, and the changes the page asks for."""

    def __init__(self, book: Path, voices: Path, fixes: Path | None = None, cache_dir: Path | None = None) -> None:
        self.book_path = Path(book)
        self.voices_path = Path(voices)
        self.fixes_path = Path(fixes) if fixes else corrections.default_path(self.book_path)
        self.cache_dir = cache_dir or cache.default_dir()
        self._known = espeak.espeak_voice_ids()
        self._variants = {v.lower() for v in espeak.espeak_variants()}
        self._check = voicesfile.checker(self.voices_path)  # never write what `render` would refuse
        self._espeak: list[espeak.VoiceInfo] | None = None
        self._lock = threading.RLock()
        self._stamps: tuple[_Stamp | None, ...] | None = None
        self._cast: Cast = casting.load_cast(None)
        self._names_key: tuple | None = None
        self._plain: pipeline.Script | None = None  # attribution before corrections, per set of known names
        self.script: pipeline.Script
        self.roles: dict[str, Role] = {}
        self.errors: dict[str, str] = {}  # "voices" / "corrections" -> the file's one-line error
        self.version = 0
        self._jobs: dict[str, synthesis.Job] = {}  # every clip the page was given: the only ones served
        self._clips: dict[str, Future[bytes]] = {}
        self._synth = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthesis")  # one engine, one thread
        self.refresh()

    # -- reading ------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read whichever of the two files (or the book itself) changed on disk since last time."""
        with self._lock:
            stamps = (_Stamp.of(self.voices_path), _Stamp.of(self.fixes_path), _Stamp.of(self.book_path))
            if stamps == self._stamps:
                return
            book_changed = self._stamps is not None and stamps[2] != self._stamps[2]
            self._stamps = stamps
            self.version += 1
            try:
                self._cast = self._load_cast()
                self.errors.pop("voices", None)
            except ConfigError as e:  # keep the last good cast; the page shows the line
                self.errors["voices"] = str(e)
            names = (tuple(sorted(self._cast.characters)), tuple(sorted((k, tuple(v)) for k, v in self._cast.aliases.items())))
            if self._plain is None or names != self._names_key or book_changed:
                self._plain = pipeline.attribute_script(self.book_path, self._cast)
                self._names_key = names
            try:
                self.script = pipeline.apply_corrections(self._plain, self.fixes_path)
                self.errors.pop("corrections", None)
            except ConfigError as e:
                self.script = self._plain
                self.errors["corrections"] = str(e)
            self.roles = pipeline.roles_for(self.script, self._cast)

    def book(self) -> dict:
        """The page's frame: title, files, errors, counts per chapter, the cast and the voices to choose from."""
        with self._lock:
            self.refresh()
            per: dict[int, Counter[str]] = {c.number: Counter() for c in self.script.chapters}
            for s in self.script.segments:
                if s.kind is Kind.DIALOGUE:
                    c = per.setdefault(s.chapter, Counter())
                    c["quotes"] += 1
                    c["unknown"] += s.speaker is None
                    c["uncertain"] += _uncertain(s)
                    c["corrected"] += s.evidence == "corrected"
            total = sum(per.values(), Counter())
            return {
                "title": self._cast.book.get("title") or self.script.book.title,
                "book": self.book_path.name,
                "version": self.version,
                "files": {"voices": str(self.voices_path), "voices_exists": self.voices_path.is_file(),
                          "corrections": str(self.fixes_path), "corrections_exists": self.fixes_path.is_file()},
                "errors": [self.errors[k] for k in ("voices", "corrections") if k in self.errors],
                "counts": {k: total[k] for k in ("quotes", "unknown", "uncertain", "corrected")},
                "uncertain_below": UNCERTAIN_BELOW,
                "chapters": [{"number": c.number, "title": c.title, **{k: per[c.number][k] for k in
                              ("quotes", "unknown", "uncertain")}} for c in self.script.chapters],
                "cast": self._cast_rows(),
                "characters": self._everyone(),
            }

    def chapter(self, number: int) -> dict:
        """One chapter's segments in reading order, and its speakers, most lines first."""
        with self._lock:
            self.refresh()
            ch = next((c for c in self.script.chapters if c.number == number), None)
            if ch is None:
                raise ReviewError(f"there is no chapter {number}; the book has {len(self.script.chapters)}")
            segs = [s for s in self.script.segments if s.chapter == number]
            speakers = Counter(s.speaker for s in segs if s.kind is Kind.DIALOGUE and s.speaker)
            return {
                "number": ch.number, "title": ch.title, "version": self.version,
                "speakers": [n for n, _ in speakers.most_common()],
                "segments": [_segment(s) for s in segs],
            }

    def voices(self) -> dict:
        """What a voice can be set to: what `audiotale voices` lists."""
        from ..engines import piper

        if self._espeak is None:
            self._espeak = espeak.espeak_voices()
        found = self._espeak
        english = [v for v in found if v.language.startswith("en")]
        models = [piper.describe_model(piper.BUNDLED, self.voices_path.parent)]
        models += [piper.describe_model(v.model, self.voices_path.parent) for v in self._all_voices()
                   if v.engine == "piper" and v.model]
        return {
            "espeak": [{"id": v.id, "name": v.name, "language": v.language}
                       for v in english + [v for v in found if v not in english]],
            "variants": espeak.espeak_variants(),
            "piper": sorted({m.model for m in models if m is not None}),
            "hibari": _hibari_voices(),
        }

    # -- changing -----------------------------------------------------------------------------------------

    def set_speaker(self, quote_id: str, speaker: str | None, automatic: bool = False) -> None:
        """Correct who says a quote (None: the unknown voice; automatic: drop the correction)."""
        with self._lock:
            self.refresh()
            if not any(s.quote_id == quote_id for s in self.script.segments):
                raise ReviewError(f"no quote {quote_id} in {self.book_path.name}; reload the page")
            if "corrections" in self.errors:
                raise ReviewError(self.errors["corrections"])
            if automatic:
                corrections.forget(self.fixes_path, quote_id)
            else:
                name = " ".join((speaker or "").split())
                known = self.script.characters.lookup(name) if name else None
                corrections.set_speaker(self.fixes_path, quote_id,
                                        (known.name if known else name) if name.lower() not in corrections.UNKNOWN else None)
            self.refresh()

    def set_voice(self, role: str, changes: dict) -> None:
        """Change a role's voice, engine/model, rate or pitch in voices.toml."""
        allowed = {"voice", "engine", "model", "rate", "pitch"}
        changes = {k: v for k, v in changes.items() if k in allowed}
        with self._lock:
            current = self._editable_role(role)
            # eSpeak NG's pitch is 0-99; a neural voice's is semitones, in halves (3.5 is a pitch, 3.25 noise).
            neural = changes.get("engine", current.engine) != "espeak"
            for key in ("rate", "pitch"):
                if key in changes:
                    try:
                        value = float(changes[key])
                    except (TypeError, ValueError):
                        raise ReviewError(f"{key} must be a number, not {changes[key]!r}") from None
                    halves = round(value * 2) / 2
                    changes[key] = halves if key == "pitch" and neural and halves != int(halves) else int(round(value))
            voicesfile.set_voice(self.voices_path, role, changes, current, self._check)
            self.refresh()

    def merge(self, name: str, into: str) -> None:
        """Make character `name` an alias of `into` in voices.toml."""
        with self._lock:
            self._editable_role(name)
            into_voice = self._editable_role(into)
            if name in voicesfile.ROLES or into in voicesfile.ROLES:
                raise ReviewError("the narrator and the unknown voice cannot be merged; pick two characters")
            voicesfile.merge(self.voices_path, name, into, into_voice, self._check)
            self.refresh()

    def rename(self, name: str, to: str) -> None:
        """Call character `name` `to` in voices.toml (the old name stays an alias)."""
        with self._lock:
            voice = self._editable_role(name)
            if name in voicesfile.ROLES:
                raise ReviewError(f"the {name} voice has no name to change")
            other = self.script.characters.lookup(to)
            if other is not None and other.name != name:
                raise ReviewError(f'"{to}" is already {other.name}; merge {name} into {other.name} instead')
            voicesfile.rename(self.voices_path, name, to, voice, self._check)
            self.refresh()

    # -- hearing ------------------------------------------------------------------------------------------

    def play(self, chapter: int, index: int) -> list[dict]:
        """The clips of one segment in the voice it will have, queued for synthesis now."""
        with self._lock:
            self.refresh()
            seg = next((s for s in self.script.segments if s.chapter == chapter and s.index == index), None)
            if seg is None:
                raise ReviewError(f"no segment {index} in chapter {chapter}; reload the page")
            lines = list(casting.make_lines([seg], self._cast, self.roles))
            return self._queue(lines)

    def sample(self, role: str) -> list[dict]:
        """A sentence in a role's voice: their own first longer line when they have one."""
        with self._lock:
            self.refresh()
            voice = self._voice_of(role)
            if voice is None:
                raise ReviewError(f'nobody is called "{role}" here; reload the page')
            text = SAMPLE
            if role == "narrator":
                seg = next((s for s in self.script.segments if s.kind is Kind.NARRATION and len(s.text.split()) > 6), None)
            else:
                seg = next((s for s in self.script.segments if s.kind is Kind.DIALOGUE and len(s.text.split()) > 6
                            and (s.speaker == role or (role == "unknown" and s.speaker is None))), None)
            if seg is not None:
                text = seg.text
            sample = Segment(0, 0, Kind.NARRATION, text, 0, len(text), 0)
            cast = casting.Cast(voice, voice, {}, {}, self._cast.pauses, self._cast.pronunciations)
            lines = list(casting.make_lines([sample], cast, {}))[:2]
            return self._queue(lines)

    def clip(self, key: str) -> bytes | None:
        """The WAV of a clip the page was given (synthesized on demand); None for any other key."""
        while True:
            with self._lock:
                job = self._jobs.get(key)
                if job is None:
                    return None
                fut = self._clips.get(key)
                if fut is None or fut.cancelled() or (fut.done() and fut.exception() is not None):
                    try:
                        fut = self._clips[key] = self._synth.submit(clip_wav, job, self.cache_dir)
                    except RuntimeError:  # shutting down
                        return None
            try:
                return fut.result()
            except CancelledError:  # a newer click dropped it from the queue; this request still wants it
                continue

    def warm_up(self) -> None:
        """Start the narrator's engine in the background, so the first click plays at once."""
        text = next((s.text for s in self.script.segments if s.kind is Kind.NARRATION), "Ready.")
        seg = Segment(0, 0, Kind.NARRATION, text, 0, len(text), 0)
        lines = list(casting.make_lines([seg], self._cast, {}))[:1]
        self._queue(lines)

    def close(self) -> None:
        """Stop synthesis: queued clips are dropped, the one being made finishes."""
        self._synth.shutdown(wait=True, cancel_futures=True)

    # -- helpers ------------------------------------------------------------------------------------------

    def _queue(self, lines: list) -> list[dict]:
        """Register and queue lines for synthesis, in order; what was queued before and not started waits."""
        for fut in self._clips.values():
            fut.cancel()  # a new click: what the last one queued and did not start is not wanted now
        self._clips = {k: f for k, f in self._clips.items() if not f.cancelled()}
        out = []
        for line in lines:
            job = synthesis.Job(line.key, line.text, line.voice, f"{self.book_path} (review)")
            self._jobs[line.key] = job
            if line.key not in self._clips:
                self._clips[line.key] = self._synth.submit(clip_wav, job, self.cache_dir)
            out.append({"key": line.key, "pause": line.pause_before, "text": line.text})
        return out

    def _load_cast(self) -> Cast:
        if not self.voices_path.is_file():
            return casting.load_cast(None)
        return casting.load_cast(self.voices_path, self._known, self._variants)

    def _editable_role(self, role: str) -> Voice:
        """The voice `role` has now, if voices.toml can be edited and `role` is current; else ReviewError."""
        self.refresh()
        if "voices" in self.errors:
            raise ReviewError(f"fix voices.toml first: {self.errors['voices']}")
        voice = self._voice_of(role)
        if voice is None:
            char = self.script.characters.lookup(role)
            if char is not None and char.name != role:
                raise ReviewError(f'"{role}" is now {char.name}; reload the page')
            raise ReviewError(f'nobody is called "{role}" here; reload the page')
        return voice

    def _voice_of(self, role: str) -> Voice | None:
        if role == "narrator":
            return self._cast.narrator
        if role == "unknown":
            return self._cast.unknown
        if role in self.roles:
            return self.roles[role].voice
        if role in self._cast.characters:
            return self._cast.characters[role]
        char = self.script.characters.lookup(role)
        if char is not None and char.name == role:  # named in the book, no line yet: its automatic voice
            stats = {role: (0, 0, char.gender)}
            return casting.assign_voices(self._cast, {**{r.name: (r.lines, r.words, None) for r in self.roles.values()},
                                                      **stats})[role].voice
        return None

    def _all_voices(self) -> list[Voice]:
        return [self._cast.narrator, self._cast.unknown, *self._cast.characters.values()]

    def _cast_rows(self) -> list[dict]:
        rows = [_row("narrator", "Narrator", self._cast.narrator, False, 0, 0, []),
                _row("unknown", "Unknown", self._cast.unknown, False,
                     sum(1 for s in self.script.segments if s.kind is Kind.DIALOGUE and not s.speaker), 0, [])]
        shown = set()
        for r in sorted(self.roles.values(), key=lambda r: (-r.lines, r.name)):
            rows.append(_row(r.name, r.name, r.voice, r.auto, r.lines, r.words, self._cast.aliases.get(r.name, [])))
            shown.add(r.name)
        for name, voice in self._cast.characters.items():  # in voices.toml, no line in this book (yet)
            if name not in shown:
                rows.append(_row(name, name, voice, False, 0, 0, self._cast.aliases.get(name, [])))
        return rows

    def _everyone(self) -> list[str]:
        """Every character a quote can be given to: who speaks, who voices.toml names, who the book names."""
        names = [r.name for r in sorted(self.roles.values(), key=lambda r: (-r.lines, r.name))]
        names += [n for n in self._cast.characters if n not in names]
        names += [c.name for c in self.script.characters.all() if c.name not in names]
        return names


def _row(role: str, label: str, voice: Voice, auto: bool, lines: int, words: int, aliases: list[str]) -> dict:
    return {"role": role, "label": label, "auto": auto, "lines": lines, "words": words, "aliases": list(aliases),
            "voice": {"engine": voice.engine, "id": voice.id, "model": voice.model, "rate": voice.rate,
                      "pitch": voice.pitch, "describe": voice.describe()}}


def _hibari_voices() -> list[str]:
    """The hibari voices installed here (none without the neural extra)."""
    from ..engines import REGISTRY, hibari

    if REGISTRY["hibari"].missing():
        return []
    return [name for name in hibari.registry() if hibari.voice_file(name).is_file()]


def _uncertain(s: Segment) -> bool:
    return s.speaker is not None and s.evidence != "corrected" and s.confidence < UNCERTAIN_BELOW


def _segment(s: Segment) -> dict:
    """A segment as the page sees it; kinds it does not know are shown as plain text."""
    out = {"i": s.index, "kind": getattr(s.kind, "value", str(s.kind)), "text": s.text, "paragraph": s.paragraph,
           "scene": s.scene_break_before}
    if s.kind is Kind.DIALOGUE:
        out.update({"id": s.quote_id, "speaker": s.speaker, "confidence": round(s.confidence, 2),
                    "evidence": s.evidence, "uncertain": _uncertain(s)})
    reason = getattr(s, "reason", None)
    if reason:
        out["reason"] = str(getattr(reason, "value", reason))  # an Enum's value: "illustration"
    return out
