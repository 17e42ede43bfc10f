"""Images (PNG, JPEG, TIFF incl. multi-page, WebP, BMP, GIF) read by OCR.

EXIF orientation is applied before OCR; every frame of a multi-page TIFF is a page; boxes
are in pixels of the upright image.
"""

from __future__ import annotations

import io

from reportmine.document import Page
from reportmine.ingest.base import ReadError, ReadOptions, ReadResult, register
from reportmine.geometry import fragments
from reportmine.ingest.layout import layout_items, mark_headers_footers

MAX_PIXELS = 80_000_000  # per frame; a decompression bomb is refused, not decoded
MAX_SIDE = 4000


def load_frames(data: bytes, name: str, max_pages: int) -> list:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
        frames = []
        for i, frame in enumerate(ImageSequence.Iterator(img)):
            if i >= max_pages:
                break
            if frame.width * frame.height > MAX_PIXELS:
                raise ReadError(name, f"image of {frame.width}x{frame.height} pixels is too large to read")
            f = ImageOps.exif_transpose(frame.copy())
            if f.mode in ("RGBA", "LA", "P", "PA"):
                rgba = f.convert("RGBA")
                bg = Image.new("RGB", rgba.size, (255, 255, 255))
                bg.paste(rgba, mask=rgba.split()[-1])
                f = bg
            elif f.mode not in ("RGB", "L"):
                f = f.convert("RGB")
            if max(f.size) > MAX_SIDE:
                scale = MAX_SIDE / max(f.size)
                f = f.resize((round(f.width * scale), round(f.height * scale)), Image.Resampling.LANCZOS)
            frames.append(f)
            if img.format == "GIF":
                break  # an animated GIF's first frame is the document
    except ReadError:
        raise
    except Image.DecompressionBombError as exc:
        raise ReadError(name, f"image too large to read safely ({exc})")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ReadError(name, f"damaged or unreadable image ({type(exc).__name__}: {exc})")
    if not frames:
        raise ReadError(name, "image has no frames")
    return frames


@register("png", "jpeg", "tiff", "webp", "gif", "bmp")
def read_image(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    if not options.ocr:
        raise ReadError(name, "an image needs OCR, which is turned off")
    from reportmine.ingest import ocr

    frames = load_frames(data, name, options.max_pages)
    results = ocr.ocr_images(frames, progress=options.progress)
    pages = []
    for number, (frame, items) in enumerate(zip(frames, results), 1):
        pages.append(Page(number=number, width=frame.width, height=frame.height, source="ocr",
                          blocks=layout_items(items, number, frame.height), fragments=fragments(items)))
    mark_headers_footers(pages)
    warnings = []
    confs = [b.confidence for p in pages for b in p.blocks if b.confidence is not None]
    if confs and sum(confs) / len(confs) < 0.75:
        warnings.append(f"low OCR confidence (mean {sum(confs) / len(confs):.2f}); check the text")
    return ReadResult(kind="image", pages=pages, warnings=warnings)
