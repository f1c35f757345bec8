"""One XHTML document -> blocks of text (paragraphs, headings, cells), each knowing what not to read.

Read with lxml's HTML parser: lenient with broken markup, no network, no entity expansion. Every
piece of text lands in a block; what is not read carries a reason, for the whole block (a figure
caption, a footnote, a page of front matter) or for a span inside it (a note marker, a page number).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree, html

from ..datatypes import Reason
from . import matter

BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "section",
    "article", "body", "tr", "td", "th", "table", "dt", "dd", "dl", "figure", "figcaption", "hr", "header",
    "footer", "aside", "main", "nav", "hgroup", "address", "caption", "center", "details", "summary",
}
SILENT = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "rt", "rp"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# A footnote marker's text: 12, [12], (a), iv, *, dagger, double dagger, section sign.
MARKER_TEXT = re.compile(r"[\[(]?(?:\d{1,4}|[a-zA-Z]|[ivxlcIVXLC]{1,6}|[*\u2020\u2021\u00a7\u2016\u00b6#]{1,3})[\])]?\.?")
NOTE_ID = re.compile(r"(?:^|[-_])(?:fn|foot|note|endnote|ftn|nt|rn)", re.IGNORECASE)
_WS = re.compile(r"\s+")


@dataclass(slots=True)
class Link:
    """An internal link inside a block: where it points, and whether it is a footnote marker."""

    start: int  # offsets into Block.text
    end: int
    doc: str | None  # target document (path inside the archive); None: this document
    anchor: str | None
    marker: bool


@dataclass(slots=True)
class Block:
    text: str
    reason: Reason | None = None  # the whole block is not read
    heading: int = 0  # 1-6 for <h1>-<h6>
    skips: list[tuple[int, int, Reason]] = field(default_factory=list)  # spans of text not read
    links: list[Link] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    name: str  # path inside the archive
    blocks: list[Block]
    anchors: dict[str, tuple[int, int]]  # element id -> (first block, end block) it covers
    title: str  # the <title>


Resolver = Callable[[str], tuple[str | None, str | None]]  # href -> (document, anchor)


def parse(name: str, content: bytes, resolve: Resolver) -> Document:
    """Parse one document; `resolve(href)` -> (doc, anchor) for a link, doc None when external."""
    root = read_html(content)
    if root is None:
        return Document(name, [], {}, "")
    walker = _Walker(resolve)
    walker.boilerplate = _gutenberg_lists(root)
    title_el = next((el for el in root.iter() if local(el) == "title"), None)
    body = next((el for el in root.iter() if local(el) == "body"), None)
    if body is not None:
        walker.walk(body, None, back=False)
        walker.flush()
    title = _WS.sub(" ", "".join(title_el.itertext())).strip() if title_el is not None else ""
    return Document(name, walker.blocks, walker.anchors, title)


def local(el: etree._Element) -> str:
    """An element's tag without namespace or prefix, lower case ("" for comments)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def attr(el: etree._Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace or prefix (epub:type, opf:role)."""
    for key, value in el.attrib.items():
        if key.rsplit("}", 1)[-1].rsplit(":", 1)[-1] == name:
            return value
    return None


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']|<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""",
                       re.IGNORECASE)


