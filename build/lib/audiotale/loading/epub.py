"""EPUB 2 and 3 -> Book: the spine's text, its sections from the table of contents, what not to read.

The text is every spine document's blocks in reading order, one blank line apart. Sections start
where table-of-contents entries point (a document, or an #anchor inside one: a single file may hold
the whole book); file names mean nothing. When the entries point nowhere, the spine documents are the
sections. Parts not read (front and back matter by epub:type, landmarks and guide; notes, figures,
note markers, page numbers; documents outside the reading order) stay in the text as skipped spans.
The chapter stage then decides which sections are chapters.
"""

from __future__ import annotations

import bisect
import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from ..datatypes import Book, Chapter, Reason, Skip
from ..errors import InputError
from . import archive, matter, package, xhtml
from .archive import Archive, clean
from .package import Entry, Package

log = logging.getLogger(__name__)

MAX_TITLE = 200  # characters of a chapter title
NOT_STARTS = {Reason.ILLUSTRATION, Reason.NOTE, Reason.NOTE_MARKER, Reason.PAGE_NUMBER}
SUBSECTION_WORDS = 150  # a TOC entry with this much text before its first child: the children are subsections
CHAPTER_TITLE = re.compile(r"(?:chapter|letter|stave|canto|book|part)\b|[ivxlcdm]+\.?$|\d+\.?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Mark:
    doc: int
    block: int
    title: str
    depth: int


def load_epub(path: Path) -> Book:
    """Read an EPUB 2 or 3 file into a Book with its sections and skipped parts."""
    zf, arc = archive.open_archive(path)
    with zf:
        pkg = package.read_package(arc, archive.package_path(arc))
        docs, linear = _read_spine(arc, pkg)
        toc = _table_of_contents(arc, pkg, docs)
        landmarks = list(pkg.guide)
        if pkg.nav is not None and arc.find(pkg.nav.name):
            landmarks += package.nav_entries(arc, pkg.nav)[1]
        cover = _cover(arc, pkg)
    if not any(b.text for d in docs for b in d.blocks):
        raise InputError(f"{path}: has no readable text in its spine; check the EPUB is not image-only or DRM-locked")
    index = {d.name: i for i, d in enumerate(docs)}
    named = {index[e.doc] for e in toc if e.doc in index}
    reasons: dict[tuple[int, int], Reason] = {}
    refs = _notes(docs, index, reasons)
    marks = _marks(toc, docs, index)
    _matter(landmarks, docs, index, marks, reasons)
    _contents_lists(docs, reasons)
    for i, doc in enumerate(docs):
        whole = Reason.CONTENTS if pkg.nav and doc.name == pkg.nav.name else (
            Reason.NON_LINEAR if not linear[i] and i not in named else None)
        for b in range(len(doc.blocks)):
            if whole is not None and doc.blocks[b].reason is None:
                reasons.setdefault((i, b), whole)
    text, offsets, skipped = _assemble(docs, reasons, refs)
    marks = [m for m in marks if not _names_a_picture(m, docs, reasons)]
    if not marks:
        marks = _spine_marks(docs, reasons)
    sections = _sections(marks, offsets, docs, reasons, len(text))
    title = clean(pkg.title or path.stem, MAX_TITLE)
    author = " and ".join(clean(a, MAX_TITLE) for a in pkg.authors[:3]) or None
    return Book(path=path, text=text, title=title, author=author, chapters=tuple(sections), cover=cover,
                skipped=tuple(skipped))


def _read_spine(arc: Archive, pkg: Package) -> tuple[list[xhtml.Document], list[bool]]:
    """Parse the spine's documents (each once), noting which are outside the reading order."""
    spine = pkg.spine or [(i, True) for i in pkg.manifest.values() if i.media_type in package.DOCUMENT_TYPES]
    if not pkg.spine and spine:
        log.warning("%s: the package document has no spine; read its documents in manifest order", arc.path)
    docs: list[xhtml.Document] = []
    linear: list[bool] = []
    seen: set[str] = set()
    missing: list[str] = []
    for item, is_linear in spine:
        is_doc = item.media_type in package.DOCUMENT_TYPES or item.name.lower().endswith((".xhtml", ".html", ".htm"))
        if not is_doc or item.name in seen:
            continue
        seen.add(item.name)
        found = arc.find(item.name)
        if found is None:
            missing.append(item.name)
            continue
        docs.append(xhtml.parse(item.name, arc.read(found), _resolver(item.name)))
        linear.append(is_linear)
    if missing:
        log.warning("%s: %d document(s) of the reading order are missing from the archive (first: %s); "
                    "read the rest", arc.path, len(missing), clean(missing[0]))
    return docs, linear


def _resolver(name: str) -> xhtml.Resolver:
    """Links of the document `name` -> (document, anchor); (None, None) for links out of the book."""
    base = posixpath.dirname(name)

    def resolve(href: str) -> tuple[str | None, str | None]:
        doc, anchor = package.split_href(base, href)
        if doc is None and anchor is None:
            return None, None
        return doc or name, anchor

    return resolve


def _table_of_contents(arc: Archive, pkg: Package, docs: list[xhtml.Document]) -> list[Entry]:
    """The nav's or the NCX's entries, whichever points into the spine more; [] when neither does."""
    names = {d.name for d in docs}
    candidates: list[list[Entry]] = []
    for item, read in ((pkg.nav, lambda i: package.nav_entries(arc, i)[0]), (pkg.ncx, lambda i: package.ncx_entries(arc, i))):
        if item is not None and arc.find(item.name):
            candidates.append(read(item))
    best: list[Entry] = []
    score = 0
    for entries in candidates:  # the nav first: on a tie it wins (EPUB 3 makes it the normative one)
        hits = len({(e.doc, e.anchor) for e in entries if e.doc in names})
        if hits > score:
            best, score = entries, hits
    linked = [e for e in best if e.doc is not None]
    if linked and score * 2 < len({(e.doc, e.anchor) for e in linked}):
        log.warning("%s: most table-of-contents entries point to documents that are not there; "
                    "chapters follow the reading order instead", arc.path)
        return []
    return best


def _marks(toc: list[Entry], docs: list[xhtml.Document], index: dict[str, int]) -> list[_Mark]:
    """Where each entry points (an unlinked heading: where its first entry points), in reading order."""
    marks: list[_Mark] = []
    for i, e in enumerate(toc):
        target: Entry | None = e
        if e.doc is None:  # an unlinked nav heading takes the place of its first linked entry
            target = None
            for c in toc[i + 1 :]:
                if c.depth <= e.depth:
                    break
                if c.doc is not None:
                    target = c
                    break
        if target is None or target.doc not in index:
            continue
        d = index[target.doc]
        block: int | None = 0
        if target.anchor:
            found = docs[d].anchors.get(target.anchor)
            # An anchor the document lacks: the heading that bears the entry's title, after the last mark.
            after = max((m.block for m in marks if m.doc == d), default=-1)
            block = found[0] if found else _heading_named(docs[d], target.title, after)
        if block is None:
            continue
        block = min(block, max(0, len(docs[d].blocks) - 1))
        marks.append(_Mark(d, block, _title(e.title), e.depth))
    marks.sort(key=lambda m: (m.doc, m.block))  # stable: a part keeps its place before its first chapter
    return marks


def _heading_named(doc: xhtml.Document, title: str, after: int) -> int | None:
    """The first heading after block `after` whose text is the title (an entry whose anchor is lost)."""
    for b in range(after + 1, len(doc.blocks)):
        block = doc.blocks[b]
        if block.heading and xhtml.same_text(block.text, title):
            return b
    return None


def _notes(docs: list[xhtml.Document], index: dict[str, int], reasons: dict[tuple[int, int], Reason]
           ) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Blocks that note markers point to, forward, are notes; note block -> (doc, block, offset) of its marker."""
    refs: dict[tuple[int, int], tuple[int, int, int]] = {}
    for d, doc in enumerate(docs):
        for b, block in enumerate(doc.blocks):
            for link in block.links:
                if not link.marker or link.doc not in index:
                    continue
                t = index[link.doc]
                span = docs[t].anchors.get(link.anchor or "")
                if span is None or (t, span[0]) <= (d, b) or docs[t].blocks[span[0]].heading:
                    continue  # a back link, or a link to a chapter's heading
                for nb in range(span[0], min(span[1], span[0] + 20, len(docs[t].blocks))):
                    reasons.setdefault((t, nb), Reason.NOTE)
                    refs.setdefault((t, nb), (d, b, link.start))
    return refs


def _matter(landmarks: list[Entry], docs: list[xhtml.Document], index: dict[str, int], marks: list[_Mark],
            reasons: dict[tuple[int, int], Reason]) -> None:
    """Landmarks and guide references to front or back matter: from the target to the next TOC entry."""
    starts = sorted((m.doc, m.block) for m in marks)
    for e in landmarks:
        if e.doc not in index:
            continue
        d = index[e.doc]
        reason = matter.for_types(e.types, back=d > len(docs) / 2)
        if reason is None:
            continue
        first, end = docs[d].anchors.get(e.anchor or "", (0, len(docs[d].blocks))) if e.anchor else (0, len(docs[d].blocks))
        if e.anchor and end - first <= 1:
            end = len(docs[d].blocks)
        nxt = next((b for dd, b in starts if dd == d and first < b < end), end)
        for b in range(first, nxt):
            reasons.setdefault((d, b), reason)


def _contents_lists(docs: list[xhtml.Document], reasons: dict[tuple[int, int], Reason]) -> None:
    """Runs of blocks that are mostly internal links (a contents page no TOC entry names) are contents."""
    for d, doc in enumerate(docs):
        dense = [_link_share(b) >= 0.6 for b in doc.blocks]
        b = 0
        while b < len(doc.blocks):
            if not dense[b]:
                b += 1
                continue
            end = b
            while end < len(doc.blocks) and dense[end]:
                end += 1
            links = sum(len(doc.blocks[i].links) for i in range(b, end))
            if end - b >= 3 or links >= 5:
                start = b - 1 if b > 0 and doc.blocks[b - 1].heading else b
                for i in range(start, end):
                    reasons.setdefault((d, i), Reason.CONTENTS)
            b = end


def _link_share(block: xhtml.Block) -> float:
    letters = len(re.sub(r"\W", "", block.text))
    linked = sum(len(re.sub(r"\W", "", block.text[ln.start : ln.end])) for ln in block.links if not ln.marker)
    return linked / letters if letters else 0.0


def _assemble(docs: list[xhtml.Document], reasons: dict[tuple[int, int], Reason],
              refs: dict[tuple[int, int], tuple[int, int, int]]) -> tuple[str, dict[tuple[int, int], int], list[Skip]]:
    """The book's text: blocks one blank line apart; where each block starts; the skipped spans."""
    pieces: list[str] = []
    offsets: dict[tuple[int, int], int] = {}
    skipped: list[Skip] = []
    pos = 0
    for d, doc in enumerate(docs):
        for b, block in enumerate(doc.blocks):
            if pieces:
                pieces.append("\n\n")
                pos += 2
            offsets[(d, b)] = pos
            pieces.append(block.text)
            reason = block.reason or reasons.get((d, b))
            if reason is not None:
                skipped.append(Skip(pos, pos + len(block.text), reason))
            else:
                skipped += [Skip(pos + s, pos + e, r) for s, e, r in block.skips]
            pos += len(block.text)
    # A note knows where its marker is, to be read after the chapter that refers to it.
    by_start = {sk.start: i for i, sk in enumerate(skipped)}
    for key, (d, b, start) in refs.items():
        if key in offsets and (d, b) in offsets:
            i = by_start.get(offsets[key])
            if i is not None and skipped[i].reason is Reason.NOTE:
                skipped[i] = Skip(skipped[i].start, skipped[i].end, Reason.NOTE, offsets[(d, b)] + start)
    return "".join(pieces), offsets, skipped


def _names_a_picture(m: _Mark, docs: list[xhtml.Document], reasons: dict[tuple[int, int], Reason]) -> bool:
    """A TOC entry for an illustration or a note (a sub-entry, or titled with the caption) is no chapter start."""
    block = docs[m.doc].blocks[m.block] if docs[m.doc].blocks else None
    if block is None:
        return False
    reason = block.reason or reasons.get((m.doc, m.block))
    return reason in NOT_STARTS and (m.depth > 0 or xhtml.same_text(block.text, m.title))


def _spine_marks(docs: list[xhtml.Document], reasons: dict[tuple[int, int], Reason]) -> list[_Mark]:
    """No usable table of contents: each spine document with text to read starts a section, and so does
    each of its top-level headings when it has several (one file holding the whole book)."""
    marks = []
    for d, doc in enumerate(docs):
        readable = [b for b, block in enumerate(doc.blocks) if block.reason is None and (d, b) not in reasons]
        if not readable:
            continue
        levels = [doc.blocks[b].heading for b in readable if doc.blocks[b].heading]
        top = min(levels, default=0)
        heads = [b for b in readable if doc.blocks[b].heading == top] if top and levels.count(top) >= 2 else []
        if heads:
            marks += [_Mark(d, b if i else 0, _title(doc.blocks[b].text), 0) for i, b in enumerate(heads)]
            continue
        heading = next((doc.blocks[b].text for b in readable[:8] if 0 < doc.blocks[b].heading <= 3), None)
        first = doc.blocks[readable[0]].text
        title = heading or (doc.title if doc.title and len(doc.title) <= 80 else None) or (
            first if len(first) <= 80 else f"Section {len(marks) + 1}")
        marks.append(_Mark(d, 0, _title(title), 0))
    return marks


def _sections(marks: list[_Mark], offsets: dict[tuple[int, int], int], docs: list[xhtml.Document],
              reasons: dict[tuple[int, int], Reason], length: int) -> list[Chapter]:
    """Sections from the marks: entries at one place share a title; subsections of a long entry go."""
    order = sorted(offsets.items(), key=lambda kv: kv[1])
    starts = [at for _, at in order]
    words = [0]  # words read in the blocks before each block (headings aside)
    for (d, b), _at in order:
        block = docs[d].blocks[b]
        readable = block.reason is None and (d, b) not in reasons and not block.heading
        words.append(words[-1] + (len(block.text.split()) if readable else 0))
    keys = [key for key, _ in order]
    located: list[tuple[int, str, int]] = []  # offset, title, depth
    for m in marks:
        at = offsets.get((m.doc, m.block))
        if at is None:  # an empty document: its section starts at the next block there is
            i = bisect.bisect_left(keys, (m.doc, m.block))
            at = order[i][1] if i < len(order) else length
        located.append((at, m.title, m.depth))
    located.sort(key=lambda x: x[0])
    kept: list[tuple[int, str, int]] = []
    parents: list[tuple[int, int, bool | None]] = []  # (offset, depth, its children are chapters) of open entries
    for at, title, depth in located:
        while parents and parents[-1][1] >= depth:
            parents.pop()
        if parents and parents[-1][2] is False:
            continue  # a subsection of a chapter with text of its own: part of that chapter
        if parents and parents[-1][2] is None and not CHAPTER_TITLE.match(title):
            parent_at = parents[-1][0]
            between = words[bisect.bisect_left(starts, at)] - words[bisect.bisect_left(starts, parent_at)]
            parents[-1] = (parent_at, parents[-1][1], between < SUBSECTION_WORDS)
            if between >= SUBSECTION_WORDS:
                continue
        parents.append((at, depth, None))  # whether its children are chapters: decided at the first one
        if kept and kept[-1][0] == at:
            if title and title.lower() not in kept[-1][1].lower():
                kept[-1] = (at, f"{kept[-1][1]}: {title}" if kept[-1][1] else title, kept[-1][2])
            continue
        kept.append((at, title, depth))
    return [Chapter(i + 1, title, at, kept[i + 1][0] if i + 1 < len(kept) else length)
            for i, (at, title, _depth) in enumerate(kept)]


def _title(title: str) -> str:
    return clean(title.replace("\u00b6", ""), MAX_TITLE)


def _cover(arc: Archive, pkg: Package) -> bytes | None:
    if pkg.cover is None or arc.find(pkg.cover.name) is None:
        return None
    try:
        data = arc.read(pkg.cover.name)
    except InputError:
        return None
    return data if data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" else None
