"""Stage 1 for EPUB 2 and 3: path -> Book with chapters from the navigation document or NCX.

Chapters and their titles come from the table of contents, in spine order; file names mean
nothing. Cover, title page, copyright and navigation pages are not chapters. Nothing from inside
the archive reaches the file system: members are read into memory, within size limits, and XML
entities are never expanded (ebooklib parses with resolve_entities=False; we refuse any document
that declares entities, and read XHTML with lxml's HTML parser, which has no network access).
"""

from __future__ import annotations

import logging
import posixpath
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .datatypes import Book, Chapter
from .errors import InputError

log = logging.getLogger(__name__)

MAX_MEMBER = 64 * 1024 * 1024  # bytes, uncompressed: larger than any chapter or cover
MAX_TOTAL = 512 * 1024 * 1024  # bytes, uncompressed, the whole archive
MAX_MEMBERS = 10_000
MAX_TITLE = 200  # characters of a chapter title

_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "section",
    "article", "body", "tr", "table", "dt", "dd", "dl", "figure", "figcaption", "hr", "header", "footer",
    "aside", "main",
}
_SKIP = {"script", "style", "head", "title", "nav", "svg", "math", "rt", "rp"}
# Front and back matter that is not read as a chapter (EPUB 3 epub:type, EPUB 2 guide types, titles).
_NOT_CHAPTER_TYPES = {"cover", "titlepage", "title-page", "copyright-page", "copyright", "toc", "landmarks",
                      "page-list", "loi", "lot", "colophon", "imprint"}
