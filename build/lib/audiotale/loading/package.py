"""The EPUB package document (.opf) and its tables of contents: metadata, manifest, spine, guide,
the EPUB 3 navigation document (toc and landmarks) and the EPUB 2 NCX, read leniently with lxml.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

from ..errors import InputError
from .archive import Archive, clean
from .xhtml import attr, local, read_html

DOCUMENT_TYPES = {"application/xhtml+xml", "text/html", "application/html", "text/xhtml", "application/xml",
                  "text/x-oeb1-document", "text/xml"}
_XML = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    name: str  # path inside the archive
    media_type: str
    properties: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Entry:
    """One table-of-contents entry; `doc` None for a heading the nav does not link."""

    title: str
    doc: str | None  # path inside the archive
    anchor: str | None  # the #fragment, unquoted
    depth: int  # 0 for top-level entries
    types: frozenset[str] = frozenset()  # landmarks and guide: epub:type / guide type values


@dataclass(slots=True)
class Package:
    name: str  # the .opf's path inside the archive
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    manifest: dict[str, Item] = field(default_factory=dict)  # id -> item
    spine: list[tuple[Item, bool]] = field(default_factory=list)  # (item, linear)
    guide: list[Entry] = field(default_factory=list)
    nav: Item | None = None
    ncx: Item | None = None
    cover: Item | None = None

    def item_named(self, name: str) -> Item | None:
        for item in self.manifest.values():
            if item.name == name:
                return item
        return None


def read_package(arc: Archive, name: str) -> Package:
    """Parse the package document at `name`."""
    root = _xml(arc, name)
    if root is None or local(root) != "package":
        raise InputError(f"{arc.path}: {clean(name)} is not a package document (no <package>); "
                         "the EPUB is damaged, download it again")
    pkg = Package(name)
    base = posixpath.dirname(name)
    ids: dict[str, etree._Element] = {}
    refines: dict[str, dict[str, str]] = {}  # EPUB 3 <meta refines="#id" property="role">aut</meta>
    for el in root.iter():
        if el.get("id"):
            ids[el.get("id")] = el
        if local(el) == "meta" and el.get("refines") and el.get("property"):
            refines.setdefault(el.get("refines").lstrip("#"), {})[el.get("property")] = (el.text or "").strip()
    titles = [(el, _text(el)) for el in root.iter() if local(el) == "title" and _in(el, "metadata")]
    titles = [(el, t) for el, t in titles if t]
    main = [t for el, t in titles if refines.get(el.get("id") or "", {}).get("title-type") == "main"]
    pkg.title = (main or [t for _, t in titles] or [None])[0]
    for el in root.iter():
        if local(el) == "creator" and _in(el, "metadata") and _text(el):
            role = attr(el, "role") or refines.get(el.get("id") or "", {}).get("role", "aut")
            if role.lower() in ("aut", ""):
                pkg.authors.append(_text(el))
    cover_id = None
    for el in root.iter():
        kind = local(el)
        if kind == "item" and el.get("href") and el.get("id"):
            href = posixpath.normpath(posixpath.join(base, unquote(el.get("href").split("#")[0])))
            props = frozenset((el.get("properties") or "").split())
            pkg.manifest[el.get("id")] = Item(el.get("id"), href, (el.get("media-type") or "").lower(), props)
        elif kind == "meta" and el.get("name") == "cover":
            cover_id = el.get("content")
    spine_el = next((el for el in root.iter() if local(el) == "spine"), None)
    if spine_el is not None:
        for ref in spine_el:
            item = pkg.manifest.get(ref.get("idref") or "") if local(ref) == "itemref" else None
            if item is not None:
                pkg.spine.append((item, (ref.get("linear") or "yes").strip().lower() != "no"))
        pkg.ncx = pkg.manifest.get(spine_el.get("toc") or "")
    for el in root.iter():
        if local(el) == "reference" and _in(el, "guide") and el.get("href"):
            doc, anchor = split_href(base, el.get("href"))
            pkg.guide.append(Entry(el.get("title") or "", doc, anchor, 0, frozenset([(el.get("type") or "").lower()])))
    items = list(pkg.manifest.values())
    pkg.nav = next((i for i in items if "nav" in i.properties), None)
    pkg.ncx = pkg.ncx or next((i for i in items if i.media_type == "application/x-dtbncx+xml"), None)
    images = [i for i in items if i.media_type.startswith("image/")]
    pkg.cover = (next((i for i in images if "cover-image" in i.properties), None)
                 or (pkg.manifest.get(cover_id or "") if cover_id else None)
                 or next((i for i in images if "cover" in (i.id + i.name).lower()), None))
    return pkg


def nav_entries(arc: Archive, item: Item) -> tuple[list[Entry], list[Entry]]:
    """(table of contents, landmarks) of an EPUB 3 navigation document."""
    root = _html(arc, item.name)
    if root is None:
        return [], []
    base = posixpath.dirname(item.name)
    navs = [el for el in root.iter() if local(el) == "nav"]
    toc_nav = next((n for n in navs if "toc" in _types(n)), None)
    if toc_nav is None:
        toc_nav = next((n for n in navs if not _types(n) & {"landmarks", "page-list", "lot", "loi"}), None)
    landmarks_nav = next((n for n in navs if "landmarks" in _types(n)), None)
    toc: list[Entry] = []
    if toc_nav is not None:
        top = next((el for el in toc_nav.iter() if local(el) in ("ol", "ul")), None)
        if top is not None:
            _walk_list(top, base, 0, toc)
    landmarks: list[Entry] = []
    if landmarks_nav is not None:
        for a in landmarks_nav.iter():
            if local(a) == "a" and a.get("href"):
                doc, anchor = split_href(base, a.get("href"))
                landmarks.append(Entry(_text(a), doc, anchor, 0, _types(a)))
    return toc, landmarks


def _walk_list(ol: etree._Element, base: str, depth: int, out: list[Entry]) -> None:
    for li in ol:
        if local(li) != "li":
            continue
        label = next((c for c in li if local(c) in ("a", "span", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6")), None)
        link = label if label is not None and local(label) == "a" else (
            label.find(".//a") if label is not None and label.find(".//a") is not None else None)
        if link is not None and link.get("href"):
            doc, anchor = split_href(base, link.get("href"))
            out.append(Entry(_text(link), doc, anchor, depth))
        elif label is not None and _text(label):
            out.append(Entry(_text(label), None, None, depth))  # an unlinked heading over its entries
        for child in li:
            if local(child) in ("ol", "ul"):
                _walk_list(child, base, depth + 1, out)


def ncx_entries(arc: Archive, item: Item) -> list[Entry]:
    """The navMap of an EPUB 2 NCX, depth first."""
    root = _xml(arc, item.name)
    if root is None:
        return []
    base = posixpath.dirname(item.name)
    nav_map = next((el for el in root.iter() if local(el) == "navmap"), None)
    out: list[Entry] = []

    def walk(parent: etree._Element, depth: int) -> None:
        for point in parent:
            if local(point) != "navpoint":
                continue
            label = next((el for el in point.iter() if local(el) == "text"), None)
            content = next((el for el in point if local(el) == "content"), None)
            title = _text(label) if label is not None else ""
            if content is not None and content.get("src"):
                doc, anchor = split_href(base, content.get("src"))
                out.append(Entry(title, doc, anchor, depth))
            elif title:
                out.append(Entry(title, None, None, depth))
            walk(point, depth + 1)

    if nav_map is not None:
        walk(nav_map, 0)
    return out


def split_href(base: str, href: str) -> tuple[str | None, str | None]:
    """`../Text/ch1.xhtml#p3` relative to `base` -> ("OEBPS/Text/ch1.xhtml", "p3"); external links -> None."""
    href = href.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
        return None, None  # http:, mailto:, ...
    path, _, fragment = href.partition("#")
    doc = posixpath.normpath(posixpath.join(base, unquote(path))) if path else None
    return doc, unquote(fragment) or None


def _types(el: etree._Element) -> frozenset[str]:
    return frozenset((attr(el, "type") or "").lower().split())


def _in(el: etree._Element, ancestor: str) -> bool:
    parent = el.getparent()
    while parent is not None:
        if local(parent) == ancestor:
            return True
        parent = parent.getparent()
    return False


def _text(el: etree._Element) -> str:
    return clean("".join(el.itertext()), 200)


def _xml(arc: Archive, name: str) -> etree._Element | None:
    try:
        return etree.fromstring(arc.read(name), parser=_XML)
    except etree.XMLSyntaxError:
        return None


def _html(arc: Archive, name: str) -> etree._Element | None:
    return read_html(arc.read(name))
