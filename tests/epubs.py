"""Small EPUBs built in the test, so every case is visible in the code."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

CHAPTERS = [
    ("The Arrival", ["Ann came to the village in the rain.", '"Hello," said Ann.']),
    ("The Storm", ["The wind rose over the hills.", "Tom shut the shutters."]),
    ("The Departure", ["In the morning the sky was clear.", "They left together."]),
]


def png(width: int = 2, height: int = 2) -> bytes:
    """A tiny valid PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def epub3(path: Path, chapters: list[tuple[str, list[str]]] = CHAPTERS) -> Path:
    """EPUB 3 via ebooklib: cover, title page, copyright, nav; chapter files named to mislead."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("test-book")
    book.set_title("A Rainy Week")
    book.set_language("en")
    book.add_author("Jane Writer")
    book.set_cover("images/cover.png", png())
    title = epub.EpubHtml(title="Title", file_name="chapter1.xhtml")  # misleading: the title page
    title.content = "<html><body><p>A Rainy Week</p><p>Jane Writer</p></body></html>"
    copy = epub.EpubHtml(title="Copyright", file_name="chapter2.xhtml")
    copy.content = "<html><body><p>Copyright 2024 Jane Writer. All rights reserved.</p></body></html>"
    items = []
    for i, (name, paras) in enumerate(chapters):
        # no headings in the text; the names run backwards
        item = epub.EpubHtml(title=name, file_name=f"part{len(chapters) - i:02d}.xhtml")
        item.content = "<html><body>" + "".join(f"<p>{p}</p>" for p in paras) + "</body></html>"
        items.append(item)
    for item in [title, copy, *items]:
        book.add_item(item)
    book.toc = [epub.Link(title.file_name, "Title Page", "tp"), epub.Link(copy.file_name, "Copyright", "cp")] + [
        epub.Link(item.file_name, name, f"c{i}") for i, (item, (name, _)) in enumerate(zip(items, chapters))
    ]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["cover", "nav", title, copy, *items]
    epub.write_epub(str(path), book)
    return path


def epub2(path: Path, chapters: list[tuple[str, list[str]]] = CHAPTERS, entity: bool = False) -> Path:
    """EPUB 2 by hand: OPF with a guide, NCX table of contents, two chapters in one file (anchors)."""
    dtd = '<!DOCTYPE html [<!ENTITY boom "BOOM">]>' if entity else ""
    body1 = "".join(
        f'<h2 id="ch{i}">{name}</h2>' + "".join(f"<p>{p}</p>" for p in paras)
        for i, (name, paras) in enumerate(chapters[:2])
    )
    name3, paras3 = chapters[2]
    docs = {
        "OEBPS/cover.xhtml": '<html><body><div><img src="cover.png"/></div></body></html>',
        "OEBPS/text/a.xhtml": f'<?xml version="1.0"?>{dtd}<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f"<title>x</title></head><body>{body1}</body></html>",
        "OEBPS/text/b.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        + "".join(f"<p>{p}</p>" for p in paras3) + "</body></html>",
    }
    opf = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
<dc:title>Old Tales</dc:title><dc:creator opf:role="aut">Olde Author</dc:creator>
<dc:identifier id="id">x</dc:identifier><dc:language>en</dc:language><meta name="cover" content="cimg"/>
</metadata>
<manifest>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="cimg" href="cover.png" media-type="image/png"/>
<item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>
<item id="a" href="text/a.xhtml" media-type="application/xhtml+xml"/>
<item id="b" href="text/b.xhtml" media-type="application/xhtml+xml"/>
</manifest>
<spine toc="ncx"><itemref idref="cover"/><itemref idref="a"/><itemref idref="b"/></spine>
<guide><reference type="cover" title="Cover" href="cover.xhtml"/></guide>
</package>"""
    points = [("text/a.xhtml#ch0", chapters[0][0]), ("text/a.xhtml#ch1", chapters[1][0]), ("text/b.xhtml", name3)]
    ncx = ('<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>'
           + "".join(f'<navPoint id="n{i}" playOrder="{i + 1}"><navLabel><text>{t}</text></navLabel>'
                     f'<content src="{h}"/></navPoint>' for i, (h, t) in enumerate(points))
           + "</navMap></ncx>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" '
                    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile '
                    'full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
        zf.writestr("OEBPS/content.opf", opf)
        zf.writestr("OEBPS/toc.ncx", ncx)
        zf.writestr("OEBPS/cover.png", png())
        for name, content in docs.items():
            zf.writestr(name, content)
    return path


# ---------------------------------------------------------------------------------------------------------
# EPUBs written member by member, to imitate what producers really ship (and how they go wrong).

CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<rootfiles><rootfile full-path="{opf}" media-type="application/oebps-package+xml"/></rootfiles></container>')


def xhtml(body: str, title: str = "x", body_attrs: str = "") -> str:
    """An XHTML document around `body`."""
    return ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            f'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>{title}</title></head>'
            f"<body{body_attrs}>{body}</body></html>")


