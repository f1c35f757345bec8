"""The EPUB zip archive: what the file really is, size limits, members found leniently, one-line errors.

Nothing from inside the archive reaches the file system: members are read into memory, within size
limits. XML entities are never expanded: a document that declares any is refused, and every parser
runs with entity resolution and network access off.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

from ..errors import InputError

log = logging.getLogger(__name__)

MAX_MEMBER = 64 * 1024 * 1024  # bytes, uncompressed: larger than any chapter or cover
MAX_TOTAL = 512 * 1024 * 1024  # bytes, uncompressed, the whole archive
MAX_MEMBERS = 10_000
_MARKUP = (".opf", ".ncx", ".xhtml", ".html", ".htm", ".xml")
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}


class Archive:
    """The members of an EPUB, looked up by their path inside it (case and encoding forgiven)."""

    def __init__(self, path: Path, zf: zipfile.ZipFile) -> None:
        self.path = path
        self._zf = zf
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._folded: dict[str, str] = {}
        duplicates: list[str] = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            name, *others = _member_names(info)
            if name in self._members:
                duplicates.append(name)
                continue  # the first copy wins, as most readers do
            self._members[name] = info
            for other in (name, *others):
                self._folded.setdefault(other.lower(), name)
        if duplicates:
            log.warning("%s: %d file name(s) appear twice inside (first: %s); read the first copy of each",
                        path, len(duplicates), clean(duplicates[0]))

    def names(self) -> list[str]:
        return list(self._members)

    def find(self, name: str) -> str | None:
        """The member's own name for `name` (a path inside the archive), or None when it is not there."""
        name = posixpath.normpath(unquote(name)).lstrip("/")
        if name in self._members:
            return name
        return self._folded.get(name.lower())

    def read(self, name: str) -> bytes:
        """A member's bytes; a damaged member is a one-line InputError."""
        found = self.find(name)
        if found is None:
            raise InputError(f"{self.path}: {clean(name)} is missing from the archive; the EPUB is incomplete")
        try:
            return self._zf.read(self._members[found])
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
            raise InputError(f"{self.path}: {clean(found)} is damaged inside the zip ({str(e)[:80]}); "
                             "download the EPUB again") from e


