"""A fact opens its page image with its box drawn: boxes per fact from the reader's blocks,
the source file kept with the document, ``/facts/{id}/image`` and ``/documents/{ref}/pages/{n}/image``."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import REPORT_A, SHARED, Api
from reportmine.store.schema import DocumentFileRow, DocumentRow

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
import make_ingest as mk  # noqa: E402

# a seed PDF, else the first real one (read from ../shared at test time)
SEED_PDFS = sorted((SHARED / "corpus" / "seeds").glob("*.pdf")) or sorted((SHARED / "corpus" / "real").glob("*.pdf"))[:1]


def _red(img):
    """(x, y) of every red pixel."""
    import numpy as np

    a = np.asarray(img.convert("RGB")).astype(int)
    ys, xs = np.nonzero((a[..., 0] >= 180) & (a[..., 1] <= 70) & (a[..., 2] <= 70))
    return list(zip(xs.tolist(), ys.tolist()))


def _png(resp):
    from PIL import Image

    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "image/png"
    assert resp.content[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(resp.content)).convert("RGB")


def _crop_text(pdf_bytes: bytes, page: int, boxes: list[list[float]], within: bool = False) -> str:
    """The text layer under the boxes (pdfplumber): characters touching them, or with
    ``within`` only those lying entirely inside them (grown by one point)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        p = pdf.pages[page - 1]
        ox, oy = p.bbox[0], p.bbox[1]
        out = []
        for x0, y0, x1, y1 in boxes:
            if within:
                region = p.within_bbox((x0 + ox - 1, y0 + oy - 1, x1 + ox + 1, y1 + oy + 1))
            else:
                region = p.crop((x0 + ox, y0 + oy, x1 + ox, y1 + oy))
            out.append(region.extract_text() or "")
        return "".join(out).replace("\n", "").replace(" ", "")


def _stored(api: Api, pdf: bytes, name: str, who: str = "unit_a") -> dict:
    api.upload({name: pdf}, who=who)
    api.run_jobs()
    items = api.get("/documents", who).json()["items"]
    doc_id = next(d["id"] for d in items if d["source"] == name)
    return api.get(f"/documents/{doc_id}", who).json()


@pytest.fixture
def pdf_api(settings_env):
    a = Api(settings_env)
    a.pdf = mk.two_column_pdf()
    a.doc = _stored(a, a.pdf, "two.pdf")
    yield a
    a.close()


def test_pdf_facts_have_boxes_over_their_text(pdf_api):
    doc = pdf_api.doc
    assert doc["kind"] == "pdf" and doc["facts"]
    sizes = {p["number"]: p for p in doc["page_sizes"]}
    for f in doc["facts"]:
        assert f["bbox"], f
        page = sizes[f["page"]]
        for x0, y0, x1, y1 in f["bbox"]:
            assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"], f
            assert y1 - y0 < 40  # a line, not the whole block
        # the PDF's own text layer inside the box holds the fact as written, and nothing
        # more than a neighbouring character on either side
        inside = _crop_text(pdf_api.pdf, f["page"], f["bbox"], within=True)
        assert f["surface"].replace(" ", "") in inside, (f, inside)
        assert len(inside) <= len(f["surface"].replace(" ", "")) + 2, (f, inside)
    # boxes are tight: a box is not wider than its text (10.5 pt type)
    for f in doc["facts"]:
        width = sum(r[2] - r[0] for r in f["bbox"])
        assert width <= 10.5 * (len(f["surface"]) + 0.5), f
    # the same boxes in the fact listing
    listed = pdf_api.get("/facts", "unit_a", params={"document": str(doc["id"]), "limit": 1000}).json()["items"]
    assert {f["id"]: f["bbox"] for f in listed} == {f["id"]: f["bbox"] for f in doc["facts"]}


def test_estimated_boxes_from_blocks_alone_touch_their_text():
    """Without the file (the line model over the reader's blocks only, as for OCR pages)
    every box still lies over its fact's characters."""
    from reportmine.ingest import ReadOptions, read_bytes
    from reportmine.pipeline import run

    data = mk.two_column_pdf(seed=3)
    doc = run(read_bytes(data, "est.pdf", ReadOptions(ocr=False)))
    assert len(doc.facts) >= 10
    for f in doc.facts:
        assert f.bbox and len(f.bbox) <= 2, f  # two where a line break falls inside (18 / 名)
        assert f.surface.replace(" ", "") in _crop_text(data, f.page, f.bbox), f


def test_fact_image_draws_the_box_in_red(pdf_api):
    doc = pdf_api.doc
    f = max(doc["facts"], key=lambda f: len(f["surface"]))
    page = next(p for p in doc["page_sizes"] if p["number"] == f["page"])
    img = _png(pdf_api.get(f"/facts/{f['id']}/image", "unit_a"))
    scale = 110 / 72
    assert abs(img.width - page["width"] * scale) <= 2 and abs(img.height - page["height"] * scale) <= 2
    k = img.width / page["width"]
    grow = 8
    boxes = [[x0 * k - grow, y0 * k - grow, x1 * k + grow, y1 * k + grow] for x0, y0, x1, y1 in f["bbox"]]
    reds = _red(img)
    inside = sum(any(a <= x <= c and b <= y <= d for a, b, c, d in boxes) for x, y in reds)
    assert inside > 20 and inside == len(reds)
    # the plain page has no red at all, and the same size
    plain = _png(pdf_api.get(f"/documents/{doc['id']}/pages/{f['page']}/image", "unit_a"))
    assert plain.size == img.size
    assert not _red(plain)
    # by sha256 too
    assert _png(pdf_api.get(f"/documents/{doc['document']}/pages/1/image", "unit_a")).size == img.size


