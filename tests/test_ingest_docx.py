"""DOCX: body order with tables interleaved, headings from styles, numbering, safety."""

import io
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "data"))
import make_ingest as mk  # noqa: E402

from reportmine.ingest import ReadError, read_bytes, read_document  # noqa: E402

REAL = Path(__file__).parents[1].parent / "shared" / "corpus" / "real"


@pytest.fixture(scope="module")
def doc():
    return read_bytes(mk.docx_bytes(), "summary.docx")


def test_docx_headings_from_styles_and_title(doc):
    assert doc.kind == "docx" and doc.title == mk.TITLE
    heads = [(b.text, b.level) for p in doc.pages for b in p.blocks if b.kind == "heading"]
    assert heads == [(mk.TITLE, 1), ("一、主要工作", 1), ("（一）技能竞赛", 2)]


def test_docx_table_rows_stay_in_body_order(doc):
    blocks = [b for p in doc.pages for b in p.blocks]
    texts = [b.text for b in blocks]
    i_before = texts.index(mk.PARAGRAPHS[2])
    i_after = texts.index(mk.PARAGRAPHS[3])
    rows = [b for b in blocks[i_before + 1:i_after]]
    assert [r.kind for r in rows] == ["table"] * 3
    assert rows[1].text == "职工人数｜1180｜1236"


def _rewrite(data: bytes, part: str, fn) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item.filename)
            z.writestr(item, fn(body) if item.filename == part else body)
    return out.getvalue()


def test_docx_with_entity_declarations_is_refused():
    evil = _rewrite(mk.docx_bytes(), "word/document.xml", lambda b: b.replace(
        b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>', 1))
    with pytest.raises(ReadError) as exc:
        read_bytes(evil, "evil.docx")
    assert "ENTITY" in str(exc.value) and "evil.docx" in str(exc.value)


def test_damaged_docx_names_the_file():
    data = mk.docx_bytes()
    broken = _rewrite(data, "word/document.xml", lambda b: b[: len(b) // 2])
    with pytest.raises(ReadError) as exc:
        read_bytes(broken, "half.docx")
    assert "half.docx" in str(exc.value)


def test_automatic_numbering_is_rendered():
    path = REAL / "r31.docx"
    if not path.exists():
        pytest.skip(f"{path} not available (../shared corpus absent)")
    doc = read_document(path)
    heads = [b.text for p in doc.pages for b in p.blocks if b.kind == "heading"]
    assert any(h.startswith("1.1.") for h in heads)
    assert sum(1 for p in doc.pages for b in p.blocks if b.kind == "table") >= 10
