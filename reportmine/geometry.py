"""Where a span of ``Document.text`` stands on its page: boxes from the reader's blocks.

A reader keeps one box per block and the block's lines (``Block.text`` split at ``\\n``,
top to bottom). A span of ``text`` is mapped back to ``raw_text`` through the offset map,
then to the blocks it overlaps, then to the lines of each block; each line's share is placed
inside the block's box: the line's band is the block's height divided among its lines, and
its horizontal extent is found from character widths (a Chinese character one em, Latin
letters and digits half of one), the em being the block's width over its widest line. The
first line of a block of several is flush with the block's right edge (a first-line indent
is on the left), the others with its left. Tables and vertical writing get the whole block.

The estimate is then replaced by the union of the boxes of the characters themselves where
they are found: on a PDF text layer the PDF's own character boxes (``refine_pdf_boxes``,
given the file's bytes), on an OCR page characters spread over the OCR fragment (a line or a
cell) they were read from (``refine_ocr_boxes``, from ``Page.fragments``).

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


Piece = tuple[list[float], str, Block]  # a box, the raw text it holds, the block it is in


def _block_pieces(block: Block, s: int, e: int) -> list[Piece]:
    """Boxes of ``block.text[s:e]`` inside the block's box, one per line touched."""
    b = block.bbox
    if b is None or e <= s:
        return []
    width, height = b.x1 - b.x0, b.y1 - b.y0
    lines = block.text.split("\n")
    if block.kind == "table" or len(lines) == 1 and height > 2.0 * max(width, 1e-6) and len(block.text) > 1:
        return [([b.x0, b.y0, b.x1, b.y1], block.text[s:e], block)]  # cells or vertical writing: no line model
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
        text = line[a - ls:z - ls]
        if not text.strip():
            continue
        before, part = _units(line[:a - ls]), _units(text)
        if i == 0 and len(lines) > 1:  # a first line ends at the right edge (an indent on the left)
            x1 = b.x1 - _units(line[z - ls:]) * em
            x0 = x1 - part * em
        else:
            x0 = b.x0 + before * em
            x1 = x0 + part * em
        x0, x1 = max(b.x0, x0), min(b.x1, x1)
        y0 = b.y0 + i * band
        out.append(([round(x0, 2), round(y0, 2), round(max(x1, x0), 2), round(y0 + band, 2)], text, block))
    return out


def span_pieces(doc: Document, start: int, end: int, page: int | None = None,
                blocks: list[tuple[Block, int, int]] | None = None,
                ends: list[int] | None = None) -> list[Piece]:
    """The pieces of ``doc.text[start:end]`` on ``page`` (default: the page of ``start``).
    ``blocks``/``ends``: ``body_blocks(doc)`` and their raw ends, when many spans are placed."""
    if end <= start or not doc.pages:
        return []
    rs, re_ = doc.raw_span(start, end)
    if page is None:
        page = doc.page_at(start)
    if blocks is None:
        blocks = body_blocks(doc)
    if ends is None:
        ends = [be for _, _, be in blocks]
    out: list[Piece] = []
    for block, bs, be in blocks[bisect.bisect_right(ends, rs):]:
        if bs >= re_:
            break
        if block.page != page or block.bbox is None:
            continue
        out.extend(_block_pieces(block, max(rs, bs) - bs, min(re_, be) - bs))
    return out


def span_boxes(doc: Document, start: int, end: int, page: int | None = None) -> list[list[float]] | None:
    """Boxes of ``doc.text[start:end]``, or None when the reader gave no geometry (DOCX,
    TXT) or the span maps to no block."""
    return [r for r, _, _ in span_pieces(doc, start, end, page)] or None


def locate_facts(doc: Document) -> Document:
    """Fill ``Fact.bbox`` for every fact whose source has page geometry."""
    if not any(b.bbox is not None for p in doc.pages for b in p.blocks):
        return doc
    blocks = body_blocks(doc)
    ends = [be for _, _, be in blocks]
    for f in doc.facts:
        f.bbox = [r for r, _, _ in span_pieces(doc, f.start, f.end, f.page, blocks, ends)] or None
    return refine_ocr_boxes(doc)


