"""Stage 1: path -> Book. Decoding and encoding problems are reported here."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from .datatypes import Book
from .errors import InputError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
UNSUPPORTED = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".odt": "OpenDocument", ".rtf": "RTF",
               ".mobi": "Mobipocket", ".azw": "Kindle", ".azw3": "Kindle", ".html": "HTML", ".htm": "HTML"}
MAX_BYTES = 200 * 1024 * 1024  # a book larger than this is surely not a book


def load(path: Path) -> Book:
    """Read a .txt, .md or .epub file into a Book."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path (run `ls {path.parent}`)")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a .txt, .md or .epub file inside it")
    kind = UNSUPPORTED.get(path.suffix.lower())
    if kind:
        raise InputError(f"{path}: {kind} files are not supported; save it as .txt (UTF-8), .md or .epub first")
    if path.suffix.lower() == ".epub":
        from . import epub  # only EPUB needs ebooklib

        return epub.load_epub(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: {size // 2**20} MiB is too large for a book; split it into parts")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}; check its permissions") from e
    text, encoding = decode(data, path)
    if not text.strip():
        what = "is empty" if not text else "has only whitespace"
        raise InputError(f"{path}: {what}; give a file with the story's text")
    if not re.search(r"\w", text):
        raise InputError(f"{path}: has no words to speak; give a file with the story's text")
    title = guess_title(path)
    if path.suffix.lower() in {".md", ".markdown"}:
        h1 = re.findall(r"^#[ \t]+(.+?)[ \t#]*$", text, re.MULTILINE)
        if len(h1) == 1:
            title = re.sub(r"[*_`]+", "", h1[0]).strip()
    return Book(path=path, text=text, title=title, encoding=encoding)


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Bytes -> text as Python's text mode reads it (universal newlines), and the encoding used."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: broken UTF-16 text; re-save the file as UTF-8") from e
    elif b"\0" in data[:8192]:
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt, .md or .epub file")
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as e:
            if len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data)) >= 20:  # UTF-8 with a few bad bytes
                line = data[: e.start].count(b"\n") + 1
                log.warning("%s:%d: invalid UTF-8 byte %#04x, read as \ufffd; re-save the file as UTF-8",
                            path, line, data[e.start])
                text, encoding = data.decode("utf-8", errors="replace"), "utf-8"
            else:
                encoding = "cp1252" if _is_cp1252(data) else "latin-1"
                text = data.decode(encoding)
                log.warning("%s: not UTF-8; read it as %s (re-save it as UTF-8 to silence this)", path, encoding)
    if _control_ratio(text) > 0.05:
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt, .md or .epub file")
    # Python's text mode turns \r\n and \r into \n; offsets in `script` index that text.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def _is_cp1252(data: bytes) -> bool:
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    return not any(b in undefined for b in data)


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f\v")
    return bad / len(sample)


def guess_title(path: Path) -> str:
    """`the-last-cake.txt` -> `The Last Cake`."""
    words = re.split(r"[-_\s]+", path.stem)
    small = {"a", "an", "and", "of", "the", "in", "on", "to", "for"}
    return " ".join(
        w.capitalize() if i == 0 or w.lower() not in small else w.lower() for i, w in enumerate(words) if w
    )
