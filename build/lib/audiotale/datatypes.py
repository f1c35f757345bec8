"""Frozen dataclasses passed between the pipeline stages. Durations are milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Book:
    path: Path
    text: str  # the whole input as Python reads it (after decoding); offsets index this
    title: str
    author: str | None = None
    encoding: str = "utf-8"
    # Sections found by the loader itself (EPUB navigation), before front/back matter and heading-only
    # sections are sorted out; None: find them in the text.
    chapters: tuple[Chapter, ...] | None = None
    cover: bytes | None = None  # image bytes, JPEG or PNG
    skipped: tuple[Skip, ...] = ()  # what the loader found not to read: licence, markup, notes, ...


class Reason(str, Enum):
    """Why a part of the text is not read aloud (`script` shows it as `skipped`)."""

    BOILERPLATE = "boilerplate"  # the Project Gutenberg header, licence and end line
    TRANSCRIBER = "transcriber"  # "Produced by ...", transcriber's and preparer's notes
    FRONT_MATTER = "front-matter"  # title page, imprint, copyright page
    BACK_MATTER = "back-matter"  # colophon, uncopyright, index, "More Info", adverts
    CONTENTS = "contents"  # a table of contents, a list of illustrations
    ILLUSTRATION = "illustration"  # [Illustration: ...], figure captions
    NOTE_MARKER = "note-marker"  # a footnote reference: [12], a superscript link
    NOTE = "note"  # the body of a footnote or endnote
    PAGE_NUMBER = "page-number"  # [Pg 12], a page-break marker
    NAVIGATION = "navigation"  # a navigation bar or links of a web page turned into an EPUB
    NON_LINEAR = "non-linear"  # an EPUB document outside the reading order (linear="no"), not in the TOC


@dataclass(frozen=True, slots=True)
class Skip:
    """A span of Book.text that is not read aloud, and why."""

    start: int  # character offsets into Book.text, end exclusive
    end: int
    reason: Reason
    ref: int | None = None  # a note: offset of the marker that refers to it (where it belongs)


@dataclass(frozen=True, slots=True)
class Chapter:
    number: int  # 1-based, in reading order
    title: str
    start: int  # character offsets into Book.text, end exclusive; chapters tile the text
    end: int
    skipped: tuple[Skip, ...] = ()  # the parts of [start, end) not read aloud, in order, not overlapping


class Kind(str, Enum):
    NARRATION = "narration"
    DIALOGUE = "dialogue"
    SKIPPED = "skipped"  # shown by `script`, never spoken; `reason` says why


@dataclass(frozen=True, slots=True)
class Segment:
    chapter: int
    index: int  # position within the chapter
    kind: Kind
    text: str  # == book.text[start:end]
    start: int
    end: int
    paragraph: int  # paragraph number within the book; a change means a paragraph pause
    speaker: str | None = None  # None: narration, or dialogue nobody could be credited with
    quote_id: str | None = None  # stable id of a dialogue segment, for corrections
    confidence: float = 0.0  # 0-1, how sure attribution is
    evidence: str | None = None  # which rule credited the speaker: tag, beat, vocative, turn, ...
    scene_break_before: bool = False  # a `***` scene break precedes this segment
    reason: Reason | None = None  # SKIPPED: why it is not read (or, read on request, why it was skipped)


@dataclass(frozen=True, slots=True)
class Voice:
    id: str  # eSpeak NG voice, optionally +variant, e.g. "en-us+f2"; a hibari voice ("heart")
    rate: int = 160  # words per minute
    pitch: float = 50  # eSpeak NG: 0-99; neural engines: semitones from the voice's own (0)
    volume: float = 1.0  # 0.0-2.0
    engine: str = "espeak"
    model: str | None = None  # Piper model name or path; None for eSpeak and hibari
    options: tuple[tuple[str, float], ...] = ()  # engine-specific settings, sorted (e.g. formant)

    def option(self, key: str, default: float = 0.0) -> float:
        """One engine-specific setting, e.g. voice.option("formant")."""
        return dict(self.options).get(key, default)

    def describe(self) -> str:
        """Short human description, e.g. `en-us+f2 170wpm p70` or `hibari:heart 165wpm pitch +3 formant +1`."""
        if self.engine == "espeak":
            return f"{self.id} {self.rate}wpm p{self.pitch}"
        text = f"{self.engine}:{self.model or self.id} {self.rate}wpm"
        if self.pitch:
            text += f" pitch {self.pitch:+g}"
        if self.option("formant"):
            text += f" formant {self.option('formant'):+g}"
        return text


@dataclass(frozen=True, slots=True)
class Pauses:
    sentence: int = 250  # ms
    paragraph: int = 650
    speaker_change: int = 400
    chapter: int = 2000
    scene: int = 1500


@dataclass(frozen=True, slots=True)
class Line:
    """One utterance to synthesize: a sentence (or short segment) in one voice."""

    segment: Segment
    text: str  # what is spoken (quote marks removed, pronunciations applied)
    voice: Voice
    pause_before: int  # ms of silence before this line
    key: str = ""  # content hash: the clip cache key


@dataclass(frozen=True, slots=True)
class Clip:
    line: Line
    wav: Path  # 16-bit mono PCM WAV, trimmed and levelled


@dataclass(frozen=True, slots=True)
class ChapterAudio:
    chapter: Chapter
    duration: int  # ms
    cues: tuple[Cue, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Cue:
    """Where one segment is heard, relative to the book start."""

    start: int  # ms
    end: int
    text: str
    speaker: str | None
