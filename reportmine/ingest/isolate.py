"""Run a reader in a worker subprocess with limits, so that a native parser that hangs,
crashes or eats memory costs one file, not the whole run.

``read_isolated(path_or_bytes, name, options, timeout_s, memory_mb)`` returns the
``Document`` or raises ``ReadError`` naming the file: timeout, crash (signal), out of memory,
or the reader's own error. The worker gets its own process group (OCR pool workers are
stopped with it) and an address-space limit (``RLIMIT_AS``). Progress reports cross the
process boundary and reach ``options.progress`` in the caller.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

from reportmine.document import Document
from reportmine.ingest.base import ReadError, ReadOptions

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MEMORY_MB = 4096


def _child(conn, source, name, options, memory_mb):
    try:
        os.setsid()
    except OSError:
        pass
    if memory_mb:
        try:
            import resource

            limit = int(memory_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    try:
        from reportmine.ingest import read_bytes, read_document

        opts = dataclasses.replace(options, progress=lambda d, t: conn.send(("progress", d, t)))
        if isinstance(source, (bytes, bytearray)):
            doc = read_bytes(bytes(source), name, opts)
        else:
            doc = read_document(source, opts, name=name)
        conn.send(("ok", doc.model_dump_json()))
    except ReadError as exc:
        conn.send(("error", exc.reason))
    except MemoryError:
        conn.send(("error", f"out of memory (limit {memory_mb} MB)"))
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except Exception:
            pass
    finally:
        conn.close()


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        proc.kill()
    proc.join(5)


def read_isolated(source: str | Path | bytes, name: str | None = None, options: ReadOptions | None = None,
                  timeout_s: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = DEFAULT_MEMORY_MB) -> Document:
    options = options or ReadOptions()
    if name is None:
        name = "document" if isinstance(source, (bytes, bytearray)) else str(source)
    if not isinstance(source, (bytes, bytearray)):
        source = str(source)
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    parent, child = ctx.Pipe(duplex=False)
    child_opts = options if method == "fork" else dataclasses.replace(options, progress=None)
    proc = ctx.Process(target=_child, args=(child, source, name, child_opts, memory_mb), daemon=False)
    proc.start()
    child.close()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                _kill(proc)
                raise ReadError(name, f"reading took longer than {timeout_s:.0f} s and was stopped")
            if parent.poll(min(left, 0.5)):
                try:
                    msg = parent.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is None:
                    break
                if msg[0] == "progress":
                    if options.progress:
                        options.progress(msg[1], msg[2])
                    continue
                proc.join(10)
                if msg[0] == "ok":
                    return Document.model_validate_json(msg[1])
                raise ReadError(name, msg[1])
            if not proc.is_alive():
                break
        proc.join(5)
        code = proc.exitcode
        if code is not None and code < 0:
            sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            hint = " (memory limit?)" if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT) else ""
            raise ReadError(name, f"the reader crashed ({sig}){hint}")
        raise ReadError(name, f"the reader exited without a result (exit status {code})")
    finally:
        if proc.is_alive():
            _kill(proc)
        parent.close()
