"""Reading order from geometry, shared by PDF text layers and OCR line boxes.

Input is a bag of positioned text pieces (characters from a PDF text layer, or lines from
OCR) in any drawing order; output is blocks in reading order: columns found from the
whitespace between the pieces (recursive XY-cut, a vertical cut only where both sides look
like columns of running text, so tables stay row by row), paragraphs from line spacing,
indentation and font size, headers/footers/page numbers from position and repetition
across pages.

Coordinates: origin top-left, y grows downwards (points for PDF, pixels for images).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from reportmine.document import BBox, Block, Page

CELL_SEPARATOR = "｜"


def is_cjk_char(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F
            or o in (0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7))


@dataclass
class Item:
    """A positioned piece of text on one line (a line fragment)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float  # character height, the local "em"
    conf: float | None = None
    confs: list[float] = field(default_factory=list)

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def w(self) -> float:
        return self.x1 - self.x0


def _join(a: str, b: str) -> str:
    """Join two pieces of one line: no space between Chinese characters, one between words."""
    if not a:
        return b
    if not b:
        return a
    if is_cjk_char(a[-1]) or is_cjk_char(b[0]) or a[-1] == " " or b[0] == " ":
        return a + b
    return a + " " + b


# ---------------------------------------------------------------- characters → fragments
def chars_to_items(chars: list[tuple[str, float, float, float, float, bool]]) -> list[Item]:
    """Characters ``(ch, x0, y0, x1, y1, space_before)`` in any order → line fragments.

    Rows are clustered by vertical centre, then split where the horizontal gap is wider
    than 0.8 em (a column gutter or a table cell boundary)."""
    if not chars:
        return []
    heights = sorted(c[4] - c[2] for c in chars)
    em = max(1.0, heights[len(heights) // 2])
    order = sorted(range(len(chars)), key=lambda i: (chars[i][2] + chars[i][4]) / 2)
    rows: list[list[int]] = []
    row_yc = 0.0
    for i in order:
        c = chars[i]
        yc = (c[2] + c[4]) / 2
        if rows and abs(yc - row_yc) <= 0.4 * max(em, c[4] - c[2]) * 0.9:
            rows[-1].append(i)
            n = len(rows[-1])
            row_yc += (yc - row_yc) / n
        else:
            rows.append([i])
            row_yc = yc
    items: list[Item] = []
    for row in rows:
        row.sort(key=lambda i: chars[i][1])
        cur: list[tuple] = []
        for i in row:
            c = chars[i]
            if cur:
                p = cur[-1]
                local = max(p[4] - p[2], c[4] - c[2], 0.5 * em)
                if c[0] == p[0] and abs(c[1] - p[1]) < 0.25 * local:
                    continue  # the same glyph drawn twice (fake bold, shadow)
                if c[1] - p[3] > 0.8 * local:
                    items.append(_make_item(cur))
                    cur = []
            cur.append(c)
        if cur:
            items.append(_make_item(cur))
    return items


def _make_item(chars: list[tuple]) -> Item:
    text = ""
    for j, c in enumerate(chars):
        ch = c[0]
        if j and (c[5] or (c[1] - chars[j - 1][3]) > 0.22 * (c[4] - c[2])):
            text = _join(text, ch)
        else:
            text += ch
    sizes = sorted(c[4] - c[2] for c in chars)
    return Item(min(c[1] for c in chars), min(c[2] for c in chars), max(c[3] for c in chars),
                max(c[4] for c in chars), text, sizes[len(sizes) // 2])


# ---------------------------------------------------------------- rows
def _rows(items: list[Item]) -> list[list[Item]]:
    """Group items whose vertical centres agree into rows, each sorted left to right."""
    rows: list[list[Item]] = []
    # a box of vertical writing (a headline set down the page) is a row of its own: its
    # height would otherwise pull the lines beside it into one row
    tall = [t for t in items if t.h > 2.5 * max(t.w, 1e-6) and len(t.text.strip()) >= 4]
    if tall:
        line_h = statistics.median(t.h for t in items)
        tall = [t for t in tall if t.h > 6 * line_h]
    if tall:
        ids = {id(t) for t in tall}
        rest = _rows([t for t in items if id(t) not in ids])
        return sorted(rest + [[t] for t in tall], key=lambda r: min(t.yc for t in r))
    for it in sorted(items, key=lambda t: t.yc):
        if rows:
            r = rows[-1]
            top = min(t.y0 for t in r)
            bot = max(t.y1 for t in r)
            rc = (top + bot) / 2
            if abs(it.yc - rc) <= 0.35 * max(it.h, bot - top) and it.yc < bot:
                r.append(it)
                continue
        rows.append([it])
    for r in rows:
        r.sort(key=lambda t: t.x0)
    return rows


def _gaps(intervals: list[tuple[float, float]], min_width: float) -> list[tuple[float, float]]:
    """Interior gaps at least ``min_width`` wide between merged intervals."""
    intervals = sorted(intervals)
    gaps = []
    end = intervals[0][1]
    for a, b in intervals[1:]:
        if a - end >= min_width:
            gaps.append((end, a))
        end = max(end, b)
    return gaps


def _em(items: list[Item]) -> float:
    sizes = sorted(t.size for t in items)
    return max(0.5, sizes[len(sizes) // 2])


def _looks_like_column(items: list[Item], em: float) -> tuple[bool, int]:
    rows = _rows(items)
    x0 = min(t.x0 for t in items)
    x1 = max(t.x1 for t in items)
    width = x1 - x0
    text = "".join(t.text for t in items)
    digits = sum(ch.isdigit() for ch in text)
    if len(rows) < 2:
        return width >= 4 * em and digits < 0.5 * max(1, len(text)), len(rows)
    if width < 5 * em or digits > 0.4 * max(1, len(text)):
        return False, len(rows)
    full = sum(1 for r in rows if (r[-1].x1 - r[0].x0) >= 0.7 * width)
    multi = sum(1 for r in rows if len(r) > 1)
    return full >= 0.5 * len(rows) and multi <= 0.3 * len(rows), len(rows)


def _prose(t: Item, em: float) -> bool:
    text = t.text.strip()
    return (t.w >= 5 * em and len(text) >= 6 and sum(ch.isdigit() for ch in text) < 0.3 * len(text)
            and sum(1 for ch in text if is_cjk_char(ch) or ch.isalpha()) >= 0.6 * len(text))


def _running_text(items: list[Item], em: float) -> bool:
    """Mostly lines of prose (wide, few digits): a region of text columns, not a table."""
    if len(items) < 6:
        return False
    prose = [t for t in items if _prose(t, em)]
    chars = sum(len(t.text) for t in items)
    return len(prose) >= 0.6 * len(items) and sum(len(t.text) for t in prose) >= 0.75 * chars


def _soft_gaps(items: list[Item], em: float) -> list[tuple[float, float]]:
    """Vertical white strips at least 0.6 em wide that at most a few items cross (OCR
    sometimes merges two lines across a narrow gutter; a line may overhang it a little)."""
    x0 = min(t.x0 for t in items)
    x1 = max(t.x1 for t in items)
    bw = max(0.5, em / 4)
    nb = int((x1 - x0) / bw) + 2
    if nb > 20000:
        return _gaps([(t.x0, t.x1) for t in items], 0.6 * em)
    diff = [0] * (nb + 1)
    for t in items:
        a = max(0, int((t.x0 - x0) / bw + 0.5))
        b = min(nb, int((t.x1 - x0) / bw + 0.5))
        if b > a:
            diff[a] += 1
            diff[b] -= 1
    cov = []
    run = 0
    for k in range(nb):
        run += diff[k]
        cov.append(run)
    # a gutter may be crossed by a few lines (OCR merging two lines across it, a spanning
    # title); it must still be a deep valley between the columns on either side
    allow = max(2, int(0.08 * len(items)))
    gaps = []
    k = 0
    while k < nb:
        if cov[k] <= allow:
            j = k
            while j < nb and cov[j] <= allow:
                j += 1
            if k > 0 and j < nb and (j - k) * bw >= 0.4 * em:
                # the narrowest coverage inside the run is the gutter proper
                low = min(cov[k:j])
                kk = k
                while cov[kk] != low:
                    kk += 1
                jj = kk
                while jj < j and cov[jj] == low:
                    jj += 1
                side = min(max(cov[max(0, k - 8):k]), max(cov[j:j + 8]))
                if ((jj - kk) * bw >= 0.3 * em or low == 0) and (low <= max(2, int(0.04 * len(items)))
                                                                 or low <= 0.3 * side):
                    gaps.append((x0 + kk * bw, x0 + jj * bw))
            k = j
        else:
            k += 1
    return sorted(gaps + _edge_gaps(items, em, gaps, allow))


def _edge_gaps(items: list[Item], em: float, gaps: list[tuple[float, float]], allow: int) -> list[tuple[float, float]]:
    """Gutters too narrow to show as white (dense newsprint, OCR boxes touching): many
    lines start at one x, many others end just before it, and only a few cross it."""
    n_min = max(4, int(0.1 * len(items)))
    if len(items) < 2 * n_min:
        return []
    starts = sorted(t.x0 for t in items)
    clusters: list[list[float]] = []
    for x in starts:
        if clusters and x - clusters[-1][-1] <= 0.4 * em:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    lo_x = starts[0]
    out = []
    for c in clusters:
        if len(c) < n_min:
            continue
        cx = statistics.median(c)
        if cx - lo_x < 4 * em or any(a - em <= cx <= b + em for a, b in gaps + out):
            continue
        crossing = sum(1 for t in items if t.x0 < cx - em and t.x1 > cx + em)
        ends = sum(1 for t in items if cx - 1.5 * em <= t.x1 <= cx + 0.5 * em)
        if crossing <= allow and crossing <= 0.3 * len(c) and ends >= n_min:
            out.append((cx - 0.3 * em, cx - 0.05 * em))
    return out


def _split_index(text: str, frac: float) -> int:
    """Where to cut ``text`` so that the left part takes ``frac`` of its printed width
    (a Chinese character or a full-width sign one em, Latin letters and digits half)."""
    widths = [1.0 if is_cjk_char(ch) else 0.5 for ch in text]
    goal = frac * sum(widths)
    acc, best, best_d = 0.0, 1, float("inf")
    for k in range(1, len(text)):
        acc += widths[k - 1]
        if abs(acc - goal) < best_d:
            best, best_d = k, abs(acc - goal)
    return best


def _assign(items: list[Item], cuts: list[tuple[float, float]], em: float) -> list[list[Item]] | None:
    """Items to the columns between the cuts. An item overhanging a gutter by under an em
    goes to its main side; an OCR line merged across a gutter is split there; a text-layer
    item really spanning the gutter means these are not columns (None)."""
    parts: list[list[Item]] = [[] for _ in range(len(cuts) + 1)]
    for t in items:
        pieces = [t]
        for a, b in cuts:
            mid = (a + b) / 2
            nxt = []
            for p in pieces:
                left, right = mid - p.x0, p.x1 - mid
                if left <= 0 or right <= 0 or min(left, right) <= 1.0 * em:
                    nxt.append(p)
                    continue
                if p.conf is None or len(p.text) < 4 or p.size > 1.15 * em:
                    return None  # a real spanning line (a title): not columns at this level
                # characters in proportion to the inked widths on either side of the gutter
                lw, rw = max(0.0, a - p.x0), max(0.0, p.x1 - b)
                k = _split_index(p.text, lw / max(1e-6, lw + rw))
                nxt.append(Item(p.x0, p.y0, a, p.y1, p.text[:k].rstrip(), p.size, conf=p.conf))
                nxt.append(Item(b, p.y0, p.x1, p.y1, p.text[k:].lstrip(), p.size, conf=p.conf))
            pieces = nxt
        for p in pieces:
            c = (p.x0 + p.x1) / 2
            parts[sum(1 for a, b in cuts if c >= (a + b) / 2)].append(p)
    return [p for p in parts if p]


def _vertical_split(items: list[Item], em: float) -> list[list[Item]] | None:
    gaps = _soft_gaps(items, em)
    if not gaps:
        return None

    def valid(parts):
        if parts is None or len(parts) < 2:
            return False
        checks = [_looks_like_column(p, em) for p in parts]
        if all(ok for ok, _ in checks) and max(n for _, n in checks) >= 3:
            return True
        # regions side by side, each of running text (itself several columns, titles):
        # a newspaper page; table columns are short cells and numbers, never all of them
        return (all(ok or _running_text(p, em) for p, (ok, _) in zip(parts, checks))
                and sum(len(p) for p in parts) >= 12 and max(n for _, n in checks) >= 3)

    tried = [gaps]
    if len(gaps) > 1:
        # a title spanning some of the columns (an L-shaped article): cut only at the
        # gutters it does not cross, or at one gutter, the widest first
        clean = [g for g in gaps if _assign(items, [g], em) is not None]
        if clean and len(clean) < len(gaps):
            tried.append(clean)
        tried.extend([g] for g in sorted(clean or gaps, key=lambda g: g[0] - g[1]))
    for cuts in tried:
        parts = _assign(items, cuts, em)
        if valid(parts):
            return parts
    return None


def _band_lines(items: list[Item], em: float) -> list[float]:
    """Heights at which to cut the region into slabs around lines that run across its
    columns: a title in larger type, or a footer / imprint line at the very top or bottom
    crossing two gutters or more. Such a line is alone in its row; two lines OCR merged
    across a gutter have the other columns' lines beside them."""
    gaps = _soft_gaps(items, em)
    if not gaps:
        return []
    top = min(t.y1 for t in items)
    bottom = max(t.y0 for t in items)
    cuts: list[float] = []
    for t in items:
        crossed = sum(1 for a, b in gaps if t.x0 < a - em and t.x1 > b + em)
        if not crossed:
            continue
        title = t.size > 1.15 * em and len(t.text.strip()) >= 2
        edge = crossed >= 2 and not (top < t.yc < bottom)
        if not (title or edge):
            continue
        if any(u is not t and min(u.y1, t.y1) - max(u.y0, t.y0) > 0.3 * min(u.h, t.h) for u in items):
            continue
        cuts.extend((t.y0, t.y1))
    return sorted(cuts)


def xy_cut(items: list[Item], em: float | None = None, depth: int = 0) -> list[list[Item]]:
    """Split a region into leaf regions in reading order (columns left to right, bands
    top to bottom). Leaves are single columns or tables."""
    if len(items) <= 1 or depth > 40:
        return [items] if items else []
    em = em or _em(items)
    ys = _band_lines(items, em)
    if ys:
        slabs: list[list[Item]] = [[] for _ in range(len(ys) + 1)]
        for t in items:
            slabs[sum(1 for y in ys if y <= t.yc)].append(t)
        slabs = [sl for sl in slabs if sl]
        if len(slabs) > 1:
            out = []
            for sl in slabs:
                out.extend(xy_cut(sl, em, depth + 1))
            return out
    parts = _vertical_split(items, em)
    if parts:
        out = []
        for p in parts:
            out.extend(xy_cut(p, em, depth + 1))
        return out
    # horizontal bands at the wider gaps
    ivals = sorted((t.y0, t.y1) for t in items)
    all_gaps = []
    end = ivals[0][1]
    for a, b in ivals[1:]:
        if a > end:
            all_gaps.append((end, a))
        end = max(end, b)
    if not all_gaps:
        return [items]
    # wider than the line spacing: the median of the gaps that can be line spacing (on a
    # page of staggered columns the only full-width gaps are the wide ones around titles)
    sizes = sorted(b - a for a, b in all_gaps if b - a < 1.2 * em)
    median = sizes[len(sizes) // 2] if sizes else 0.0
    threshold = max(0.8 * em, 1.5 * median) if len(sizes) >= 3 else 0.8 * em
    cuts = [g for g in all_gaps if g[1] - g[0] > threshold]
    if not cuts:
        return [items]
    bands: list[list[Item]] = [[] for _ in range(len(cuts) + 1)]
    for t in items:
        k = sum(1 for a, _b in cuts if t.y0 >= a)
        bands[k].append(t)
    bands = [b for b in bands if b]
    # bands that continue the same columns belong together (a blank line that happens to
    # fall at the same height in every column must not interleave the columns)
    groups: list[list[Item]] = [bands[0]]
    prev_gutters = _gutters(bands[0], em)
    for band in bands[1:]:
        g = _gutters(band, em)
        if prev_gutters and g and _overlapping(prev_gutters, g):
            groups[-1] = groups[-1] + band
            prev_gutters = _intersect(prev_gutters, g)
        else:
            groups.append(band)
            prev_gutters = g
    if len(groups) == 1:
        return [items]
    out = []
    for grp in groups:
        out.extend(xy_cut(grp, em, depth + 1))
    return out


def _gutters(items: list[Item], em: float) -> list[tuple[float, float]]:
    if len(items) < 2:
        return []
    return _soft_gaps(items, em)


def _overlapping(a, b) -> bool:
    return any(min(x1, y1) - max(x0, y0) > 0 for x0, x1 in a for y0, y1 in b)


def _intersect(a, b):
    out = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if hi > lo:
                out.append((lo, hi))
    return out


# ---------------------------------------------------------------- leaves → blocks
@dataclass
class RawBlock:
    kind: str
    lines: list[list[Item]]

    @property
    def items(self) -> list[Item]:
        return [t for r in self.lines for t in r]

    def bbox(self) -> BBox:
        its = self.items
        return BBox(x0=round(min(t.x0 for t in its), 2), y0=round(min(t.y0 for t in its), 2),
                    x1=round(max(t.x1 for t in its), 2), y1=round(max(t.y1 for t in its), 2))

    def text(self) -> str:
        if self.kind == "table":
            return CELL_SEPARATOR.join(t.text.strip() for t in self.lines[0])
        out = []
        for r in self.lines:
            line = ""
            for t in r:
                line = _join(line, t.text)
            out.append(line.strip())
        return "\n".join(l for l in out if l)

    def confidence(self) -> float | None:
        cs = [c for t in self.items for c in ([t.conf] if t.conf is not None else [])]
        return round(sum(cs) / len(cs), 4) if cs else None


_FINAL = set("。！？!?；;…：:")


def leaf_blocks(leaf: list[Item], body_size: float) -> list[RawBlock]:
    rows = _rows(leaf)
    if not rows:
        return []
    em = _em(leaf)
    lx0 = min(t.x0 for t in leaf)
    lx1 = max(t.x1 for t in leaf)
    # a row is a table row when it has several cells with wide gaps between them
    is_multi = [len(r) > 1 for r in rows]
    single_cell_row = [len(r) > 1 and (
        all(len(t.text.strip()) >= 2 for t in r) or any(sum(ch.isdigit() for ch in t.text) >= 2 for t in r))
        for r in rows]
    table = [False] * len(rows)
    i = 0
    while i < len(rows):
        if is_multi[i]:
            j = i
            while j < len(rows) and is_multi[j]:
                j += 1
            for k in range(i, j):
                table[k] = j - i >= 2 or single_cell_row[k]
            i = j
        else:
            i += 1
    gaps = [rows[k][0].y0 - max(t.y1 for t in rows[k - 1]) for k in range(1, len(rows))]
    plain_gaps = sorted(g for g in gaps if g > -em)
    gap_median = plain_gaps[len(plain_gaps) // 2] if plain_gaps else 0.3 * em
    blocks: list[RawBlock] = []
    cur: RawBlock | None = None
    for k, row in enumerate(rows):
        if table[k]:
            blocks.append(RawBlock("table", [row]))
            cur = None
            continue
        size = statistics.median(t.size for t in row)
        rx0, rx1 = row[0].x0, row[-1].x1
        text = "".join(t.text for t in row).strip()
        new = cur is None
        if cur is not None:
            prev = cur.lines[-1]
            psize = statistics.median(t.size for t in prev)
            px0, px1 = prev[0].x0, prev[-1].x1
            ptext = "".join(t.text for t in prev).strip()
            gap = gaps[k - 1]
            if gap > max(0.8 * max(size, psize), 1.6 * gap_median):
                new = True
            elif abs(size - psize) > 0.18 * max(size, psize) and len(text) >= 3 and len(ptext) >= 3:
                new = True
            elif rx0 - lx0 >= 1.2 * size and px0 - lx0 < 0.8 * size and len(cur.lines) >= 1:
                new = True  # first-line indent starts a paragraph
            elif lx1 - px1 > 2.0 * size:
                new = True  # the previous line ended short: the end of a paragraph or title
        if new:
            cur = RawBlock("text", [row])
            blocks.append(cur)
        else:
            cur.lines.append(row)
    for b in blocks:
        if b.kind != "text" or len(b.lines) > 2:
            continue
        size = statistics.median(t.size for t in b.items)
        text = b.text()
        cjk = sum(1 for ch in text if is_cjk_char(ch))
        if (body_size and size >= 1.18 * body_size and len(text) <= 40 and cjk >= 2 and cjk >= 0.5 * len(text)
                and text[-1] not in "。，；、,;"):
            b.kind = "heading"
    return blocks


def _vertical_text(items: list[Item]) -> bool:
    """OCR of vertical writing gives tall, narrow line boxes."""
    if len(items) < 3:
        return False
    tall = sum(1 for t in items if t.h > 2.0 * t.w and len(t.text) >= 2)
    return tall >= 0.6 * len(items)


def layout_items(items: list[Item], page: int, page_height: float | None = None) -> list[Block]:
    """Order the fragments of one page and turn them into blocks. With ``page_height``,
    a single line in smaller type at the very top of the page is flagged as a header."""
    items = [t for t in items if t.text.strip()]
    if not items:
        return []
    if _vertical_text(items):
        # columns of vertical writing, read right to left, each top to bottom
        cols: list[list[Item]] = []
        for t in sorted(items, key=lambda t: -(t.x0 + t.x1) / 2):
            if cols and abs((t.x0 + t.x1) / 2 - (cols[-1][0].x0 + cols[-1][0].x1) / 2) < 0.5 * t.w:
                cols[-1].append(t)
            else:
                cols.append([t])
        out = []
        for col in cols:
            col.sort(key=lambda t: t.y0)
            rb = RawBlock("text", [[t] for t in col])
            out.append(Block(page=page, kind="text", text="".join(t.text for t in col),
                             bbox=rb.bbox(), confidence=rb.confidence()))
        return out
    body_size = _body_size(items)
    blocks: list[Block] = []
    for leaf in _merge_stacked(xy_cut(items)):
        for rb in leaf_blocks(leaf, body_size):
            text = rb.text()
            if not text.strip():
                continue
            kind = rb.kind
            if (page_height and kind == "text" and len(rb.lines) == 1 and len(text) <= 60
                    and max(t.y1 for t in rb.items) <= 0.075 * page_height
                    and statistics.median(t.size for t in rb.items) <= 0.92 * body_size):
                kind = "header"
            blocks.append(Block(page=page, kind=kind, text=text, bbox=rb.bbox(),
                                confidence=rb.confidence()))
    return blocks


def _merge_stacked(leaves: list[list[Item]]) -> list[list[Item]]:
    """Rejoin consecutive leaves that are one column cut by a band boundary: the next leaf
    starts just below the previous one and spans the same horizontal extent."""
    out: list[list[Item]] = []
    for leaf in leaves:
        if out:
            prev = out[-1]
            px0, px1 = min(t.x0 for t in prev), max(t.x1 for t in prev)
            py1 = max(t.y1 for t in prev)
            x0, x1 = min(t.x0 for t in leaf), max(t.x1 for t in leaf)
            y0 = min(t.y0 for t in leaf)
            em = _em(prev + leaf)
            overlap = min(px1, x1) - max(px0, x0)
            if (0 <= y0 - py1 <= 1.5 * em and overlap >= 0.8 * min(px1 - px0, x1 - x0)
                    and abs(px0 - x0) <= 2.5 * em):
                out[-1] = prev + leaf
                continue
        out.append(leaf)
    return out


def _body_size(items: list[Item]) -> float:
    """The character height carrying the most text on the page."""
    weight: dict[float, int] = {}
    lines = [t for t in items if len(t.text) >= 8] or items
    for t in lines:
        key = round(t.size * 2) / 2
        weight[key] = weight.get(key, 0) + len(t.text)
    return max(weight, key=weight.get) if weight else 0.0


# ---------------------------------------------------------------- headers and footers
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－_·•]\s*)?(?:第\s*)?[\d０-９一二三四五六七八九十]{1,4}(?:\s*页)?"
    r"(?:\s*[/／]\s*(?:共\s*)?[\d０-９]{1,4}\s*页?)?(?:\s*[-—–－_·•])?\s*$"
    r"|^\s*(?:page|PAGE|Page)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$"
    r"|^\s*第\s*[\d０-９]{1,4}\s*页\s*[,，/／]?\s*共\s*[\d０-９]{1,4}\s*页\s*$"
)


def _band_key(text: str) -> str:
    return re.sub(r"[\d０-９]+", "#", re.sub(r"\s+", "", text))[:80]


def mark_headers_footers(pages: list[Page], margin: float = 0.09) -> None:
    """Flag running headers/footers (repeated in the top/bottom margin) and page numbers."""
    cands: list[tuple[Page, Block, str]] = []
    for page in pages:
        if not page.height:
            continue
        h = page.height
        for b in page.blocks:
            if b.bbox is None or b.kind == "table":
                continue
            top = b.bbox.y1 <= margin * h
            bottom = b.bbox.y0 >= (1 - margin) * h
            wide_top = b.bbox.y1 <= 0.12 * h
            wide_bottom = b.bbox.y0 >= 0.88 * h
            if (wide_top or wide_bottom) and PAGE_NUMBER.match(b.text) and len(b.text.strip()) <= 16:
                b.kind = "page_number"
                continue
            if (top or bottom) and b.text.count("\n") <= 1 and len(b.text) <= 120:
                cands.append((page, b, "top" if top else "bottom"))
    if len(pages) < 2:
        return
    seen: dict[tuple[str, str], set[int]] = {}
    for page, b, band in cands:
        seen.setdefault((band, _band_key(b.text)), set()).add(page.number)
    need = max(2, int(0.25 * len(pages)))
    for page, b, band in cands:
        if len(seen[(band, _band_key(b.text))]) >= need:
            b.kind = "header" if band == "top" else "footer"
    for page in pages:
        # headers first, footers and page numbers last, body in between
        rank = {"header": 0, "footer": 2, "page_number": 2}
        page.blocks.sort(key=lambda b: rank.get(b.kind, 1))
