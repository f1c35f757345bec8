"""Malformed EPUBs: one clean line naming the file and the problem, exit 2; or read when the book is there."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotale.cli import cli
from epubs import CONTAINER, build, png, words, xhtml

DOCS = {"a.xhtml": xhtml(f"<h1>Chapter 1</h1><p>{words(30, 'oak')}</p>"),
        "b.xhtml": xhtml(f"<h1>Chapter 2</h1><p>{words(30, 'elm')}</p>")}


def run(path: Path) -> object:
    return CliRunner().invoke(cli, ["script", str(path)])


def one_line_error(result: object, path: Path, needle: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: "), result.stderr
    assert needle in lines[0], lines[0]


def good(tmp_path: Path, **kwargs: object) -> Path:
    return build(tmp_path / "good.epub", DOCS, list(DOCS), **kwargs)


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _truncated(tmp_path: Path) -> Path:
    data = good(tmp_path).read_bytes()
    p = tmp_path / "cut.epub"
    p.write_bytes(data[: len(data) // 2])
    return p


def _docx(tmp_path: Path) -> Path:
    return _zip(tmp_path / "report.epub", {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def _no_package(tmp_path: Path) -> Path:
    return _zip(tmp_path / "hollow.epub", {"mimetype": "application/epub+zip",
                                          "META-INF/container.xml": CONTAINER.format(opf="OEBPS/content.opf"),
                                          "OEBPS/a.xhtml": DOCS["a.xhtml"]})


def _drm(tmp_path: Path) -> Path:
    enc = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><EncryptedData '
           'xmlns="http://www.w3.org/2001/04/xmlenc#"><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
           '<CipherData><CipherReference URI="OEBPS/a.xhtml"/></CipherData></EncryptedData></encryption>')
    return good(tmp_path, extra={"META-INF/encryption.xml": enc.encode()})


def _not_a_package(tmp_path: Path) -> Path:
    return _zip(tmp_path / "odd.epub", {"META-INF/container.xml": CONTAINER.format(opf="content.opf"),
                                       "content.opf": "<html><body>not a package</body></html>"})


def _bytes(name: str, data: bytes):  # noqa: ANN202
    def make(tmp_path: Path) -> Path:
        (tmp_path / name).write_bytes(data)
        return tmp_path / name

    return make


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_bytes("empty.epub", b""), "is empty (0 bytes)"),
        (lambda t: _zip(t / "nothing.epub", {}), "an empty zip archive"),
        (_truncated, "a truncated or damaged zip archive"),
        (_docx, "a Word document (.docx) renamed to .epub"),
        (_bytes("photo.epub", png()), "a PNG image, not an EPUB"),
        (_bytes("old.epub", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "a Word (.doc) or other Office file"),
        (_no_package, "names OEBPS/content.opf, which is not in the archive"),
        (_drm, "is DRM-protected"),
        (_not_a_package, "content.opf is not a package document"),
    ],
)
def test_malformed_epubs_are_one_clean_line(tmp_path: Path, make, needle: str) -> None:
    path = make(tmp_path)
    one_line_error(run(path), path, needle)


def test_no_container_xml_reads_the_package_it_finds(tmp_path: Path) -> None:
    path = good(tmp_path, container=False)
    result = run(path)
    assert result.exit_code == 0, result.output
    assert "no META-INF/container.xml; read the package document OEBPS/content.opf" in result.stderr
    assert "## Chapter 2" in result.stdout


def test_duplicate_member_names_read_the_first_copy(tmp_path: Path) -> None:
    path = good(tmp_path)
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("OEBPS/b.xhtml", xhtml("<h1>Impostor</h1><p>Not this one.</p>"))
    result = run(path)
    assert result.exit_code == 0, result.output
    assert "appear twice inside (first: OEBPS/b.xhtml); read the first copy" in result.stderr
    assert "elm fell" in result.stdout and "Impostor" not in result.stdout


class _Cp1252Name(zipfile.ZipInfo):
    """A member name written as cp1252 bytes without the UTF-8 flag, as some old tools do."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own name
        return self.filename.encode("cp1252"), self.flag_bits


def test_member_names_not_in_utf8_are_found(tmp_path: Path) -> None:
    path = tmp_path / "accents.epub"
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0"><metadata '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Caf\u00e9</dc:title></metadata><manifest>'
           '<item id="c" href="caf%C3%A9.xhtml" media-type="application/xhtml+xml"/></manifest>'
           '<spine><itemref idref="c"/></spine></package>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("META-INF/container.xml", CONTAINER.format(opf="content.opf"))
        zf.writestr("content.opf", opf)
        zf.writestr(_Cp1252Name("caf\u00e9.xhtml"), xhtml(f"<h1>Chapter 1</h1><p>{words(30, 'cafe')}</p>"))
    path.write_bytes(buf.getvalue())
    result = run(path)
    assert result.exit_code == 0, result.output
    assert "cafe fell" in result.stdout


def test_a_spine_document_missing_from_the_archive_is_named(tmp_path: Path) -> None:
    path = build(tmp_path / "gap.epub", DOCS, list(DOCS))
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("b.xhtml"):
                dst.writestr(info, src.read(info))
    path.write_bytes(data.getvalue())
    result = run(path)
    assert result.exit_code == 0, result.output
    assert "1 document(s) of the reading order are missing from the archive (first: OEBPS/b.xhtml)" in result.stderr
