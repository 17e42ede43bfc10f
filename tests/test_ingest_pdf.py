"""Text-layer PDFs: reading order from geometry, headers/footers, bad and encrypted files."""

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "data"))
import make_ingest as mk  # noqa: E402

from reportmine.ingest import ReadError, read_bytes, read_document  # noqa: E402
from reportmine.ingest.pdf import assess, redecode_gbk  # noqa: E402
from reportmine.text.normalize import normalize  # noqa: E402

REAL = Path(__file__).parents[1].parent / "shared" / "corpus" / "real"


cer = mk.cer
_norm = mk.cer_norm


@pytest.fixture(scope="module")
def two_column():
    return read_bytes(mk.two_column_pdf(pages=2), "two-column.pdf")


def test_two_column_pdf_drawn_right_column_first_is_read_in_order(two_column):
    doc = normalize(two_column)
    assert doc.kind == "pdf" and doc.page_count == 2
    assert cer(doc.text, mk.truth_text()) <= 0.02
    # every paragraph comes out whole and in order
    positions = [doc.text.find(p[:12]) for p in mk.PARAGRAPHS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)


def test_plain_drawing_order_would_be_wrong():
    """The fixture really is drawn out of order: the raw text layer starts in the right column."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(mk.two_column_pdf(pages=1))
    raw = _norm(pdf[0].get_textpage().get_text_range())
    assert raw.find(_norm(mk.PARAGRAPHS[-1][:10])) < raw.find(_norm(mk.PARAGRAPHS[1][:10]))


def test_running_header_and_page_numbers_are_flagged(two_column):
    for page in two_column.pages:
        kinds = {b.kind: b.text for b in page.blocks}
        assert kinds.get("header") == mk.HEADER
        assert "page_number" in kinds
        assert all(b.page == page.number and b.bbox is not None for b in page.blocks)
    body = "".join(b.text for p in two_column.pages for b in p.blocks if b.in_body)
    assert mk.HEADER + "2024" not in body.replace(mk.TITLE, "") and "- 1 -" not in body


def test_title_heading_is_found(two_column):
    assert two_column.title == mk.TITLE
    first = [b for b in two_column.pages[0].blocks if b.in_body][0]
    assert first.kind == "heading" and first.text == mk.TITLE


@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_pdf_gives_a_read_error_naming_the_file(cut):
    data = mk.two_column_pdf()
    with pytest.raises(ReadError) as exc:
        read_bytes(data[: int(len(data) * cut)], "broken-report.pdf")
    assert "broken-report.pdf" in str(exc.value)


def test_junk_with_a_pdf_header_is_refused():
    with pytest.raises(ReadError) as exc:
        read_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20, "junk.pdf")
    assert "junk.pdf" in str(exc.value)


def _encrypted(user: str, owner: str) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    font = mk._cid_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption(user, owner, canPrint=0))
    c.setFont(font, 12)
    c.drawString(72, 700, "工会全年开展培训12场。")
    c.save()
    return buf.getvalue()


def test_pdf_needing_a_user_password_is_refused_clearly():
    with pytest.raises(ReadError) as exc:
        read_bytes(_encrypted("secret", "owner"), "locked.pdf")
    assert "password" in str(exc.value) and "locked.pdf" in str(exc.value)


def test_owner_password_only_pdf_opens():
    doc = read_bytes(_encrypted("", "owner"), "restricted.pdf")
    assert "培训12场" in "".join(b.text for b in doc.pages[0].blocks)


def test_gbk_mojibake_layer_is_redecoded():
    text = "工会组织职工培训"
    garbled = text.encode("gbk").decode("latin-1")
    chars = [(ch, 10.0 * i, 0.0, 10.0 * i + 9, 10.0, False) for i, ch in enumerate(garbled)]
    assert assess(chars) == "mojibake"
    fixed = redecode_gbk(chars)
    assert "".join(c[0] for c in fixed) == text
    assert fixed[1][1] == 20.0  # boxes of the two glyphs are merged


def test_private_use_glyphs_are_garbage():
    chars = [(chr(0xE000 + i), 10.0 * i, 0.0, 10.0 * i + 9, 10.0, False) for i in range(30)]
    assert assess(chars) == "garbage"


def _real(name):
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} not available (../shared corpus absent)")
    return path


def test_real_quarterly_report_headers_and_tables():
    doc = read_document(_real("r01.pdf"))
    assert doc.kind == "pdf" and doc.page_count == 22
    headers = [b for p in doc.pages for b in p.blocks if b.kind == "header"]
    assert len(headers) >= 15 and all("第一季度报告" in h.text for h in headers)
    numbers = [b for p in doc.pages for b in p.blocks if b.kind == "page_number"]
    assert len(numbers) >= 15
    rows = [b.text for p in doc.pages for b in p.blocks if b.kind == "table"]
    assert any(r.startswith("营业收入") and r.count("｜") >= 2 for r in rows)


def test_real_table_of_contents_in_xiaobiaosong():
    doc = normalize(read_document(_real("r10.pdf")))
    assert "关于红军作战的原则" in doc.text and "一九三七年八月一日" in doc.text


def _sandwich_pdf(mode: int) -> bytes:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = mk._cid_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(Image.new("L", (60, 80), 255)), 0, 0, 595, 842)
    t = c.beginText(72, 700)
    t.setFont(font, 12)
    t.setTextRenderMode(mode)
    t.textLine("工会全年开展培训12场。")
    c.drawText(t)
    c.save()
    return buf.getvalue()


def test_scan_with_an_invisible_ocr_layer_is_recognised():
    import pypdfium2 as pdfium

    from reportmine.ingest.pdf import invisible_layer

    assert invisible_layer(pdfium.PdfDocument(_sandwich_pdf(3))[0])
    assert not invisible_layer(pdfium.PdfDocument(_sandwich_pdf(0))[0])
    # without OCR the layer is what we read
    from reportmine.ingest import ReadOptions

    doc = read_bytes(_sandwich_pdf(3), "sandwich.pdf", ReadOptions(ocr=False))
    assert "培训12场" in doc.pages[0].blocks[0].text


def test_image_only_pdf_without_ocr_says_why():
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from reportmine.ingest import ReadOptions

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(Image.new("L", (60, 80), 128)), 0, 0, 595, 842)
    c.save()
    with pytest.raises(ReadError) as exc:
        read_bytes(buf.getvalue(), "scan.pdf", ReadOptions(ocr=False))
    assert "OCR" in str(exc.value) and "scan.pdf" in str(exc.value)
