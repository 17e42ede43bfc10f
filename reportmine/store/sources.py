"""Inputs to ingest: paths, folders and globs on disk, and zip archives (on disk or uploaded).

Everything becomes ``Item(name, data)`` or ``Item(name, error=…)``; a zip member is named
``archive.zip/member``. Archives are read in memory under limits (entries, expanded bytes,
compression ratio, nesting): member names are labels only and never used as paths.
"""

from __future__ import annotations

import glob
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from reportmine.config import Settings, get_settings

GLOB_CHARS = set("*?[")


@dataclass
class Item:
    name: str
    data: bytes | None = None
    error: str | None = None


def is_archive(data: bytes, name: str) -> bool:
    """A zip that is an archive of documents (not a DOCX/XLSX, which are zips too)."""
    if not data.startswith(b"PK\x03\x04") and not data.startswith(b"PK\x05\x06"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return name.lower().endswith(".zip")
    if "[Content_Types].xml" in names or "word/document.xml" in names or "mimetype" in names:
        return False
    return True


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: Chinese Windows tools write GBK
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def expand_archive(data: bytes, name: str, settings: Settings | None = None, depth: int = 0) -> Iterator[Item]:
    settings = settings or get_settings()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        yield Item(name, error=f"not a readable zip archive ({exc})")
        return
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > settings.max_archive_entries:
            yield Item(name, error=f"archive has {len(infos)} entries, more than the limit of "
                                   f"{settings.max_archive_entries}")
            return
        budget = settings.max_archive_bytes
        for info in infos:
            member = _member_name(info)
            label = f"{name}/{member}"
            base = member.replace("\\", "/").rsplit("/", 1)[-1]
            if not base or base.startswith(".") or member.startswith("__MACOSX/"):
                continue
            parts = member.replace("\\", "/").split("/")
            if member.startswith(("/", "\\")) or ".." in parts or (len(member) > 1 and member[1] == ":"):
                yield Item(label, error="unsafe member path (absolute or with ..), refused")
                continue
            if info.flag_bits & 0x1:
                yield Item(label, error="encrypted zip member (needs a password)")
                continue
            if info.file_size > settings.max_upload_bytes:
                yield Item(label, error=f"expands to {info.file_size} bytes, more than the limit of "
                                        f"{settings.max_upload_bytes}")
                continue
            if info.compress_size and info.file_size / max(info.compress_size, 1) > settings.max_archive_ratio \
                    and info.file_size > 1_000_000:
                yield Item(label, error=f"compression ratio {info.file_size / info.compress_size:.0f}:1 "
                                        f"looks like a decompression bomb")
                continue
            if info.file_size > budget:
                yield Item(label, error="the archive expands beyond its total size limit")
                continue
            try:
                with zf.open(info) as fh:
                    body = fh.read(min(budget, settings.max_upload_bytes) + 1)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                yield Item(label, error=f"cannot unpack this member ({type(exc).__name__}: {exc})")
                continue
            if len(body) > min(budget, settings.max_upload_bytes):
                yield Item(label, error="member is larger than its header says (refused)")
                continue
            budget -= len(body)
            if is_archive(body, member):
                if depth + 1 >= settings.max_archive_depth:
                    yield Item(label, error=f"zip nested more than {settings.max_archive_depth} deep")
                else:
                    yield from expand_archive(body, label, settings, depth + 1)
                continue
            yield Item(label, body)


def expand_bytes(data: bytes, name: str, settings: Settings | None = None) -> Iterator[Item]:
    """One uploaded or read file: itself, or the members of an archive."""
    settings = settings or get_settings()
    if len(data) > settings.max_upload_bytes:
        yield Item(name, error=f"{len(data)} bytes, more than the limit of {settings.max_upload_bytes}")
    elif is_archive(data, name):
        yield from expand_archive(data, name, settings)
    else:
        yield Item(name, data)


def _read(path: Path, name: str, settings: Settings) -> Iterator[Item]:
    try:
        size = path.stat().st_size
        if size > settings.max_upload_bytes:
            yield Item(name, error=f"{size} bytes, more than the limit of {settings.max_upload_bytes}")
            return
        data = path.read_bytes()
    except PermissionError:
        yield Item(name, error="permission denied")
        return
    except OSError as exc:
        yield Item(name, error=f"cannot read ({exc.strerror or exc})")
        return
    yield from expand_bytes(data, name, settings)


def input_files(paths: Iterable[str | Path]) -> Iterator[Item]:
    """The files behind paths, folders (recursively, hidden files skipped) and globs, in the
    order given, without reading them: ``Item(name)`` for a file, ``Item(name, error=…)`` for a
    path that names nothing. Lets a caller count its inputs and read them one at a time."""
    for given in paths:
        given = str(given)
        p = Path(given)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield Item(os.path.join(root, f))
        elif p.exists():
            yield Item(given)
        elif GLOB_CHARS & set(given):
            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                yield Item(given, error="no file matches this pattern")
            for m in matches:
                if Path(m).is_file():
                    yield Item(m)
        else:
            yield Item(given, error="no such file or folder")


def read_input(item: Item, settings: Settings | None = None) -> Iterator[Item]:
    """One entry of :func:`input_files`, read: itself with its bytes, or an archive's members."""
    if item.error:
        yield item
    else:
        yield from _read(Path(item.name), item.name, settings or get_settings())


def expand_paths(paths: Iterable[str | Path], settings: Settings | None = None) -> Iterator[Item]:
    """Files, folders and globs, read lazily one file at a time."""
    settings = settings or get_settings()
    for entry in input_files(paths):
        yield from read_input(entry, settings)
