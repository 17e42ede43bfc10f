"""Where a span of ``Document.text`` stands on its page: boxes from the reader's blocks.

A reader keeps one box per block and the block's lines (``Block.text`` split at ``\\n``,
top to bottom). A span of ``text`` is mapped back to ``raw_text`` through the offset map,
then to the blocks it overlaps, then to the lines of each block; each line's share is placed
inside the block's box: the line's band is the block's height divided among its lines, and
its horizontal extent is found from character widths (a Chinese character one em, Latin
letters and digits half of one), the em being the block's width over its widest line. The
first line of a block of several is flush with the block's right edge (a first-line indent
is on the left), the others with its left. Tables and vertical writing get the whole block.

Boxes are ``[x0, y0, x1, y1]`` in the page's coordinates (PDF points or image pixels, origin
top-left), one per line touched, on the page of the span's first character.
"""

from __future__ import annotations

import bisect
import unicodedata

from reportmine.document import Block, Document
from reportmine.text.normalize import BLOCK_SEPARATOR


def _width(ch: str) -> float:
    if ch == " ":
        return 0.3
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.5


def _units(s: str) -> float:
    return sum(_width(ch) for ch in s)


def body_blocks(doc: Document) -> list[tuple[Block, int, int]]:
    """The blocks ``normalize`` joined into ``raw_text`` with their raw spans."""
    out, at = [], 0
    for page in doc.pages:
        for block in page.blocks:
            if not (block.in_body and block.text.strip()):
                continue
            if out:
                at += len(BLOCK_SEPARATOR)
            out.append((block, at, at + len(block.text)))
            at += len(block.text)
    return out


def _block_boxes(block: Block, s: int, e: int) -> list[list[float]]:
    """Boxes of ``block.text[s:e]`` inside the block's box."""
    b = block.bbox
    if b is None or e <= s:
        return []
    width, height = b.x1 - b.x0, b.y1 - b.y0
    lines = block.text.split("\n")
    if block.kind == "table" or len(lines) == 1 and height > 2.0 * max(width, 1e-6) and len(block.text) > 1:
        return [[b.x0, b.y0, b.x1, b.y1]]  # cells or vertical writing: no line model
    widest = max(_units(line) for line in lines) or 1.0
    em = width / widest
    band = height / len(lines)
    out, pos = [], 0
    for i, line in enumerate(lines):
        ls, le = pos, pos + len(line)
        pos = le + 1
        a, z = max(s, ls), min(e, le)
        if a >= z:
            continue
        if not line[a - ls:z - ls].strip():
            continue
        before, part = _units(line[:a - ls]), _units(line[a - ls:z - ls])
        if i == 0 and len(lines) > 1:  # a first line ends at the right edge (an indent on the left)
            x1 = b.x1 - _units(line[z - ls:]) * em
            x0 = x1 - part * em
        else:
            x0 = b.x0 + before * em
            x1 = x0 + part * em
        x0, x1 = max(b.x0, x0), min(b.x1, x1)
        y0 = b.y0 + i * band
        out.append([round(x0, 2), round(y0, 2), round(max(x1, x0), 2), round(y0 + band, 2)])
    return out


def span_boxes(doc: Document, start: int, end: int, page: int | None = None,
               blocks: list[tuple[Block, int, int]] | None = None,
               ends: list[int] | None = None) -> list[list[float]] | None:
    """Boxes of ``doc.text[start:end]`` on ``page`` (default: the page of ``start``), or
    None when the reader gave no geometry (DOCX, TXT) or the span maps to no block.
    ``blocks``: ``body_blocks(doc)`` when many spans of one document are placed."""
    if end <= start or not doc.pages:
        return None
    rs, re_ = doc.raw_span(start, end)
    if page is None:
        page = doc.page_at(start)
    if blocks is None:
        blocks = body_blocks(doc)
    boxes: list[list[float]] = []
    if ends is None:
        ends = [be for _, _, be in blocks]
    k = bisect.bisect_right(ends, rs)
    for block, bs, be in blocks[k:]:
        if bs >= re_:
            break
        if block.page != page or block.bbox is None:
            continue
        boxes.extend(_block_boxes(block, max(rs, bs) - bs, min(re_, be) - bs))
    return boxes or None


def locate_facts(doc: Document) -> Document:
    """Fill ``Fact.bbox`` for every fact whose source has page geometry."""
    if not any(b.bbox is not None for p in doc.pages for b in p.blocks):
        return doc
    blocks = body_blocks(doc)
    ends = [be for _, _, be in blocks]
    for f in doc.facts:
        f.bbox = span_boxes(doc, f.start, f.end, f.page, blocks, ends)
    return doc
