"""PDF: the text layer through pypdfium2, reading order from geometry, OCR where the layer
is missing or garbage.

Per page: every character with its box (``FPDFText_GetLooseCharBox``), grouped into line
fragments, columns and paragraphs by ``layout``; running headers/footers and page numbers
flagged across pages. A page whose layer is empty or garbage ((cid:…) glyphs without
Unicode, private-use code points, Latin-1 mojibake of GBK bytes that cannot be re-decoded)
is rendered and read by OCR when ``options.ocr`` is set.
"""

from __future__ import annotations

import ctypes
import logging

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from reportmine.document import Page
from reportmine.geometry import fragments
from reportmine.ingest.base import ReadError, ReadOptions, ReadResult, register
from reportmine.ingest.layout import Item, chars_to_items, is_cjk_char, layout_items, mark_headers_footers

log = logging.getLogger(__name__)

MAX_RENDER_SIDE = 2400  # pixels; an A4 page at 200 dpi is 2339 px high
_SPACES = {0x20, 0xA0, 0x3000, 0x0D, 0x0A, 0x09, 0x0C, 0x02, 0xFFFE, 0x2002, 0x2003, 0x2009, 0x200B}


def open_pdf(data: bytes, name: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ReadError(name, "PDF is encrypted and needs a password to open")
        if "format" in msg.lower() or "file" in msg.lower():
            raise ReadError(name, f"damaged or truncated PDF ({msg})")
        raise ReadError(name, f"cannot open PDF ({msg})")


def page_chars(textpage, left: float, top: float) -> list[tuple[str, float, float, float, float, bool]]:
    """All non-space characters with loose boxes (top-left origin) and a space-before flag."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    get_u = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    out = []
    space = False
    i = 0
    while i < n:
        u = get_u(raw, i)
        i += 1
        if u in _SPACES or u == 0:
            space = True
            continue
        if 0xD800 <= u < 0xDC00 and i < n:
            low = get_u(raw, i)
            if 0xDC00 <= low < 0xE000:
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                i += 1
        elif 0xD800 <= u < 0xE000:
            continue
        if not get_box(raw, i - 1, ref):
            continue
        x0, x1 = rect.left - left, rect.right - left
        y0, y1 = top - rect.top, top - rect.bottom
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        if y1 - y0 <= 0.01:
            continue
        out.append((chr(u), x0, y0, x1, y1, space))
        space = False
    return out


def _bad(ch: str) -> bool:
    o = ord(ch)
    return o == 0xFFFD or o < 0x20 or 0xE000 <= o <= 0xF8FF or 0xF0000 <= o


def assess(chars: list[tuple]) -> str:
    """'ok', 'empty', 'garbage' or 'mojibake' for one page's characters."""
    n = len(chars)
    if n < 5:
        return "empty"
    bad = sum(1 for c in chars if _bad(c[0]))
    if bad > 0.1 * n:
        return "garbage"
    cjk = sum(1 for c in chars if is_cjk_char(c[0]))
    latin1 = sum(1 for c in chars if 0x80 <= ord(c[0]) <= 0xFF)
    if cjk < 0.05 * n and latin1 > 0.3 * n:
        return "mojibake"
    return "ok"


def redecode_gbk(chars: list[tuple]) -> list[tuple] | None:
    """Undo GBK bytes shown as Latin-1 (two glyphs per Chinese character); None if the
    result does not look like Chinese."""
    out = []
    i, n = 0, len(chars)
    space = False
    while i < n:
        c = chars[i]
        o = ord(c[0])
        if 0x81 <= o <= 0xFE and i + 1 < n and 0x40 <= ord(chars[i + 1][0]) <= 0xFE:
            d = chars[i + 1]
            try:
                s = bytes([o, ord(d[0])]).decode("gbk")
            except (UnicodeDecodeError, ValueError):
                s = ""
            if s:
                if s.isspace():
                    space = True
                else:
                    out.append((s, min(c[1], d[1]), min(c[2], d[2]), max(c[3], d[3]), max(c[4], d[4]),
                                space or c[5]))
                    space = False
                i += 2
                continue
        if o > 0xFF:
            return None  # not a byte string
        out.append(c if not space else (c[0], c[1], c[2], c[3], c[4], True))
        space = False
        i += 1
    cjk = sum(1 for c in out if is_cjk_char(c[0]))
    if len(out) < 2 or cjk < 0.4 * sum(1 for c in out if ord(c[0]) > 0x7F) or cjk == 0:
        return None
    return out


def invisible_layer(page) -> bool:
    """A scanned image under an invisible text layer (render mode 3): someone else's OCR."""
    text = invisible = images = 0
    for k, obj in enumerate(page.get_objects(max_depth=2)):
        if k >= 2000:
            break
        if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            text += 1
            invisible += pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
    return images >= 1 and text >= 1 and invisible >= 0.95 * text


def _is_blank(image) -> bool:
    """A rendered page with (almost) no ink needs no OCR."""
    gray = image.convert("L").resize((200, max(1, int(200 * image.height / max(1, image.width)))))
    hist = gray.histogram()
    dark = sum(hist[:160])
    return dark < 0.001 * gray.width * gray.height


@register("pdf")
def read_pdf(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    pdf = open_pdf(data, name)
    try:
        return _read(pdf, name, options)
    finally:
        pdf.close()


def _read(pdf: pdfium.PdfDocument, name: str, options: ReadOptions) -> ReadResult:
    total = len(pdf)
    if total == 0:
        raise ReadError(name, "PDF has no pages")
    warnings: list[str] = []
    if total > options.max_pages:
        warnings.append(f"only the first {options.max_pages} of {total} pages were read")
        total = options.max_pages
    pages: list[Page] = []
    need_ocr: list[int] = []
    layers: dict[int, list] = {}  # pages whose invisible OCR layer is kept as a fallback
    redecoded = 0
    for index in range(total):
        try:
            page = pdf[index]
        except pdfium.PdfiumError as exc:
            warnings.append(f"page {index + 1} could not be loaded ({exc})")
            pages.append(Page(number=index + 1, source="none"))
            continue
        left, bottom, right, top = page.get_bbox()
        width, height = right - left, top - bottom
        textpage = page.get_textpage()
        chars = page_chars(textpage, left, top)
        textpage.close()
        state = assess(chars)
        if state == "mojibake":
            fixed = redecode_gbk(chars)
            if fixed is not None:
                chars, state = fixed, "ok"
                redecoded += 1
        if state == "ok":
            blocks = layout_items(chars_to_items(chars), index + 1, height)
            pages.append(Page(number=index + 1, width=round(width, 2), height=round(height, 2),
                              source="text_layer", blocks=blocks))
            if options.ocr and options.reocr_invisible_layers and invisible_layer(page):
                need_ocr.append(index)
                layers[index] = blocks
        else:
            pages.append(Page(number=index + 1, width=round(width, 2), height=round(height, 2),
                              source="none"))
            need_ocr.append(index)
            if state in ("garbage", "mojibake"):
                warnings.append(f"page {index + 1}: text layer is {state}, "
                                + ("read by OCR" if options.ocr else "skipped (OCR off)"))
        page.close()
        if options.progress and not need_ocr:
            options.progress(index + 1, total)
    if redecoded:
        warnings.append(f"{redecoded} page(s) had a GBK text layer shown as Latin-1; re-decoded")
    ocr_done = 0
    if need_ocr and options.ocr:
        ocr_done = _ocr_pages(pdf, need_ocr, pages, options, warnings, total, layers)
        if layers:
            warnings.append(f"{len(layers)} scanned page(s) with an invisible OCR layer were read again by OCR")
    mark_headers_footers(pages)
    if options.progress:
        options.progress(total, total)
    title = _title(pdf, pages)
    kind = "scanned_pdf" if ocr_done and ocr_done >= 0.5 * total else "pdf"
    if need_ocr and not options.ocr:
        if not any(b.text.strip() for p in pages for b in p.blocks):
            raise ReadError(name, "no usable text layer on any page (a scan?) and OCR is turned off")
        warnings.append(f"{len(need_ocr)} page(s) without a usable text layer were not read (OCR off)")
    return ReadResult(kind=kind, pages=pages, title=title, warnings=warnings)


def _ocr_pages(pdf, indices, pages, options, warnings, total, layers=None) -> int:
    from reportmine.ingest import ocr

    base = options.ocr_dpi / 72.0
    images, scales = [], []
    for index in indices:
        page = pdf[index]
        w, h = page.get_size()
        # large page boxes (scans stored at 72 "dpi") would render to huge bitmaps
        scale = min(base, MAX_RENDER_SIDE / max(1.0, w, h))
        scales.append(scale)
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
        images.append(None if _is_blank(image) else image)
    todo = [i for i, im in enumerate(images) if im is not None]

    def progress(done, _n):
        if options.progress:
            options.progress(total - len(todo) + done, total)

    results = ocr.ocr_images([images[i] for i in todo], progress=progress)
    done = 0
    for k, items in zip(todo, results):
        index = indices[k]
        scale = scales[k]
        for it in items:  # pixels → points
            it.x0, it.y0, it.x1, it.y1, it.size = (it.x0 / scale, it.y0 / scale, it.x1 / scale,
                                                   it.y1 / scale, it.size / scale)
        page = pages[index]
        blocks = layout_items(items, index + 1, page.height)
        layer = (layers or {}).get(index)
        if layer is not None:
            ours = sum(len(b.text) for b in blocks)
            theirs = sum(len(b.text) for b in layer)
            if ours < 0.5 * theirs:
                continue  # our reading found much less: keep the existing layer
        page.blocks = blocks
        page.source = "ocr"
        page.fragments = fragments(items)
        done += 1
    return done


def _title(pdf, pages: list[Page]) -> str | None:
    try:
        meta = pdf.get_metadata_value("Title")
    except Exception:
        meta = ""
    if meta and any(is_cjk_char(ch) for ch in meta) and len(meta) <= 100:
        return meta.strip()
    for page in pages[:2]:
        for b in page.blocks:
            if b.kind == "heading":
                return b.text.replace("\n", "")[:100]
    return None
