"""Stage 1: path -> Book. Decoding, EPUB structure, and what is not to be read aloud.

`text.py` reads plain text and Markdown, `epub.py` (with `archive.py`, `package.py`, `xhtml.py`)
reads EPUB 2 and 3; for every format `gutenberg.py` finds Project Gutenberg's header, licence and
credits and `markers.py` the illustrations, note markers, notes and page numbers in the text.
`matter.py` names front and back matter by markup and by title; the chapter stage uses it too.
"""

from __future__ import annotations

from pathlib import Path

from ..datatypes import Book
from ..errors import InputError
from . import gutenberg, markers
from .spans import tidy

UNSUPPORTED = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".odt": "OpenDocument", ".rtf": "RTF",
               ".mobi": "Mobipocket", ".azw": "Kindle", ".azw3": "Kindle", ".html": "HTML", ".htm": "HTML"}


def load(path: Path) -> Book:
    """Read a .txt, .md or .epub file into a Book, with the parts not to read marked as skipped."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path (run `ls {path.parent}`)")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a .txt, .md or .epub file inside it")
    kind = UNSUPPORTED.get(path.suffix.lower())
    if kind:
        raise InputError(f"{path}: {kind} files are not supported; save it as .txt (UTF-8), .md or .epub first")
    if path.suffix.lower() == ".epub":
        from .epub import load_epub  # lxml only when needed

        book = load_epub(path)
    else:
        from .text import load_text

        book = load_text(path)
    wrapping = gutenberg.find(book.text)
    skipped = [*book.skipped, *wrapping.skipped, *markers.find(book.text)]
    title, author = book.title, book.author
    if book.chapters is None:  # plain text: the header's Title: and Author: beat the file name
        title = wrapping.title or title
        author = wrapping.author or author
    return Book(path=book.path, text=book.text, title=title, author=author, encoding=book.encoding,
                chapters=book.chapters, cover=book.cover, skipped=tidy(skipped, book.text))