def nav_doc(entries: list, landmarks: list[tuple[str, str, str]] = ()) -> str:
    """A navigation document: entries are (title, href or None, [children]); landmarks (type, href, title)."""

    def items(es: list) -> str:
        out = []
        for title, href, children in es:
            label = f'<a href="{href}">{title}</a>' if href else f"<span>{title}</span>"
            out.append(f"<li>{label}{'<ol>' + items(children) + '</ol>' if children else ''}</li>")
        return "".join(out)

    marks = "".join(f'<li><a epub:type="{t}" href="{h}">{title}</a></li>' for t, h, title in landmarks)
    lm = f'<nav epub:type="landmarks"><ol>{marks}</ol></nav>' if landmarks else ""
    return xhtml(f'<nav epub:type="toc"><h1>Contents</h1><ol>{items(entries)}</ol></nav>{lm}', "Contents")


def ncx_doc(entries: list) -> str:
    """An NCX navMap: entries are (title, src, [children])."""
    count = [0]

    def points(es: list) -> str:
        out = []
        for title, src, children in es:
            count[0] += 1
            out.append(f'<navPoint id="n{count[0]}" playOrder="{count[0]}"><navLabel><text>{title}</text></navLabel>'
                       f'<content src="{src}"/>{points(children)}</navPoint>')
        return "".join(out)

    return ('<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
            f"<head/><docTitle><text>x</text></docTitle><navMap>{points(entries)}</navMap></ncx>")


