"""Images and OCR: frames and orientation of image files, reading order of OCR line boxes,
and (slow) one small rendered page read by RapidOCR."""

import io
import random
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent / "data"))
import make_ingest as mk  # noqa: E402
from test_ingest_pdf import cer  # noqa: E402

from reportmine.ingest import ReadError, read_bytes  # noqa: E402
from reportmine.ingest.image import load_frames  # noqa: E402
from reportmine.ingest.layout import Item, layout_items  # noqa: E402
from reportmine.text.normalize import normalize  # noqa: E402


def test_exif_orientation_is_applied_before_ocr():
    img = Image.new("RGB", (300, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    [frame] = load_frames(buf.getvalue(), "photo.jpg", 10)
    assert frame.size == (100, 300)


def test_every_tiff_frame_is_a_page_and_the_limit_holds():
    frames = [Image.new("L", (50, 60), 255) for _ in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    assert len(load_frames(buf.getvalue(), "scan.tif", 10)) == 3
    assert len(load_frames(buf.getvalue(), "scan.tif", 2)) == 2


def test_damaged_image_names_the_file():
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(ReadError) as exc:
        read_bytes(data, "broken.png")
    assert "broken.png" in str(exc.value)


def _column_lines(text: str, x0: float, y0: float, per_line: int, size: float = 30.0):
    lines = [text[i:i + per_line] for i in range(0, len(text), per_line)]
    return [Item(x0, y0 + k * size * 1.6, x0 + len(l) * size, y0 + k * size * 1.6 + size, l, size * 0.8, conf=0.99)
            for k, l in enumerate(lines)]


def test_ocr_boxes_in_two_columns_are_read_column_by_column():
    left = "".join(mk.PARAGRAPHS[:2])
    right = "".join(mk.PARAGRAPHS[2:4])
    items = _column_lines(left, 100, 300, 16) + _column_lines(right, 100 + 17 * 30 + 40, 300, 16)
    items += [Item(300, 100, 900, 150, mk.TITLE, 40, conf=0.99)]
    random.Random(1).shuffle(items)
    blocks = layout_items(items, 1, 2400)
    text = "".join(b.text.replace("\n", "") for b in blocks)
    assert text == mk.TITLE + left + right
    assert all(b.confidence == 0.99 for b in blocks)


def test_table_like_boxes_stay_row_by_row():
    rows = mk.TABLE
    items = [Item(100 + c * 300, 100 + r * 50, 100 + c * 300 + 30 * len(cell), 130 + r * 50, cell, 24)
             for r, row in enumerate(rows) for c, cell in enumerate(row)]
    random.Random(2).shuffle(items)
    blocks = layout_items(items, 1)
    assert [b.text for b in blocks] == ["｜".join(r) for r in rows]
    assert {b.kind for b in blocks} == {"table"}


def _font_or_skip():
    if mk.cjk_font_path() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")


@pytest.mark.slow
def test_degraded_150dpi_scan_is_read_with_low_cer():
    _font_or_skip()
    page = mk.page_image(mk.PARAGRAPHS[:4], dpi=150)
    doc = normalize(read_bytes(mk.degrade(page, angle=2.0), "scan.jpg"))
    assert doc.kind == "image"
    truth = "\n".join([mk.TITLE, *mk.PARAGRAPHS[:4]])
    assert cer(doc.text, truth) <= 0.03
    confs = [b.confidence for p in doc.pages for b in p.blocks]
    assert confs and all(c is not None and 0 < c <= 1 for c in confs)


@pytest.mark.slow
def test_upside_down_page_is_turned():
    _font_or_skip()
    page = mk.page_image(mk.PARAGRAPHS[4:6], title=None, dpi=150).rotate(180)
    buf = io.BytesIO()
    page.save(buf, format="PNG")
    doc = normalize(read_bytes(buf.getvalue(), "upside-down.png"))
    assert cer(doc.text, "\n".join(mk.PARAGRAPHS[4:6])) <= 0.03
