"""audiotale: offline multi-voice audiobooks. The data types and `render_book` are the public API."""

from .datatypes import Book, Chapter, Clip, Kind, Line, Pauses, Reason, Segment, Skip, Voice
from .pipeline import read_script, render_book

__all__ = ["Book", "Chapter", "Clip", "Kind", "Line", "Pauses", "Reason", "Segment", "Skip", "Voice", "read_script",
           "render_book"]