def open_archive(path: Path) -> tuple[zipfile.ZipFile, Archive]:
    """Open `path` as an EPUB's zip, or say in one line what the file really is."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
        size = path.stat().st_size
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}; check its permissions") from e
    if size == 0:
        raise InputError(f"{path}: is empty (0 bytes); download the EPUB again")
    if not head.startswith(b"PK"):
        raise InputError(f"{path}: {_what_is_it(head)}; give an EPUB (a zip archive) or convert the book to EPUB")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise InputError(f"{path}: a truncated or damaged zip archive ({str(e)[:60]}); download the EPUB again") from e
    try:
        arc = Archive(path, zf)
        _check(arc, zf)
    except BaseException:
        zf.close()
        raise
    return zf, arc


def _what_is_it(head: bytes) -> str:
    kinds = [(b"%PDF", "a PDF file, not an EPUB"), (b"\xd0\xcf\x11\xe0", "a Word (.doc) or other Office file, not an EPUB"),
             (b"\x89PNG", "a PNG image, not an EPUB"), (b"\xff\xd8\xff", "a JPEG image, not an EPUB"),
             (b"GIF8", "a GIF image, not an EPUB"), (b"{\\rtf", "an RTF document, not an EPUB"),
             (b"BOOKMOBI", "a Mobipocket (Kindle) file, not an EPUB")]
    for magic, what in kinds:
        if head.startswith(magic):
            return what
    if head[:4] == b"RIFF":
        return "a RIFF (WebP image or WAV) file, not an EPUB"
    if re.match(rb"\s*<", head):
        return "an HTML or XML file, not an EPUB (not a zip archive)"
    return "not an EPUB (not a zip archive)"


def _check(arc: Archive, zf: zipfile.ZipFile) -> None:
    path = arc.path
    infos = zf.infolist()
    if not infos:
        raise InputError(f"{path}: an empty zip archive, no book inside; download the EPUB again")
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"{path}: has {len(infos)} files inside; an EPUB has at most {MAX_MEMBERS}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER:
            raise InputError(f"{path}: {clean(info.filename)} is {info.file_size // 2**20} MiB "
                             "unpacked; too large for an EPUB member")
        if total > MAX_TOTAL:
            raise InputError(f"{path}: unpacks to more than {MAX_TOTAL // 2**20} MiB; not a plain EPUB")
    names = arc.names()
    if "word/document.xml" in names:
        raise InputError(f"{path}: a Word document (.docx) renamed to .epub; save it as EPUB or plain text first")
    if "content.xml" in names and not any(n.lower().endswith(".opf") for n in names):
        raise InputError(f"{path}: an OpenDocument file renamed to .epub; save it as EPUB or plain text first")
    for name in names:
        if name.lower().endswith(_MARKUP) and b"<!ENTITY" in arc.read(name):
            raise InputError(f"{path}: {clean(name)} declares XML entities; "
                             "refusing to expand them (re-export the EPUB without a DTD)")
    if arc.find("META-INF/encryption.xml") and _encrypted_text(arc.read("META-INF/encryption.xml")):
        raise InputError(f"{path}: is DRM-protected (its text is encrypted); only DRM-free EPUBs can be read")


def _encrypted_text(data: bytes) -> bool:
    """Does encryption.xml encrypt more than fonts (font obfuscation is harmless)?"""
    for block in re.findall(rb"<(?:\w+:)?EncryptedData\b.*?</(?:\w+:)?EncryptedData>", data, re.DOTALL):
        algorithm = re.search(rb'Algorithm="([^"]*)"', block)
        uri = re.search(rb'URI="([^"]*)"', block)
        if algorithm and algorithm.group(1).decode("latin-1") in _FONT_OBFUSCATION:
            continue
        if uri and re.search(rb"\.(?:x?html?|xml|ncx|opf)$", uri.group(1), re.IGNORECASE):
            return True
    return False


def package_path(arc: Archive) -> str:
    """Where the package document (.opf) is: from META-INF/container.xml, else the only .opf inside."""
    opfs = sorted((n for n in arc.names() if n.lower().endswith(".opf")), key=lambda n: (n.count("/"), n))
    named: str | None = None
    if arc.find("META-INF/container.xml"):
        data = arc.read("META-INF/container.xml")
        m = re.search(rb"<(?:\w+:)?rootfile\b[^>]*?full-path\s*=\s*[\"']([^\"']+)[\"']", data)
        if m:
            named = m.group(1).decode("utf-8", "replace")
            found = arc.find(named)
            if found is not None:
                return found
    if not opfs:
        if named:
            raise InputError(f"{arc.path}: META-INF/container.xml names {clean(named)}, which is not in the "
                             "archive; the EPUB is incomplete, download it again")
        raise InputError(f"{arc.path}: no package document (.opf) inside; not a complete EPUB, download it again")
    why = (f"META-INF/container.xml names {clean(named)}, which is missing" if named
           else "no META-INF/container.xml")
    log.warning("%s: %s; read the package document %s", arc.path, why, clean(opfs[0]))
    return opfs[0]


def _member_names(info: zipfile.ZipInfo) -> list[str]:
    """The member's name as the package document spells it (UTF-8), then other readings of its bytes."""
    names = [info.filename]
    if not info.flag_bits & 0x800 and not info.filename.isascii():
        raw = info.filename.encode("cp437", "replace")  # zipfile decoded the bytes as cp437
        for encoding in ("utf-8", "cp1252"):  # most tools wrote UTF-8 without setting the flag
            try:
                names.insert(len(names) - 1, raw.decode(encoding))
            except UnicodeDecodeError:
                pass
    return [posixpath.normpath(n.replace("\\", "/")).lstrip("/") for n in names]


def clean(text: str, limit: int = 80) -> str:
    """One line, no control characters, bounded length: safe to print a name from inside the archive."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()[:limit]
