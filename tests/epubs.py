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