def test_page_out_of_range_and_documents_without_a_file(pdf_api):
    doc = pdf_api.doc
    r = pdf_api.get(f"/documents/{doc['id']}/pages/{doc['pages'] + 1}/image", "unit_a")
    assert r.status_code == 404 and "page" in r.json()["detail"]
    txt = _stored(pdf_api, REPORT_A.encode(), "a.txt", who="staff")
    assert txt["facts"] and all("bbox" not in f for f in txt["facts"])
    r = pdf_api.get(f"/facts/{txt['facts'][0]['id']}/image", "staff")
    assert r.status_code == 404 and "no box" in r.json()["detail"]
    r = pdf_api.get(f"/documents/{txt['id']}/pages/1/image", "staff")
    assert r.status_code == 404 and "no stored source file" in r.json()["detail"]
    assert pdf_api.get("/facts/999999/image", "staff").status_code == 404


def test_source_file_is_stored_once_and_goes_with_its_document(pdf_api):
    st = pdf_api.store
    with st.read() as s:
        assert s.scalar(select(func.count()).select_from(DocumentFileRow)) == 1
        data = s.scalar(select(DocumentFileRow.data))
    assert data == pdf_api.pdf
    pdf_api.upload({"again.pdf": pdf_api.pdf}, who="unit_a")  # the same bytes again
    pdf_api.run_jobs()
    with st.read() as s:
        assert s.scalar(select(func.count()).select_from(DocumentFileRow)) == 1
        assert s.scalar(select(func.count()).select_from(DocumentRow)) == 1
    assert pdf_api.client.delete(f"/documents/{pdf_api.doc['id']}", headers=pdf_api.h("staff")).status_code == 200
    with st.read() as s:
        assert s.scalar(select(func.count()).select_from(DocumentFileRow)) == 0


def test_a_failed_write_keeps_no_file(store, monkeypatch):
    from reportmine.pipeline import process_bytes
    from reportmine.ingest import ReadOptions
    from reportmine.store.repository import Store

    data = mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[:3])
    doc = process_bytes(data, "f.pdf", ReadOptions(ocr=False))
    assert doc.facts

    def boom(*a, **k):
        raise RuntimeError("simulated failure after the document row")

    monkeypatch.setattr(Store, "_name_id", boom)
    with pytest.raises(RuntimeError):
        store.add_document(doc, data=data)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(DocumentFileRow)) == 0
        assert s.scalar(select(func.count()).select_from(DocumentRow)) == 0


def test_document_page_links_facts_to_their_page_image(pdf_api):
    html = pdf_api.client.get(f"/web/documents/{pdf_api.doc['id']}", headers=pdf_api.h("unit_a")).text
    for f in pdf_api.doc["facts"]:
        assert f'href="/facts/{f["id"]}/image"' in html
    txt = _stored(pdf_api, REPORT_A.encode(), "a.txt", who="staff")
    html = pdf_api.client.get(f"/web/documents/{txt['id']}", headers=pdf_api.h("staff")).text
    assert "/image" not in html  # nothing to open where there is no page


@pytest.mark.skipif(not SEED_PDFS, reason="no PDF among ../shared/corpus/seeds or real")
def test_seed_pdf_fact_boxes_hold_their_text(settings_env):
    from collections import Counter

    from reportmine.text.normalize import to_simplified

    a = Api(settings_env)
    try:
        data = SEED_PDFS[0].read_bytes()
        doc = _stored(a, data, SEED_PDFS[0].name, who="staff")
        boxed = [f for f in doc["facts"] if f.get("bbox")]
        if not boxed:
            pytest.skip("the seed PDF gave no fact with a box (no text layer?)")
        def chars(t):
            return Counter(to_simplified(t).replace(" ", "").replace("\n", ""))

        # every character of the fact lies under its boxes (pdfplumber may order digits and
        # Chinese of one line differently, so characters are compared, not the string)
        hits = sum(not (chars(f["surface"]) - chars(_crop_text(data, f["page"], f["bbox"]))) for f in boxed)
        assert hits >= 0.9 * len(boxed), (hits, len(boxed))
        _png(a.get(f"/facts/{boxed[0]['id']}/image", "staff"))
    finally:
        a.close()


