"""Ingestion: one reader per format behind one interface (see ``base``).

``read_document`` turns a file (path or bytes) into a ``Document`` whose pages hold
blocks in reading order; everything after it works on that document only.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from pathlib import Path

from reportmine.document import Document
from reportmine.ingest.base import READERS, ReadError, ReadOptions, ReadResult, UnsupportedFormat, sniff

# Backends register themselves on import; a backend whose dependencies are missing is
# skipped here and its formats answer "not supported" with the reason.
_BACKENDS = ("text", "pdf", "docx", "image", "doc", "html")
_MISSING: dict[str, str] = {}
for _mod in _BACKENDS:
    try:
        importlib.import_module(f"reportmine.ingest.{_mod}")
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
        if exc.name and exc.name.startswith("reportmine.ingest"):
            continue
        _MISSING[_mod] = str(exc)

# extensions of binary formats: bytes that sniff as plain text under these names are junk
_BINARY_EXTENSIONS = {".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp",
                      ".bmp", ".gif", ".zip", ".xls", ".xlsx", ".ppt", ".pptx", ".wps"}

_SURROGATE = re.compile("[\ud800-\udfff]")

__all__ = ["file_bytes", "read_document", "read_bytes", "ReadError", "UnsupportedFormat", "ReadOptions", "sniff"]


def read_bytes(data: bytes, name: str, options: ReadOptions | None = None) -> Document:
    options = options or ReadOptions()
    fmt = sniff(data, name)
    ext = Path(name).suffix.lower()
    if fmt == "text" and ext in _BINARY_EXTENSIONS:
        raise UnsupportedFormat(name, f"named {ext} but its bytes are not a {ext[1:].upper()} file")
    reader = READERS.get(fmt)
    if reader is None:
        raise UnsupportedFormat(name, f"{fmt} files are not supported yet")
    try:
        result: ReadResult = reader(data, name, options)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError(name, "out of memory while reading")
    except Exception as exc:  # a library failing on a malformed file
        raise ReadError(name, f"cannot read as {fmt}: {type(exc).__name__}: {exc}") from exc
    for page in result.pages:
        for block in page.blocks:
            if _SURROGATE.search(block.text):  # broken UTF-16 from some text layers
                block.text = _SURROGATE.sub("", block.text)
    if not any(b.text.strip() for p in result.pages for b in p.blocks):
        raise ReadError(name, f"no text found in this {result.kind} file")
    return Document(
        source=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=result.kind,
        pages=result.pages,
        title=result.title,
        warnings=list(result.warnings),
    )


def file_bytes(path: str | Path, name: str | None = None) -> bytes:
    """A file's bytes, or a ``ReadError`` naming it and why it cannot be read."""
    name = name or str(path)
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ReadError(name, "no such file")
    except IsADirectoryError:
        raise ReadError(name, "is a directory")
    except PermissionError:
        raise ReadError(name, "permission denied")


def read_document(path: str | Path, options: ReadOptions | None = None, name: str | None = None) -> Document:
    name = name or str(path)
    return read_bytes(file_bytes(path, name), name, options)