_NOT_CHAPTER_TITLE = re.compile(
    r"^(cover|title|title page|titlepage|copyright|copyright page|contents|table of contents|toc|imprint|"
    r"colophon)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Doc:
    name: str  # path inside the archive, relative to the package document
    paragraphs: list[str]
    anchors: dict[str, int]  # element id -> index of the paragraph it is in (or precedes)
    types: frozenset[str]  # epub:type values on <body> and its first sections


def load_epub(path: Path) -> Book:
    """Read an EPUB 2 or 3 file into a Book whose chapters come from its table of contents."""
    _check_archive(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ebooklib warns about its own future defaults
            import ebooklib
            from ebooklib import epub as ebook

            book = ebook.read_epub(str(path), options={"ignore_ncx": False})
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - ebooklib raises bare Exceptions, KeyErrors, lxml errors
        raise InputError(f"{path}: not a readable EPUB ({type(e).__name__}: {str(e)[:100]}); "
                         "check the file opens in an e-book reader") from e
    title = _meta(book, "title") or path.stem
    author = _meta(book, "creator")
    skip_names = _front_matter_names(book)
    docs: list[_Doc] = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() not in (ebooklib.ITEM_DOCUMENT, ebooklib.ITEM_NAVIGATION):
            continue
        if isinstance(item, (ebook.EpubNav, ebook.EpubCoverHtml)) or "nav" in (getattr(item, "properties", None) or []):
            continue
        if item.get_name() in skip_names:
            continue
        doc = _parse_doc(path, item.get_name(), item.get_content())
        if doc.types & _NOT_CHAPTER_TYPES:
            continue
        docs.append(doc)
    entries = [(h, t) for h, t in _flatten_toc(book.toc) if not _NOT_CHAPTER_TITLE.match(t)]
    text, chapters = _chapters(docs, entries, title)
    if not chapters:
        raise InputError(f"{path}: has no readable text in its spine; check the EPUB is not image-only or DRM-locked")
    return Book(path=path, text=text, title=_clean(title), author=_clean(author) if author else None,
                chapters=tuple(chapters), cover=_cover(book))


def _check_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InputError(f"{path}: has {len(infos)} files inside; an EPUB has at most {MAX_MEMBERS}")
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > MAX_MEMBER:
                    raise InputError(f"{path}: {_clean(info.filename)[:80]} is {info.file_size // 2**20} MiB "
                                     "unpacked; too large for an EPUB member")
                if total > MAX_TOTAL:
                    raise InputError(f"{path}: unpacks to more than {MAX_TOTAL // 2**20} MiB; not a plain EPUB")
            for info in infos:
                if info.filename.lower().endswith((".opf", ".ncx", ".xhtml", ".html", ".htm", ".xml")):
                    head = zf.read(info)
                    if b"<!ENTITY" in head:
                        raise InputError(f"{path}: {_clean(info.filename)[:80]} declares XML entities; "
                                         "refusing to expand them (re-export the EPUB without a DTD)")
    except zipfile.BadZipFile as e:
        raise InputError(f"{path}: not an EPUB (not a zip archive); give a .epub file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}; check its permissions") from e


def _meta(book: object, name: str) -> str | None:
    values = book.get_metadata("DC", name)  # type: ignore[attr-defined]
    for value, _attrs in values:
        if value and value.strip():
            return value.strip()
    return None


def _front_matter_names(book: object) -> set[str]:
    """Documents the EPUB 2 guide marks as cover, title page, copyright or table of contents."""
    names = set()
    for ref in getattr(book, "guide", []) or []:
        kind = (ref.get("type") or "").lower()
        if kind in _NOT_CHAPTER_TYPES or kind in {"title-page", "copyright-page"}:
            names.add(unquote((ref.get("href") or "").split("#")[0]))
    return names


def _flatten_toc(toc: object) -> list[tuple[str, str]]:
    """(href, title) of every TOC entry, depth first."""
    out: list[tuple[str, str]] = []
    for node in toc if isinstance(toc, (list, tuple)) else [toc]:
        if isinstance(node, tuple) and len(node) == 2:
            section, children = node
            href = getattr(section, "href", None)
            if href:
                out.append((href, getattr(section, "title", "") or ""))
            out.extend(_flatten_toc(children))
        elif getattr(node, "href", None):
            out.append((node.href, getattr(node, "title", "") or ""))
    return [(h, _clean(t)) for h, t in out]


def _parse_doc(path: Path, name: str, content: bytes) -> _Doc:
    from lxml import etree, html

    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        root = html.document_fromstring(content, parser=parser)
    except (etree.ParserError, ValueError):
        return _Doc(name, [], {}, frozenset())
    paragraphs: list[str] = []
    anchors: dict[str, int] = {}
    buf: list[str] = []

    def flush() -> None:
        text = re.sub(r"\s+", " ", "".join(buf)).strip()
        buf.clear()
        if text:
            paragraphs.append(text)

    def walk(el: etree._Element) -> None:
        tag = el.tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP:
            return
        block = tag in _BLOCKS
        if block:
            flush()
        for key in ("id", "name"):
            ident = el.get(key)
            if ident and ident not in anchors:
                anchors[ident] = len(paragraphs)
        if tag == "br":
            buf.append(" ")
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    body = root.find("body")
    types: set[str] = set()
    if body is not None:
        for el in [body, *body.iter("section", "div")][:4]:
            types.update((el.get("epub:type") or "").lower().split())
        walk(body)
    flush()
    return _Doc(name, paragraphs, anchors, frozenset(types))


def _chapters(docs: list[_Doc], entries: list[tuple[str, str]], book_title: str) -> tuple[str, list[Chapter]]:
    """Concatenate the chapters' paragraphs; each TOC entry starts a chapter at its anchor."""
    index = {d.name: i for i, d in enumerate(docs)}
    # (doc index, paragraph index, title), in reading order
    marks: list[tuple[int, int, str]] = []
    for href, title in entries:
        target, _, anchor = href.partition("#")
        target = posixpath.normpath(unquote(target))
        if target not in index:
            continue
        d = index[target]
        para = docs[d].anchors.get(unquote(anchor), 0) if anchor else 0
        if not any(m[0] == d and m[1] == para for m in marks):
            marks.append((d, para, title))
    marks.sort(key=lambda m: (m[0], m[1]))
    if not marks:  # no usable table of contents: every spine document with text is a chapter
        marks = [(i, 0, _first_line(d) or f"{book_title} {i + 1}") for i, d in enumerate(docs) if d.paragraphs]
    pieces: list[str] = []
    chapters: list[Chapter] = []
    pos = 0
    for n, (d, para, title) in enumerate(marks):
        end_d, end_p = (marks[n + 1][0], marks[n + 1][1]) if n + 1 < len(marks) else (len(docs), 0)
        paras: list[str] = []
        for i in range(d, min(end_d, len(docs) - 1) + 1):
            start = para if i == d else 0
            stop = end_p if i == end_d else len(docs[i].paragraphs)
            paras.extend(docs[i].paragraphs[start:stop])
        if not paras:
            continue
        body = "\n\n".join(paras)
        if pieces:
            pieces.append("\n\n")
            pos += 2
        chapters.append(Chapter(len(chapters) + 1, title or f"Chapter {len(chapters) + 1}", pos, pos + len(body)))
        pieces.append(body)
        pos += len(body)
    return "".join(pieces), chapters


def _first_line(doc: _Doc) -> str:
    return _clean(doc.paragraphs[0]) if doc.paragraphs and len(doc.paragraphs[0]) <= 80 else ""


def _cover(book: object) -> bytes | None:
    import ebooklib
    from ebooklib import epub as ebook

    items = list(book.get_items())  # type: ignore[attr-defined]
    for item in items:
        if isinstance(item, ebook.EpubCover) or item.get_type() == ebooklib.ITEM_COVER:
            data = item.get_content()
            if _is_image(data):
                return data
    for _value, attrs in book.get_metadata("OPF", "meta"):  # type: ignore[attr-defined]
        if attrs.get("name") != "cover":  # EPUB 2: <meta name="cover" content="ITEM-ID"/>
            continue
        item = book.get_item_with_id(attrs.get("content", ""))  # type: ignore[attr-defined]
        if item is not None and _is_image(item.get_content()):
            return item.get_content()
    return None


def _is_image(data: bytes | None) -> bool:
    return bool(data) and (data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n")


def _clean(text: str) -> str:
    """One line, no control characters, bounded length."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_TITLE]