@pytest.mark.skipif(mk.cjk_font_path() is None, reason="no CJK font for the page image")
def test_image_document_box_lines_up_after_exif_rotation(settings_env):
    """One small page image, stored rotated with an EXIF orientation tag, read by OCR."""
    from PIL import Image

    upright = mk.page_image(mk.PARAGRAPHS[3:4], title=None, dpi=110, width_mm=150)
    turned = upright.rotate(90, expand=True)  # the camera's raw pixels; EXIF 6 turns them back
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    turned.save(buf, format="PNG", exif=exif)
    a = Api(settings_env)
    try:
        doc = _stored(a, buf.getvalue(), "scan.png", who="staff")
        assert doc["kind"] == "image"
        page = doc["page_sizes"][0]
        assert (page["width"], page["height"]) == upright.size
        boxed = [f for f in doc["facts"] if f.get("bbox")]
        assert boxed
        gray = upright.convert("L")
        for f in boxed:
            for x0, y0, x1, y1 in f["bbox"]:
                assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
                ink = gray.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1)).histogram()
                assert sum(ink[:128]) > 0  # the box is over text of the upright page
                em = 12 * 110 / 72  # the page's type size in pixels
                assert y1 - y0 <= 2.0 * em and x1 - x0 <= (len(f["surface"]) + 2) * em, f  # the fact, not its block
        img = _png(a.get(f"/facts/{boxed[0]['id']}/image", "staff"))
        assert img.size == upright.size
        boxes = [[x0 - 10, y0 - 10, x1 + 10, y1 + 10] for x0, y0, x1, y1 in boxed[0]["bbox"]]
        reds = _red(img)
        assert reds and all(any(a <= x <= c and b <= y <= d for a, b, c, d in boxes) for x, y in reds)
    finally:
        a.close()


def test_cli_ingest_keeps_the_pdf_and_its_boxes(settings_env, tmp_path):
    """``reportmine ingest`` stores the file too, so its facts open their page; the same
    file again stores nothing new."""
    from typer.testing import CliRunner

    from reportmine.cli import app
    from reportmine.store import Store

    pdf = tmp_path / "cli.pdf"
    pdf.write_bytes(mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[1:4]))
    runner = CliRunner()
    for _ in range(2):
        res = runner.invoke(app, ["ingest", str(pdf)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    st = Store(settings_env)
    try:
        with st.read() as s:
            assert s.scalar(select(func.count()).select_from(DocumentFileRow)) == 1
        facts = st.query_facts({}, limit=100)["items"]
        assert facts and all(f.get("bbox") for f in facts)
    finally:
        st.close()


def test_boxes_come_back_from_the_sandboxed_reader():
    from reportmine.ingest import ReadOptions
    from reportmine.sandbox import Limits, Sandbox

    data = mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[1:3])
    with Sandbox(Limits(seconds=120)) as box:
        doc = box.read(data, "boxed.pdf", ReadOptions(ocr=False))
    assert doc.facts and all(f.bbox for f in doc.facts)
    for f in doc.facts:
        assert f.surface.replace(" ", "") in _crop_text(data, f.page, f.bbox, within=True), f


def test_a_rotated_page_is_drawn_as_shown_with_its_boxes_turned(settings_env):
    """A page with /Rotate 90: the image is the page as displayed (landscape) and the red
    box is where the fact's characters are drawn, turned with the page."""
    import numpy as np
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[1:4]))
    pdf[0].set_rotation(90)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    a = Api(settings_env)
    try:
        doc = _stored(a, buf.getvalue(), "rot.pdf", who="staff")
        page = doc["page_sizes"][0]
        f = max(doc["facts"], key=lambda f: len(f["surface"]))
        img = _png(a.get(f"/facts/{f['id']}/image", "staff"))
        k = 110 / 72
        assert abs(img.width - page["height"] * k) <= 2 and abs(img.height - page["width"] * k) <= 2
        plain = np.asarray(_png(a.get(f"/documents/{doc['id']}/pages/1/image", "staff")).convert("L"))
        for x0, y0, x1, y1 in f["bbox"]:  # turned clockwise: (x, y) -> (H - y, x)
            px0, px1 = (page["height"] - y1) * k, (page["height"] - y0) * k
            py0, py1 = x0 * k, x1 * k
            reds = [(x, y) for x, y in _red(img) if px0 - 8 <= x <= px1 + 8 and py0 - 8 <= y <= py1 + 8]
            assert len(reds) > 20
            assert (plain[int(py0):int(py1) + 1, int(px0):int(px1) + 1] < 128).any()  # ink under the box
        assert len(_red(img)) == sum(
            1 for x, y in _red(img) if any((page["height"] - r[3]) * k - 8 <= x <= (page["height"] - r[1]) * k + 8
                                           and r[0] * k - 8 <= y <= r[2] * k + 8 for r in f["bbox"]))
    finally:
        a.close()


def test_facts_table_links_boxed_facts_to_their_page(pdf_api):
    pdf_api.upload({"a.txt": REPORT_A.encode()}, who="unit_a")
    pdf_api.run_jobs()
    html = pdf_api.client.get("/web/facts", headers=pdf_api.h("unit_a"), params={"sort": "id"}).text
    assert html.count("/image\"") == len(pdf_api.doc["facts"])  # the PDF's facts, not the text file's
    for f in pdf_api.doc["facts"]:
        assert f'href="/facts/{f["id"]}/image"' in html
