"""Stage 1: path -> Book. Decoding and encoding problems are reported here."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from .datatypes import Book
from .errors import InputError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
MAX_BYTES = 200 * 1024 * 1024  # a book larger than this is surely not a book


def load(path: Path) -> Book:
    """Read a .txt, .md or .epub file into a Book."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path (run `ls {path.parent}`)")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a .txt, .md or .epub file inside it")
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
        raise InputError(f"{path}: is empty; give a file with the story's text")
    title = guess_title(path)
    if path.suffix.lower() in {".md", ".markdown"}:
        h1 = re.findall(r"^#[ \t]+(.+?)[ \t#]*$", text, re.MULTILINE)
        if len(h1) == 1:
            title = re.sub(r"[*_`]+", "", h1[0]).strip()
    return Book(path=path, text=text, title=title, encoding=encoding)


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Bytes -> text as Python's text mode reads it (universal newlines), and the encoding used."""
    if b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt, .md or .epub file")
    for encoding in ("utf-8", "utf-16"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as e:
            if encoding == "utf-8" and not _mostly_utf8(data, e):
                continue
            line = data[: e.start].count(b"\n") + 1
            raise InputError(
                f"{path}:{line}: invalid UTF-8 (byte {data[e.start]:#04x}); re-save the file as UTF-8"
            ) from e
    else:
        text = data.decode("cp1252", errors="replace") if _is_cp1252(data) else data.decode("latin-1")
        encoding = "cp1252" if _is_cp1252(data) else "latin-1"
        log.warning("%s: not UTF-8; read it as %s (re-save it as UTF-8 to silence this)", path, encoding)
    if _control_ratio(text) > 0.05:
        raise InputError(f"{path}: looks like a binary file, not text; give a .txt, .md or .epub file")
    # Python's text mode turns \r\n and \r into \n; offsets in `script` index that text.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def _mostly_utf8(data: bytes, error: UnicodeDecodeError) -> bool:
    """True when the file is UTF-8 with a stray bad byte, rather than a legacy encoding."""
    multibyte = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data))
    return multibyte >= 20


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
