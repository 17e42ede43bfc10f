"""Legacy Word (.doc, WPS, OLE2) through a real converter, and RTF.

Converters, first found wins: LibreOffice headless (``soffice --convert-to txt``),
``antiword`` (``-w 0``: one line per paragraph), ``catdoc``. Each runs in a subprocess with
a timeout; a missing converter is a clear error naming what to install. RTF is decoded
here (code page escapes, ``\\uN``, destinations skipped) with no external tool.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

from reportmine.document import Block, Page
from reportmine.ingest.base import ReadError, ReadOptions, ReadResult, register

TIMEOUT_S = 60
_LABEL_ONLY = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3}|[（(]\d{1,2}[)）])[.、．]?\s*$")


def _run(cmd: list[str], timeout: float, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)


def _soffice(path: str, timeout: float) -> str | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, HOME=out)  # a private profile; no clash with a running office
        r = _run([exe, "--headless", "--norestore", "--convert-to", "txt:Text (encoded):UTF8",
                  "--outdir", out, path], timeout, env)
        files = [f for f in os.listdir(out) if f.endswith(".txt")]
        if r.returncode != 0 or not files:
            return None
        with open(os.path.join(out, files[0]), encoding="utf-8", errors="replace") as f:
            return f.read()


def _antiword(path: str, timeout: float) -> str | None:
    exe = shutil.which("antiword")
    if not exe:
        return None
    r = _run([exe, "-w", "0", "-m", "UTF-8.txt", path], timeout)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", errors="replace")


def _catdoc(path: str, timeout: float) -> str | None:
    exe = shutil.which("catdoc")
    if not exe:
        return None
    r = _run([exe, "-w", "-d", "utf-8", path], timeout)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", errors="replace")


def convert_doc(data: bytes, name: str, timeout: float = TIMEOUT_S) -> tuple[str, str]:
    """Text of a .doc file and the converter that produced it."""
    tried = []
    with tempfile.NamedTemporaryFile(suffix=".doc") as tmp:
        tmp.write(data)
        tmp.flush()
        for conv, fn in (("libreoffice", _soffice), ("antiword", _antiword), ("catdoc", _catdoc)):
            try:
                text = fn(tmp.name, timeout)
            except subprocess.TimeoutExpired:
                raise ReadError(name, f"{conv} did not finish converting within {timeout:.0f} s")
            if text is None:
                if shutil.which(conv if conv != "libreoffice" else "soffice") or (
                        conv == "libreoffice" and shutil.which("libreoffice")):
                    tried.append(conv)
                continue
            if text.strip():
                return text, conv
            tried.append(conv)
    if not tried:
        raise ReadError(name, "legacy Word (.doc) needs a converter: install antiword or catdoc "
                              "(apt-get install antiword catdoc) or LibreOffice")
    raise ReadError(name, f"not a readable Word document (tried {', '.join(tried)}); "
                          "an Excel/PowerPoint OLE file or a damaged .doc?")


def text_blocks(text: str) -> list[Block]:
    """One block per paragraph line; a lone list label ("1.") is joined to its text."""
    lines = [l.rstrip() for l in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")]
    blocks: list[Block] = []
    pending = ""
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if _LABEL_ONLY.match(s):
            pending += s
            continue
        blocks.append(Block(page=1, text=pending + s))
        pending = ""
    if pending:
        blocks.append(Block(page=1, text=pending))
    return blocks


@register("doc")
def read_doc(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    text, conv = convert_doc(data, name)
    blocks = text_blocks(text)
    title = blocks[0].text if blocks and len(blocks[0].text) <= 50 else None
    return ReadResult(kind="doc", pages=[Page(number=1, source="text", blocks=blocks)], title=title,
                      warnings=[f"converted with {conv}"])


# ---------------------------------------------------------------- RTF
_SKIP_DEST = {"fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "footer",
              "headerl", "headerr", "footerl", "footerr", "listtable", "listoverridetable",
              "rsidtbl", "generator", "xmlnstbl", "themedata", "colorschememapping", "datastore",
              "latentstyles", "pgdsctbl", "fldinst", "bkmkstart", "bkmkend"}
_TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}]+)", re.S)
_CODEPAGES = {936: "gb18030", 950: "big5", 65001: "utf-8", 1252: "cp1252", 54936: "gb18030"}


def rtf_to_text(data: bytes) -> str:
    encoding = "cp1252"
    m = re.search(rb"\\ansicpg(\d+)", data[:2000])
    if m:
        encoding = _CODEPAGES.get(int(m.group(1)), f"cp{int(m.group(1))}")
    out: list[str] = []
    stack: list[tuple[bool, int]] = []
    skip = False
    uc = 1
    pending_bytes = bytearray()
    skip_next = 0

    def flush():
        if pending_bytes:
            out.append(pending_bytes.decode(encoding, errors="replace"))
            pending_bytes.clear()

    for m in _TOKEN.finditer(data):
        word, arg, hexb, sym, brace, text = m.groups()
        if brace == b"{":
            flush()
            stack.append((skip, uc))
            continue
        if brace == b"}":
            flush()
            skip, uc = stack.pop() if stack else (False, 1)
            continue
        if skip_next and (hexb or text):
            if text:
                take = min(skip_next, len(text))
                skip_next -= take
                text = text[take:]
                if not text:
                    continue
            else:
                skip_next -= 1
                continue
        if hexb:
            if not skip:
                pending_bytes.append(int(hexb, 16))
            continue
        flush()
        if word:
            w = word.decode()
            if w in _SKIP_DEST:
                skip = True
            elif w == "uc" and arg:
                uc = int(arg)
            elif w == "u" and arg and not skip:
                n = int(arg)
                out.append(chr(n + 65536 if n < 0 else n))
                skip_next = uc
            elif w in ("par", "line", "row", "sect") and not skip:
                out.append("\n")
            elif w == "cell" and not skip:
                out.append("｜")
            elif w == "tab" and not skip:
                out.append("\t")
            continue
        if sym:
            if sym == b"*":
                skip = True
            elif sym in (b"\\", b"{", b"}") and not skip:
                out.append(sym.decode())
            elif sym == b"~" and not skip:
                out.append("\u00a0")
            continue
        if text and not skip:
            out.append(text.replace(b"\r", b"").replace(b"\n", b"").decode(encoding, errors="replace"))
    flush()
    return "".join(out)


@register("rtf")
def read_rtf(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    try:
        text = rtf_to_text(data)
    except (LookupError, IndexError) as exc:
        raise ReadError(name, f"damaged RTF ({exc})")
    blocks = []
    for line in text.split("\n"):
        s = line.strip().strip("｜")
        if s:
            blocks.append(Block(page=1, text=s, kind="table" if "｜" in s else "text"))
    # reuse the .doc kind: an RTF is a word-processor file (Document.kind has no "rtf")
    return ReadResult(kind="doc", pages=[Page(number=1, source="text", blocks=blocks)])