# ---------------------------------------------------------------- exact boxes from a PDF text layer
def _rows(chars: list[tuple]) -> list[list[tuple]]:
    """Characters grouped into rows by vertical centre, each sorted left to right, with
    glyphs drawn twice (fake bold) dropped."""
    if not chars:
        return []
    heights = sorted(c[4] - c[2] for c in chars)
    em = max(1.0, heights[len(heights) // 2])
    rows: list[list[tuple]] = []
    yc_row = None
    for c in sorted(chars, key=lambda c: (c[2] + c[4]) / 2):
        yc = (c[2] + c[4]) / 2
        if rows and abs(yc - yc_row) <= 0.36 * em:
            rows[-1].append(c)
        else:
            rows.append([c])
            yc_row = yc
    out = []
    for row in rows:
        row.sort(key=lambda c: c[1])
        kept: list[tuple] = []
        for c in row:
            if kept and c[0] == kept[-1][0] and abs(c[1] - kept[-1][1]) < 0.25 * max(c[4] - c[2], 1.0):
                continue
            kept.append(c)
        out.append(kept)
    return out


def _find(row: list[tuple], want: str, near: float) -> list[tuple] | None:
    """The run of ``row`` spelling ``want`` whose left edge is nearest ``near``."""
    n = len(want)
    best, best_d = None, None
    text = "".join(c[0] for c in row)
    at = text.find(want)
    while at >= 0:
        d = abs(row[at][1] - near)
        if best_d is None or d < best_d:
            best, best_d = row[at:at + n], d
        at = text.find(want, at + 1)
    return best


def _block_rows(block: Block, chars: list[tuple]) -> list[tuple[float, list[tuple]]]:
    """The rows of the characters inside ``block``'s box, each with its mean centre."""
    b = block.bbox
    inside = [c for c in chars if b.x0 - 1 <= (c[1] + c[3]) / 2 <= b.x1 + 1 and b.y0 - 1 <= (c[2] + c[4]) / 2 <= b.y1 + 1]
    return [(sum((c[2] + c[4]) / 2 for c in r) / len(r), r) for r in _rows(inside)]


def _exact(piece: Piece, chars: list[tuple], cache: dict | None = None) -> list[float] | None:
    rect, text, block = piece
    want = "".join(ch for ch in text if not ch.isspace())
    if not want:
        return None
    if cache is None:
        cache = {}
    key = id(block)
    if key not in cache:
        cache[key] = _block_rows(block, chars)
    yc = (rect[1] + rect[3]) / 2
    rows = [r for _, r in sorted(cache[key], key=lambda t: abs(t[0] - yc))]
    for row in rows[:3]:
        run = _find(row, want, rect[0])
        if run:
            return [round(min(c[1] for c in run), 2), round(min(c[2] for c in run), 2),
                    round(max(c[3] for c in run), 2), round(max(c[4] for c in run), 2)]
    return None


def fragments(items) -> list[list]:
    """OCR line fragments (``layout.Item``) as ``[x0, y0, x1, y1, text]`` for ``Page.fragments``."""
    return [[round(t.x0, 2), round(t.y0, 2), round(t.x1, 2), round(t.y1, 2), t.text] for t in items if t.text.strip()]


def fragment_chars(frags: list[list]) -> list[tuple]:
    """Characters with boxes spread over their OCR fragment by width (a Chinese character
    one em, Latin and digits half), in the shape of ``ingest.pdf.page_chars``."""
    out = []
    for x0, y0, x1, y1, text in frags:
        chars = [ch for ch in text if not ch.isspace()]
        if not chars:
            continue
        units = sum(_width(ch) for ch in chars) or 1.0
        if y1 - y0 > 1.5 * (x1 - x0) and len(chars) > 1:  # vertical writing: down the column
            step, at = (y1 - y0) / units, y0
            for ch in chars:
                out.append((ch, x0, at, x1, at + _width(ch) * step, False))
                at += _width(ch) * step
            continue
        step, at = (x1 - x0) / units, x0
        for ch in chars:
            out.append((ch, at, y0, at + _width(ch) * step, y1, False))
            at += _width(ch) * step
    return out


def _refine(doc: Document, facts: list, chars_of) -> None:
    """Replace each fact's boxes by the union of its characters' boxes (``chars_of(page)``)
    where all its pieces are found."""
    blocks = body_blocks(doc)
    ends = [be for _, _, be in blocks]
    rows: dict = {}  # block → its rows of characters, found once
    for f in facts:
        chars = chars_of(f.page)
        if not chars:
            continue
        pieces = span_pieces(doc, f.start, f.end, f.page, blocks, ends)
        exact = [_exact(p, chars, rows) for p in pieces]
        if pieces and all(r is not None for r in exact):
            f.bbox = exact


def refine_ocr_boxes(doc: Document) -> Document:
    """Boxes of facts on OCR pages placed inside their own OCR fragment (a cell, a line)
    rather than across the whole block."""
    pages = {p.number: p for p in doc.pages if p.fragments}
    todo = [f for f in doc.facts if f.bbox and f.page in pages]
    if todo:
        cache: dict[int, list[tuple]] = {}

        def chars_of(n: int) -> list[tuple]:
            if n not in cache:
                cache[n] = fragment_chars(pages[n].fragments or [])
            return cache[n]

        _refine(doc, todo, chars_of)
    return doc


def refine_pdf_boxes(doc: Document, data: bytes) -> Document:
    """Replace the estimated boxes of facts on text-layer PDF pages by the union of their
    characters' own boxes in the PDF, where the characters are found; the estimate stays
    where they are not (a re-decoded or odd layer)."""
    if doc.kind not in ("pdf", "scanned_pdf") or not any(f.bbox for f in doc.facts):
        return doc
    layered = {p.number for p in doc.pages if p.source == "text_layer"}
    todo = [f for f in doc.facts if f.bbox and f.page in layered]
    if not todo:
        return doc
    import pypdfium2 as pdfium

    from reportmine.ingest.pdf import page_chars

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # noqa: BLE001 - the reader opened it; keep the estimates if not
        return doc
    cache: dict[int, list[tuple]] = {}

    def chars_of(n: int) -> list[tuple]:
        if n not in cache:
            try:
                page = pdf[n - 1]
                left, _bottom, _right, top = page.get_bbox()
                textpage = page.get_textpage()
                cache[n] = page_chars(textpage, left, top)
                textpage.close()
                page.close()
            except Exception:  # noqa: BLE001 - a page that will not load keeps its estimate
                cache[n] = []
        return cache[n]

    try:
        _refine(doc, todo, chars_of)
    finally:
        pdf.close()
    return doc
