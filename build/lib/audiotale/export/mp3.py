"""The book's MP3, written directly: ID3 tags and chapters, an Info frame, then the chapters' streams.

Each chapter is a bare MPEG audio stream (no tags, no Info frame) from the encoder. A book is
those streams one after another, so it is written by copying bytes: no ffmpeg pass over the whole
book (issue #14: that join cost a fixed 12 s and grew with the book). The Info frame in front
holds the frame count, byte count and seek table, as ffmpeg's muxer writes it, so players show the
exact length and seek in constant time; the ID3v2.3 tag holds title, author, cover and one CHAP
frame per chapter (with a CTOC listing them in order), placed at the frame where its stream starts.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Bitrates (kbps) by MPEG version (1, or 2/2.5) and index, Layer III; sample rates by version bits.
_KBPS = {1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
         2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]}
_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


@dataclass(frozen=True, slots=True)
class StreamInfo:
    frames: int  # audio frames
    samples_per_frame: int  # 1152 for MPEG-1, 576 for MPEG-2 and 2.5
    sample_rate: int
    first_header: bytes  # the first frame's 4 header bytes (b"" for an empty stream)


def _frame(data: bytes | memoryview, pos: int) -> tuple[int, int, int, int] | None:
    """(size, samples per frame, sample rate, side info bytes) of a Layer III frame header at `pos`."""
    if data[pos] != 0xFF or (data[pos + 1] & 0xE0) != 0xE0:
        return None
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3  # version 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    bitrate, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if layer != 1 or version == 1 or bitrate in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    rate = _RATES[version][rate_index]
    spf = 1152 if mpeg1 else 576
    size = (spf // 8) * _KBPS[1 if mpeg1 else 2][bitrate] * 1000 // rate + padding
    mono = (b3 >> 6) == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return size, spf, rate, side


def probe(path: Path) -> StreamInfo:
    """Frames, samples per frame and sample rate of a bare MP3 stream (no ID3, no Info frame)."""
    data = memoryview(path.read_bytes())
    pos = frames = 0
    spf, rate, first = 1152, 0, b""
    while pos + 4 <= len(data):
        found = _frame(data, pos)
        if found is None:
            pos += 1
            continue
        size, spf, rate, _side = found
        if not first:
            first = bytes(data[pos : pos + 4])
        frames += 1
        pos += size
    return StreamInfo(frames, spf, rate, first)


def info_frame(first_header: bytes, frames: int, audio_bytes: int) -> bytes:
    """A Xing "Info" frame (CBR) with a LAME tag, as ffmpeg's muxer writes it for a stream copy.

    The LAME tag's encoder delay is 0, as ffmpeg writes when it copies a stream: decoders then
    drop only the decoder's own 529 samples, so the book decodes exactly as before (issue #14).
    """
    header = bytearray(first_header)
    header[2] &= ~0x02  # no padding byte
    size, _spf, _rate, side = _frame(bytes(header), 0)  # type: ignore[misc]
    frame = bytearray(size)
    frame[:4] = header
    total = size + audio_bytes
    at = 4 + side
    toc = bytes(256 * i // 100 for i in range(100))
    xing = b"Info" + struct.pack(">IIII", 0x0F, frames, total, 0)[:12] + toc + struct.pack(">I", 0)
    frame[at : at + len(xing)] = xing
    lame = at + len(xing)
    frame[lame : lame + 9] = b"LAME3.100"  # the encoder of every frame here (libmp3lame)
    frame[lame + 28 : lame + 32] = struct.pack(">I", total)  # music length
    # Bytes lame+32..33 are the music CRC, left 0: computing it would mean reading the whole book.
    crc = _crc16(bytes(frame[:190]))
    frame[lame + 34 : lame + 36] = struct.pack(">H", crc)
    return bytes(frame)


def _crc16(data: bytes) -> int:
    """CRC-16/ARC (LAME's tag checksum)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def id3_tag(title: str, artist: str, album: str, chapters: Sequence[tuple[str, int, int]],
            cover: bytes | None = None, track: str | None = None) -> bytes:
    """An ID3v2.3 tag: title, artist, album, genre, cover and chapters (title, start ms, end ms)."""
    import tempfile

    from mutagen.id3 import APIC, CHAP, CTOC, ID3, TALB, TCON, TIT2, TPE1, TPE2, TRCK, CTOCFlags, PictureType

    tag = ID3()
    tag.add(TIT2(encoding=3, text=[title]))
    tag.add(TALB(encoding=3, text=[album]))
    tag.add(TPE1(encoding=3, text=[artist]))
    tag.add(TPE2(encoding=3, text=[artist]))
    tag.add(TCON(encoding=3, text=["Audiobook"]))
    if track:
        tag.add(TRCK(encoding=3, text=[track]))
    if cover:
        mime = "image/png" if cover[:4] == b"\x89PNG" else "image/jpeg"
        tag.add(APIC(encoding=3, mime=mime, type=PictureType.COVER_FRONT, desc="Cover", data=cover))
    ids = [f"ch{i}" for i in range(len(chapters))]
    for element, (name, start, end) in zip(ids, chapters):
        tag.add(CHAP(element_id=element, start_time=start, end_time=end, start_offset=0xFFFFFFFF,
                     end_offset=0xFFFFFFFF, sub_frames=[TIT2(encoding=3, text=[name])]))
    if chapters:
        tag.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                     sub_frames=[]))
    # mutagen writes tags into files only: render the tag into an empty temporary one.
    with tempfile.NamedTemporaryFile(suffix=".id3") as f:
        tag.save(f.name, v2_version=3, v1=0, padding=lambda _info: 0)
        return Path(f.name).read_bytes()


def write(streams: Sequence[Path], frames: int, first_header: bytes, tag: bytes, out: Path) -> None:
    """Write `tag`, an Info frame and the streams' bytes to `out`, atomically."""
    audio_bytes = sum(p.stat().st_size for p in streams)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as f:
            f.write(tag)
            if first_header:
                f.write(info_frame(first_header, frames, audio_bytes))
            for p in streams:
                with open(p, "rb") as src:
                    shutil.copyfileobj(src, f, 1 << 20)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
