"""Plain text in any common Chinese encoding, detected from the bytes."""

from __future__ import annotations

import re

from reportmine.document import Block, Page
from reportmine.ingest.base import ReadError, ReadOptions, ReadResult, register

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def plausibility(text: str) -> float:
    """Share of characters a Chinese report plausibly contains: printable ASCII, common
    CJK ideographs, CJK and full-width punctuation. Mis-decoded bytes land in private-use,
    kana, hangul, control and rare ranges instead."""
    sample = text[:8000]
    if not sample:
        return 0.0
    good = 0
    for ch in sample:
        o = ord(ch)
        if (32 <= o < 127 or ch in "\n\r\t" or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F
                or 0xFF01 <= o <= 0xFF5E or 0xFFE0 <= o <= 0xFFE6 or 0x2010 <= o <= 0x2027 or 0x2460 <= o <= 0x24FF
                or ch in "·×÷°±—…‰"):
            good += 1
    return good / len(sample)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes to str; returns (text, encoding). Raises ``ReadError`` for binary data."""
    text, encoding = _decode(data, name)
    if text.strip("\x00 \t\r\n\ufeff") and plausibility(text.replace("\x00", "")) < 0.8:
        raise ReadError(name, f"binary data, not text (read as {encoding}, mostly implausible characters)")
    return text, encoding


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """BOMs first, then UTF-16 without BOM
    (NUL pattern), strict UTF-8, GB18030, then charset-normalizer's best guess."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff"), enc
    sample = data[:4000]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nul > 0.3 and even_nul < 0.05:
            return data.decode("utf-16-le", errors="replace"), "utf-16-le"
        if even_nul > 0.3 and odd_nul < 0.05:
            return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        text = data.decode("utf-8")
        if plausibility(text.replace("\x00", "")) >= 0.8 or not text.replace("\x00", "").strip():
            return text, "utf-8"
        raise ReadError(name, "binary data, not text (control characters)")
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((plausibility(text), enc, text))
    if not candidates or max(candidates)[0] < 0.9:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            text = str(best)
            candidates.append((plausibility(text), best.encoding, text))
    if not candidates:
        raise ReadError(name, "not text in any known encoding (binary data?)")
    score, enc, text = max(candidates, key=lambda c: c[0])
    if score < 0.8:
        raise ReadError(name, f"binary data, not text (best guess {enc} gives {score:.0%} plausible characters)")
    return text, enc


def text_to_blocks(text: str, page: int = 1) -> list[Block]:
    """Blank-line separated chunks become blocks; line breaks inside stay for normalize."""
    blocks = []
    for chunk in re.split(r"\n[ \t\u3000]*\n+", text.replace("\r\n", "\n").replace("\r", "\n")):
        if chunk.strip():
            blocks.append(Block(page=page, text=chunk.strip("\n")))
    return blocks


@register("text")
def read_text(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    text, encoding = decode_text(data, name)
    text = text.replace("\x00", "")
    if not text.strip():
        raise ReadError(name, f"no text (decoded as {encoding}, only whitespace or a BOM)")
    if sum(1 for ch in text[:1000] if ch.isalnum()) < 2:
        raise ReadError(name, "no text (fewer than two letters or characters)")
    if len(text) > options.max_chars:
        raise ReadError(name, f"text too long: {len(text):,} characters (limit {options.max_chars:,})")
    binary = sum(1 for ch in text[:4000] if ord(ch) < 32 and ch not in "\t\n\r\f") + text[:4000].count("\ufffd")
    if binary > 0.1 * min(len(text), 4000):
        raise ReadError(name, "binary data, not text (control characters or undecodable bytes)")
    # form feeds are page breaks in text exported from PDFs
    pages = []
    for number, page_text in enumerate(text.split("\f"), 1):
        pages.append(Page(number=number, source="text", blocks=text_to_blocks(page_text, number)))
    return ReadResult(kind="txt", pages=pages)
