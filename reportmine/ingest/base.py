"""The reader interface: bytes in, pages of blocks out, format found from the bytes.

Every format backend is a function ``read(data, name, options) -> ReadResult`` registered
under the kinds it produces; ``sniff`` decides which backend gets the bytes, never the file
extension alone (a PNG renamed to .docx is still a PNG).
"""

from __future__ import annotations

import zipfile
import io
from dataclasses import dataclass, field
from typing import Callable

from reportmine.document import Page


class ReadError(Exception):
    """A file that cannot be read; the message names the file and the reason."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class UnsupportedFormat(ReadError):
    pass


@dataclass
class ReadOptions:
    """Reader settings; the pipeline fills them from ``reportmine.config.Settings``."""

    ocr: bool = True
    max_pages: int = 2000
    max_chars: int = 6_000_000  # decoded characters per text file
    ocr_dpi: int = 200
    # a scanned page that carries an invisible OCR text layer (a "sandwich" PDF) is read
    # again by our OCR, the layer is kept where our reading finds much less text
    reocr_invisible_layers: bool = True
    progress: Callable[[int, int], None] | None = None  # (pages done, pages total)


@dataclass
class ReadResult:
    kind: str
    pages: list[Page]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)


Reader = Callable[[bytes, str, ReadOptions], ReadResult]
READERS: dict[str, Reader] = {}


def register(*formats: str):
    """Register a backend for the sniffed formats it reads."""

    def deco(fn: Reader) -> Reader:
        for f in formats:
            READERS[f] = fn
        return fn

    return deco


def sniff(data: bytes, name: str) -> str:
    """The format of ``data`` from its magic bytes: pdf, docx, zip, doc, png, jpeg, ..., text."""
    head = data[:16]
    if not data:
        raise ReadError(name, "empty file")
    if data.lstrip()[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            raise ReadError(name, "damaged zip container (not a readable DOCX or zip archive)")
        if "word/document.xml" in names:
            return "docx"
        if "mimetype" in names and "content.xml" in names:
            return "odt"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head[:2] == b"MZ" or head[:4] == b"\x7fELF":
        raise UnsupportedFormat(name, "an executable, not a document")
    probe = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith((b"<!doctype html", b"<html", b"<head", b"<meta")) or b"<html" in probe[:512]:
        return "html"
    return "text"
