"""Plain text and Markdown: bytes -> text (encodings, damaged bytes), and a title from the file."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ..datatypes import Book
from ..errors import InputError

log = logging.getLogger(__name__)

MAX_BYTES = 200 * 1024 * 1024  # a book larger than this is surely not a book
# Control characters that have no business in a text (tab, newlines, form feed and the DOS end-of-file
# mark ^Z excepted). A few are a bad conversion's leftovers; many mean the file is not text at all.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
BINARY_RATIO = 0.02  # more control characters than this (of all characters): not a text file


def load_text(path: Path) -> Book:
    """Read a .txt or .md file into a Book (chapters are found later, from its headings)."""
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
    utf16 = _utf16(data)
    if utf16:
        try:
            text, encoding = data.decode(utf16), "utf-16"
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: broken UTF-16 text; re-save the file as UTF-8") from e
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
    # Python's text mode turns \r\n and \r into \n; offsets in `script` index that text.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_controls(text, path)
    return text, encoding


def _utf16(data: bytes) -> str | None:
    """"utf-16" (with a BOM), "utf-16-le"/"utf-16-be" (without one, told by where the zero bytes are), or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.4 * len(sample) / 2 and even == 0:
        return "utf-16-le"  # ASCII text as UTF-16: "H\0e\0l\0l\0o\0"
    if even > 0.4 * len(sample) / 2 and odd == 0:
        return "utf-16-be"
    return None


def _check_controls(text: str, path: Path) -> None:
    """Refuse a file that is mostly binary; warn, naming the line, about a few stray control characters."""
    found = _CONTROL.findall(text)
    if not found:
        return
    if len(found) > BINARY_RATIO * len(text):
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt, .md or .epub file")
    first = _CONTROL.search(text)
    assert first is not None
    line = text.count("\n", 0, first.start()) + 1
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    name = "NUL byte" if first.group() == "\0" else f"control character {ord(first.group()):#04x}"
    log.warning("%s:%d: a stray %s%s, read as a space; a bad conversion damaged the file, check that line",
                path, line, name, more)


def _is_cp1252(data: bytes) -> bool:
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    return not any(b in undefined for b in data)


def guess_title(path: Path) -> str:
    """`the-last-cake.txt` -> `The Last Cake`."""
    words = re.split(r"[-_\s]+", path.stem)
    small = {"a", "an", "and", "of", "the", "in", "on", "to", "for"}
    return " ".join(
        w.capitalize() if i == 0 or w.lower() not in small else w.lower() for i, w in enumerate(words) if w
    )
