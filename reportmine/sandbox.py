"""Read untrusted files in a watched worker process, so one bad file costs only itself.

A parser that hangs, loops, eats memory or crashes in native code (pdfium, onnxruntime,
a converter) must never take the batch or the server with it. ``Sandbox`` keeps one worker
process (forked after the heavy imports, so it starts warm), sends it one file at a time and
watches it: past the time limit or the memory limit it is killed, the file gets a
``ReadError`` naming the reason, and a fresh worker takes the next file.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from reportmine.document import Document
from reportmine.ingest import ReadError, ReadOptions

log = logging.getLogger("reportmine.sandbox")


@dataclass
class Limits:
    """Per-file limits. The byte and page limits are the store's settings
    (``REPORTMINE_MAX_UPLOAD_BYTES``, ``REPORTMINE_MAX_PAGES``); the others are
    ``REPORTMINE_LIMIT_SECONDS``, ``_MEMORY_MB``, ``_MAX_PIXELS``, ``_MAX_TEXT_CHARS``."""

    seconds: float = 300.0
    memory_mb: int = 1536
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 2000
    max_pixels: int = 180_000_000
    max_text_chars: int = 6_000_000

    @classmethod
    def from_env(cls) -> "Limits":
        from reportmine.config import get_settings

        settings = get_settings()
        out = cls(max_bytes=settings.max_upload_bytes, max_pages=settings.max_pages)
        for name in ("seconds", "memory_mb", "max_pixels", "max_text_chars"):
            raw = os.environ.get(f"REPORTMINE_LIMIT_{name.upper()}")
            if raw:
                setattr(out, name, float(raw) if name == "seconds" else int(float(raw)))
        return out


def _private_mb(pid: int) -> float:
    """Memory the worker owns itself: pages shared with the parent it forked from (the
    loaded models) do not count against the file it reads."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:", "Swap:")):
                    total += int(line.split()[1])
    except OSError:
        return 0.0
    return total / 1024


def _exit_reason(code: int | None) -> str:
    """'SIGSEGV' for a worker killed by a signal, else its exit status."""
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def check_before_reading(data: bytes, name: str, limits: Limits):
    if len(data) > limits.max_bytes:
        raise ReadError(name, f"file too large: {len(data):,} bytes (limit {limits.max_bytes:,})")


def run_in_process(data: bytes, name: str, options: ReadOptions, limits: Limits) -> Document:
    """The work a worker does for one file (also usable in-process, e.g. in tests)."""
    from PIL import Image

    from reportmine.pipeline import process_bytes

    check_before_reading(data, name, limits)
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    options.max_pages = min(options.max_pages, limits.max_pages)
    doc = process_bytes(data, name, options)
    if len(doc.text) > limits.max_text_chars:
        raise ReadError(name, f"text too long: {len(doc.text):,} characters (limit {limits.max_text_chars:,})")
    return doc


def _worker(conn, limits: Limits):
    # a second line of defence beside the parent's RSS watch: address space well above it
    try:
        cap = limits.memory_mb * 1024 * 1024 * 4
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError):
        pass
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        data, name, options = job
        if options.progress:  # the parent's callback stays there: pages done are sent back to it
            options.progress = lambda done, total: conn.send(("progress", (done, total)))
        try:
            doc = run_in_process(data, name, options, limits)
            conn.send(("ok", doc.model_dump(exclude={"tokens"})))  # tokens are cheap to redo, costly to ship
        except ReadError as exc:
            conn.send(("error", exc.reason))
        except MemoryError:
            conn.send(("error", "out of memory while reading"))
        except RecursionError:
            conn.send(("error", "structure nested too deeply to read"))
        except Exception as exc:  # noqa: BLE001 - reported, never swallowed
            conn.send(("error", f"unexpected {type(exc).__name__}: {exc}"))


class Sandbox:
    """A warm worker process that reads one file at a time under limits."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits.from_env()
        self._ctx = mp.get_context("fork")
        self._proc = None
        self._conn = None
        self._warmed = False

    @staticmethod
    def warm():
        """Load jieba and the classifier in this process, so every forked worker starts warm."""
        from reportmine.classify import get_classifier
        from reportmine.text.segment import tokenizer

        tokenizer()
        get_classifier()

    def _start(self):
        if not self._warmed:
            self.warm()
            self._warmed = True
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker, args=(child, self.limits), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _kill(self):
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self):
        if self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(2)
            except (BrokenPipeError, OSError):
                pass
        self._kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read(self, data: bytes, name: str, options: ReadOptions | None = None) -> Document:
        check_before_reading(data, name, self.limits)
        options = dataclasses.replace(options) if options else ReadOptions()
        callback, options.progress = options.progress, (True if options.progress else None)
        if self._proc is None or not self._proc.is_alive():
            self._start()
        try:
            self._conn.send((data, name, options))
        except (BrokenPipeError, OSError):
            self._kill()
            raise ReadError(name, "the reader process could not take the file")
        deadline = time.monotonic() + self.limits.seconds
        while True:
            if self._conn.poll(0.1):
                try:
                    status, payload = self._conn.recv()
                except (EOFError, OSError):
                    if self._proc is not None:
                        self._proc.join(2)
                    code = self._proc.exitcode if self._proc else None
                    self._kill()
                    raise ReadError(name, f"the reader crashed ({_exit_reason(code)})")
                if status == "progress":
                    if callback is not None:
                        callback(*payload)
                    continue
                if status == "ok":
                    return Document.model_validate(payload)
                raise ReadError(name, payload)
            if not self._proc.is_alive():
                code = self._proc.exitcode
                self._kill()
                raise ReadError(name, f"the reader crashed ({_exit_reason(code)})")
            if time.monotonic() > deadline:
                self._kill()
                raise ReadError(name, f"took longer than the limit of {self.limits.seconds:g} s")
            if _private_mb(self._proc.pid) > self.limits.memory_mb:
                self._kill()
                raise ReadError(name, f"used more memory than the limit of {self.limits.memory_mb} MB")

    def read_path(self, path: str | Path, options: ReadOptions | None = None, name: str | None = None) -> Document:
        name = name or str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ReadError(name, exc.strerror or str(exc))
        return self.read(data, name, options)