def read_html(content: bytes) -> etree._Element | None:
    """Parse (X)HTML leniently, decoded as declared, else UTF-8, else cp1252 (never latin-1 by default)."""
    text = decode(content)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses a str that declares its encoding
    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        return html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def decode(content: bytes) -> str:
    """Bytes of a markup document -> text: BOM, then the declared encoding, then UTF-8, then cp1252."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    m = _DECLARED.search(content[:2048])
    declared = (m.group(1) or m.group(2)).decode("ascii") if m else None
    for encoding in (declared, "utf-8"):
        if encoding:
            try:
                return content.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return content.decode("cp1252", errors="replace")


class _Walker:
    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self.blocks: list[Block] = []
        self.anchors: dict[str, tuple[int, int]] = {}
        self.parts: list[str] = []
        self.n = 0  # characters in the block being built
        self.spans: list[tuple[int, int, Reason]] = []
        self.links: list[Link] = []
        self.heading = 0
        self.pre = 0  # inside how many <pre> elements
        self.image_alt: str | None = None  # alt text of an image just before this block
        self.boilerplate: set[etree._Element] = set()  # tables and lists of links to gutenberg.org

    # -- building blocks ------------------------------------------------------------------------
    def add(self, text: str, reason: Reason | None) -> None:
        if self.pre:  # preformatted: its lines stay lines (one paragraph still: no blank lines)
            text = re.sub(r"[ \t]*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", text))
        else:
            text = _WS.sub(" ", text)
        if text[:1] in " \n" and (self.n == 0 or self.parts[-1][-1:] in " \n"):
            text = text.lstrip(" \n")
        if not text:
            return
        if reason is not None:
            self.spans.append((self.n, self.n + len(text), reason))
        self.parts.append(text)
        self.n += len(text)

    def flush(self) -> None:
        text = "".join(self.parts).rstrip()
        if "\n" in text:  # from a <pre>: at most single line breaks, so the block stays one paragraph
            text = re.sub(r"\n\s*\n", "\n", text)
        if text:
            block = Block(text, heading=self.heading)
            spans = [(s, min(e, len(text)), r) for s, e, r in self.spans if s < len(text)]
            block.links = [ln for ln in self.links if ln.start < len(text)]
            if self.image_alt and same_text(text, self.image_alt):
                block.reason = Reason.ILLUSTRATION  # a caption repeating the picture's alt text
            else:
                _place_spans(block, spans)
            self.blocks.append(block)
            self.image_alt = None
        self.parts, self.n, self.spans, self.links = [], 0, [], []

    # -- the tree -------------------------------------------------------------------------------
    def walk(self, el: etree._Element, reason: Reason | None, back: bool) -> None:
        tag = local(el)
        if not tag or tag in SILENT:
            return
        types = frozenset((attr(el, "type") or "").lower().split()) | frozenset((el.get("role") or "").lower().split())
        back = back or bool(types & {"backmatter", "doc-backmatter"})
        own = self._reason(el, tag, types, back)
        inner = reason or own
        block = tag in BLOCKS
        if block:
            self.flush()
        first = len(self.blocks)
        if tag in HEADINGS:
            self.heading = HEADINGS[tag]
        self.pre += tag == "pre"
        if tag == "img":
            alt = (el.get("alt") or "").strip()
            if re.fullmatch(r"[A-Z]", alt) and el.tail and el.tail[:1].isalpha():
                self.add(alt, inner)  # a drop capital drawn as a picture: "T" + "he night was cold"
            else:
                self.image_alt = alt or None
        if tag == "br":
            self.add(" ", inner)
        link_start = self.n
        if el.text:
            self.add(el.text, inner)
        for child in el:
            self.walk(child, inner, back)
            if child.tail:
                self.add(child.tail, inner)
        if tag == "a":
            self._link(el, link_start, inner)
        self.pre -= tag == "pre"
        if block:
            self.flush()
            self.heading = 0
        ident = el.get("id") or (el.get("name") if tag == "a" else None)
        if ident and ident not in self.anchors:
            end = len(self.blocks) + (1 if self.n else 0)
            self.anchors[ident] = (first, max(end, first + 1))

    def _reason(self, el: etree._Element, tag: str, types: frozenset[str], back: bool) -> Reason | None:
        if el.get("id") in ("pg-header", "pg-footer") or el in self.boilerplate:
            return Reason.BOILERPLATE
        reason = matter.for_types(types, back) or matter.for_classes((el.get("class") or "").split())
        if reason is None and tag == "nav":
            return Reason.NAVIGATION
        if reason is None and tag in ("figure", "figcaption"):
            return Reason.ILLUSTRATION
        return reason

    def _link(self, el: etree._Element, start: int, reason: Reason | None) -> None:
        href = el.get("href")
        if not href:
            return
        doc, anchor = self.resolve(href)
        if doc is None and anchor is None:
            return
        text = _WS.sub(" ", "".join(el.itertext())).strip()
        classes = (el.get("class") or "").split()
        marked = matter.for_classes(classes) is Reason.NOTE_MARKER or "noteref" in (attr(el, "type") or "")
        parent = el.getparent()
        in_sup = parent is not None and local(parent) == "sup" or any(local(c) == "sup" for c in el)
        looks = bool(MARKER_TEXT.fullmatch(text)) and (
            in_sup or text[:1] in "[(" or text.isdigit() or bool(NOTE_ID.search(anchor or "")))
        marker = marked or looks
        if start < self.n and "".join(self.parts)[start] == " ":
            start += 1
        self.links.append(Link(start, self.n, doc, anchor, marker))
        if marker and reason is None:
            self.spans.append((start, self.n, Reason.NOTE_MARKER))


def _gutenberg_lists(root: etree._Element) -> set[etree._Element]:
    """Elements around links to gutenberg.org: Project Gutenberg's list of other editions, its notices."""
    found: set[etree._Element] = set()
    for a in root.iter("a"):
        if not re.search(r"gutenberg\.org", a.get("href") or "", re.IGNORECASE):
            continue
        el = a.getparent()
        block = None
        while el is not None and local(el) != "body":
            if local(el) in ("table", "ul", "ol", "dl"):
                block = el
                break
            if block is None and local(el) in BLOCKS:
                block = el
            el = el.getparent()
        if block is not None:
            found.add(block)
    return found


def _place_spans(block: Block, spans: list[tuple[int, int, Reason]]) -> None:
    """Spans merged and kept; a block with nothing outside them is skipped whole."""
    text = block.text
    merged: list[tuple[int, int, Reason]] = []
    for s, e, r in sorted(spans):
        if merged and s < merged[-1][1]:
            s = merged[-1][1]  # the outer (earlier) span keeps what they share
        if s >= e:
            continue
        if merged and r == merged[-1][2] and not text[merged[-1][1] : s].strip():
            merged[-1] = (merged[-1][0], e, r)  # [1] [2]: one span
            continue
        merged.append((s, e, r))
    outside = "".join(text[a:b] for a, b in zip([0] + [e for _, e, _ in merged], [s for s, _, _ in merged] + [len(text)]))
    if merged and not outside.strip():
        longest = max(merged, key=lambda m: m[1] - m[0])
        if longest[2] is not Reason.NOTE_MARKER:  # a heading or an entry that is only a link ("I", "12"): read it
            block.reason = longest[2]
        return
    block.skips = merged


def same_text(text: str, alt: str) -> bool:
    """Does a caption (or a TOC title) say what the picture's alt text says?"""
    a, b = _norm(text), _norm(alt)
    return bool(a) and (a == b or (len(a) > 8 and a in b))


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()
