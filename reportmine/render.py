"""Pages of a stored source file drawn as PNG, with a fact's boxes in red.

PDF pages are rendered by pypdfium2 at about ``DPI`` (capped at ``MAX_PIXELS``); images are
decoded the way the reader decoded them (``ingest.image.load_frames``: EXIF orientation
applied, very large frames scaled down), so boxes in the reader's coordinates line up.
"""

from __future__ import annotations

import io

DPI = 110
MAX_PIXELS = 4_000_000
MAX_SIDE = 3000
RED = (220, 0, 0)


class RenderError(ValueError):
    """The page cannot be drawn (no such page, a damaged file)."""


def _mapper(scale: float, rotation: int = 0, width: float = 0.0, height: float = 0.0):
    """Page coordinates (unrotated, top-left origin) → pixels of the page as displayed
    (``/Rotate`` turns it clockwise)."""

    def point(x: float, y: float) -> tuple[float, float]:
        if rotation == 90:
            x, y = height - y, x
        elif rotation == 180:
            x, y = width - x, height - y
        elif rotation == 270:
            x, y = y, width - x
        return x * scale, y * scale

    def rect(r: list[float]) -> list[float]:
        (ax, ay), (bx, by) = point(r[0], r[1]), point(r[2], r[3])
        return [min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)]

    return rect


def render_page(kind: str, data: bytes, number: int):
    """The page ``number`` (1-based) as an RGB PIL image and a function from a box in page
    coordinates (points or pixels, as the reader gave them) to the image's pixels."""
    from PIL import Image

    if kind in ("pdf", "scanned_pdf"):
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise RenderError(f"cannot open the stored PDF ({exc})") from exc
        try:
            if not 1 <= number <= len(pdf):
                raise RenderError(f"the document has no page {number}")
            page = pdf[number - 1]
            left, bottom, right, top = page.get_bbox()  # the box the reader measured from
            w, h = right - left, top - bottom
            rotation = page.get_rotation() % 360
            scale = DPI / 72.0
            scale = min(scale, MAX_SIDE / max(1.0, w, h), (MAX_PIXELS / max(1.0, w * h)) ** 0.5)
            image = page.render(scale=scale).to_pil().convert("RGB")
            page.close()
        finally:
            pdf.close()
        shown_w = h if rotation in (90, 270) else w
        return image, _mapper(image.width / max(1e-6, shown_w), rotation, w, h)
    if kind == "image":
        from reportmine.ingest.base import ReadError
        from reportmine.ingest.image import load_frames

        try:
            frames = load_frames(data, "stored image", number)
        except ReadError as exc:
            raise RenderError(str(exc)) from exc
        if number < 1 or number > len(frames):
            raise RenderError(f"the document has no page {number}")
        frame = frames[number - 1].convert("RGB")
        width = frame.width
        scale = min(1.0, MAX_SIDE / max(frame.size), (MAX_PIXELS / max(1, frame.width * frame.height)) ** 0.5)
        if scale < 1.0:
            frame = frame.resize((max(1, round(frame.width * scale)), max(1, round(frame.height * scale))),
                                 Image.Resampling.BILINEAR)
        return frame, _mapper(frame.width / max(1, width))
    raise RenderError(f"pages of a {kind} document cannot be drawn")


def draw_boxes(image, boxes: list[list[float]], to_pixels, pad: float = 2.0):
    """Red rectangles around ``boxes`` (page coordinates, mapped by ``to_pixels``)."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    line = max(2, round(image.width / 500))
    for box in boxes:
        x0, y0, x1, y1 = to_pixels(box)
        draw.rectangle([x0 - pad - line, y0 - pad - line, x1 + pad + line, y1 + pad + line],
                       outline=RED, width=line)
    return image


def png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()
