"""audiotale: offline multi-voice audiobooks. The data types and `render_book` are the public API."""

from .datatypes import Book, Chapter, Clip, Kind, Line, Pauses, Segment, Voice
from .pipeline import read_script, render_book

__all__ = ["Book", "Chapter", "Clip", "Kind", "Line", "Pauses", "Segment", "Voice", "read_script", "render_book"]