def build(path: Path, docs: dict[str, str | bytes], spine: list, *, nav: str | None = None, ncx: str | None = None,
          title: str = "A Book", author: str = "An Author", guide: list[tuple[str, str]] = (),
          version: str = "3.0", opf: str = "OEBPS/content.opf", container: bool = True,
          extra: dict[str, bytes] | None = None) -> Path:
    """Write an EPUB: `docs` by name (relative to the OPF's folder), `spine` names or (name, linear)."""
    base = opf.rsplit("/", 1)[0] + "/" if "/" in opf else ""
    manifest = [f'<item id="d{i}" href="{name}" media-type="application/xhtml+xml"/>' for i, name in enumerate(docs)]
    ids = {name: f"d{i}" for i, name in enumerate(docs)}
    files = {base + name: content for name, content in docs.items()}
    if nav is not None:
        manifest.append('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>')
        files[base + "nav.xhtml"] = nav
    if ncx is not None:
        manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
        files[base + "toc.ncx"] = ncx
    refs = []
    for item in spine:
        name, linear = (item, True) if isinstance(item, str) else item
        off = "" if linear else ' linear="no"'
        refs.append(f'<itemref idref="{ids.get(name, "nav" if name == "nav.xhtml" else name)}"{off}/>')
    guide_xml = "".join(f'<reference type="{t}" title="{t}" href="{h}"/>' for t, h in guide)
    toc = ' toc="ncx"' if ncx is not None else ""
    package = (f'<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="{version}" '
               'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
               f'<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><dc:identifier id="id">x</dc:identifier>'
               f'<dc:language>en</dc:language></metadata><manifest>{"".join(manifest)}</manifest>'
               f'<spine{toc}>{"".join(refs)}</spine>'
               f'{"<guide>" + guide_xml + "</guide>" if guide else ""}</package>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        if container:
            zf.writestr("META-INF/container.xml", CONTAINER.format(opf=opf))
        zf.writestr(opf, package)
        for name, content in files.items():
            zf.writestr(name, content)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def words(n: int, seed: str = "rain") -> str:
    """A paragraph of n words of plain prose."""
    pool = f"The {seed} fell on the old town and everyone in the street went home to wait for the morning".split()
    return " ".join(pool[i % len(pool)] for i in range(n)) + "."


LICENCE = " ".join(["Project Gutenberg is a registered trademark. You may copy it, give it away or re-use it "
                    "under the terms of the Project Gutenberg License included with this ebook."] * 40)


def standard_ebooks(path: Path) -> Path:
    """Standard Ebooks' layout: titlepage, imprint, a part over its chapters, endnotes, colophon, uncopyright."""
    def section(kind: str, inner: str, division: str = "bodymatter") -> str:
        return xhtml(f'<section epub:type="{kind}">{inner}</section>', body_attrs=f' epub:type="{division}"')

    docs = {
        "text/titlepage.xhtml": section("titlepage", "<h1>The Lighthouse</h1><p>By Mara Vell.</p>", "frontmatter"),
        "text/imprint.xhtml": section("imprint", "<h2>Imprint</h2><p>This ebook is the product of many hours of work "
                                      "by volunteers for Standard Ebooks, based on a transcription from Project "
                                      "Gutenberg.</p>", "frontmatter"),
        "text/part-1.xhtml": section("part", '<h2><span epub:type="label">Part</span> '
                                     '<span epub:type="ordinal">I</span></h2>'),
        "text/chapter-1.xhtml": section("chapter", '<h3 epub:type="ordinal">I</h3><p>' + words(40) +
                                        ' The keeper lit the lamp<a href="endnotes.xhtml#note-1" id="noteref-1" '
                                        'epub:type="noteref">1</a> at dusk.</p><p>' + words(30, "wind") + "</p>"),
        "text/chapter-2.xhtml": section("chapter", '<h3 epub:type="ordinal">II</h3><p>' + words(60, "sea") + "</p>"),
        "text/endnotes.xhtml": section("endnotes", '<h2>Endnotes</h2><ol><li id="note-1" epub:type="endnote"><p>'
                                       'The lamp burned whale oil until 1870. <a href="chapter-1.xhtml#noteref-1" '
                                       'epub:type="backlink">\u21a9</a></p></li></ol>', "backmatter"),
        "text/colophon.xhtml": section("colophon", "<h2>Colophon</h2><p>The Lighthouse was compiled by volunteers "
                                       "and is set in a typeface of its own.</p>", "backmatter"),
        "text/uncopyright.xhtml": section("copyright-page", "<h2>Uncopyright</h2><p>May you do good and not evil. "
                                          "The creators dedicate their work to the public domain.</p>", "backmatter"),
    }
    entries = [("Titlepage", "text/titlepage.xhtml", []), ("Imprint", "text/imprint.xhtml", []),
               ("Part I", "text/part-1.xhtml", [("I", "text/chapter-1.xhtml", []), ("II", "text/chapter-2.xhtml", [])]),
               ("Endnotes", "text/endnotes.xhtml", []), ("Colophon", "text/colophon.xhtml", []),
               ("Uncopyright", "text/uncopyright.xhtml", [])]
    landmarks = [("frontmatter titlepage", "text/titlepage.xhtml", "Titlepage"),
                 ("bodymatter z3998:fiction", "text/part-1.xhtml", "The Lighthouse"),
                 ("backmatter endnotes", "text/endnotes.xhtml", "Endnotes")]
    return build(path, docs, list(docs), nav=nav_doc(entries, landmarks), title="The Lighthouse", author="Mara Vell")


def calibre(path: Path) -> Path:
    """calibre's layout: partNNNN.html files, an NCX-only EPUB 2, filepos anchors, a guide, footnotes at the back."""
    p = "<p class=\"calibre1\">{}</p>"
    docs = {
        "part0000.html": xhtml('<div class="calibre"><p class="calibre2">THE MILL</p><p class="calibre3">Ida Stone</p>'
                               '<p class="calibre3">Copyright \u00a9 2009 Ida Stone. All rights reserved.</p></div>'),
        "part0001.html": xhtml('<div class="calibre"><p class="calibre2">Contents</p>'
                               '<p class="calibre4"><a href="part0002.html#filepos100">One</a></p>'
                               '<p class="calibre4"><a href="part0002.html#filepos900">Two</a></p>'
                               '<p class="calibre4"><a href="part0003.html">Three</a></p></div>'),
        "part0002.html": xhtml('<div class="calibre"><p id="filepos100" class="calibre2">ONE</p>' + p.format(words(50, "mill"))
                               + p.format('The wheel stopped.<sup class="calibre5"><a href="part0004.html#fn1" '
                                          'id="ref1">1</a></sup> Nobody knew why.')
                               + '<p id="filepos900" class="calibre2">TWO</p>' + p.format(words(45, "river")) + "</div>"),
        "part0003.html": xhtml('<div class="calibre"><p class="calibre2">THREE</p>' + p.format(words(55, "flour")) + "</div>"),
        "part0004.html": xhtml('<div class="calibre"><p class="calibre2">Notes</p><p class="calibre1" id="fn1">'
                               '<a href="part0002.html#ref1">1</a> A mill wheel stops when the race runs dry.</p></div>'),
    }
    ncx = ncx_doc([("Title Page", "part0000.html", []), ("Contents", "part0001.html", []),
                   ("One", "part0002.html#filepos100", []), ("Two", "part0002.html#filepos900", []),
                   ("Three", "part0003.html", []), ("Notes", "part0004.html", [])])
    return build(path, docs, list(docs), ncx=ncx, version="2.0", title="The Mill", author="Ida Stone",
                 guide=[("title-page", "part0000.html"), ("toc", "part0001.html"), ("text", "part0002.html")])


def gutenberg_single_file(path: Path, chapters: int = 2) -> Path:
    """Project Gutenberg's EPUB, with the whole book in one file: header, title page, contents, chapters at
    TOC anchors, an illustration whose caption the TOC lists, a footnote, the licence at the end."""
    body = (
        '<section class="pg-boilerplate pgheader" id="pg-header"><h2>The Project Gutenberg eBook of The Orchard</h2>'
        "<div>This ebook is for the use of anyone anywhere in the United States and most other parts of the world "
        "at no cost and with almost no restrictions whatsoever.</div><p>Title: The Orchard</p><p>Author: Tom Reed</p>"
        "<div>*** START OF THE PROJECT GUTENBERG EBOOK THE ORCHARD ***</div></section>"
        '<h1 id="t1">THE ORCHARD</h1><h3 id="t2">A Tale</h3><h2>by Tom Reed</h2>'
        '<h2 id="toc">CONTENTS</h2><table><tr><td><a class="pginternal" href="#c1">CHAPTER I. THE SEED</a></td></tr>'
        '<tr><td><a class="pginternal" href="#c2">CHAPTER II. THE TREE</a></td></tr></table>'
        '<div class="chapter"><h2 id="c1"><a id="link1"></a>CHAPTER I.<br/>THE SEED</h2><p>' + words(60, "seed") + "</p>"
        '<div class="fig"><img src="i1.jpg" alt="The seed in the ground"/></div><h4 id="i1"><i>The seed in the ground</i></h4>'
        '<p>' + words(40, "soil") + '<a class="fnanchor" href="#fn1" id="fr1">[1]</a> and the roots grew.</p>'
        '<p><span class="pagenum"><a id="Page_7">[Pg 7]</a></span>' + words(30, "root") + "</p>"
        '<div class="footnotes"><h3>FOOTNOTES:</h3><div class="footnote"><p><a id="fn1" href="#fr1">[1]</a> '
        "An apple seed takes years to fruit.</p></div></div></div>"
        + ('<div class="chapter"><h2 id="c2">CHAPTER II.<br/>THE TREE</h2><p>' + words(70, "tree") + "</p></div>"
           if chapters > 1 else "")
        + '<section class="pg-boilerplate pgfooter" id="pg-footer"><div>*** END OF THE PROJECT GUTENBERG EBOOK THE ORCHARD ***'
        f'</div><h2 id="lic">THE FULL PROJECT GUTENBERG LICENSE</h2><div>{LICENCE}</div></section>'
    )
    entries = [("The Orchard", "book.xhtml#t1", []), ("A Tale", "book.xhtml#t2", []), ("CONTENTS", "book.xhtml#toc", []),
               ("CHAPTER I. THE SEED", "book.xhtml#c1", [("The seed in the ground", "book.xhtml#i1", [])]),
               ("CHAPTER II. THE TREE", "book.xhtml#c2", []),
               ("THE FULL PROJECT GUTENBERG LICENSE", "book.xhtml#lic", [])]
    entries = [e for e in entries if chapters > 1 or "#c2" not in e[1]]
    return build(path, {"book.xhtml": xhtml(body)}, ["book.xhtml"], nav=nav_doc(entries), ncx=ncx_doc(entries),
                 title="The Orchard", author="Tom Reed")
