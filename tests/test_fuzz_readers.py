"""Property-based fuzzing of every reader's entry point and of the normalizer.

Whatever the bytes, ``read_bytes`` either gives a document or raises ``ReadError`` naming
the file — never another exception — and normalization keeps its offset invariants.
Bounded here (CI); ``benchmarks/fuzz_long.py`` runs the same properties far longer.
"""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportmine.document import Block, Document, Page
from reportmine.ingest import ReadError, ReadOptions, read_bytes
from reportmine.text.normalize import normalize

sys.path.insert(0, str(Path(__file__).parent))
from data.make_ingest import docx_bytes, two_column_pdf  # noqa: E402
from fuzz_corpus import _pdf, _png  # noqa: E402

SEEDS = {
    "pdf": two_column_pdf(),
    "small.pdf": _pdf(2, "Report"),
    "docx": docx_bytes(),
    "png": _png(32, 32),
    "txt": "红山区人民医院工会2023年度工作总结\n\n全年组织岗位练兵18场。".encode("gb18030"),
    "html": "<html><body><nav>首页</nav><article><p>院工会召开职代会。</p></article></body></html>".encode(),
}
EXAMPLES = int(os.environ.get("REPORTMINE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OPTIONS = ReadOptions(ocr=False)


@st.composite
def mutated(draw):
    """A valid file of some format with bytes flipped, cut, duplicated or inserted."""
    kind = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            data = data[:at] if draw(st.booleans()) else data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "dup" and data:
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
    return kind, bytes(data)


def _read_or_refuse(data: bytes, name: str):
    try:
        doc = read_bytes(data, name, OPTIONS)
    except ReadError as exc:
        assert exc.name == name and exc.reason
        return None
    return doc


@FUZZ
@given(mutated())
def test_mutated_files_are_read_or_refused_cleanly(case):
    kind, data = case
    doc = _read_or_refuse(data, f"fuzz.{kind.split('.')[-1]}")
    if doc is not None:
        normalize(doc)
        assert len(doc.offsets) == len(doc.text)


@FUZZ
@given(st.binary(max_size=2048), st.sampled_from(["a.pdf", "a.docx", "a.txt", "a.png", "a.doc", "a.html", "a"]))
def test_random_bytes_under_any_name_are_read_or_refused(data, name):
    _read_or_refuse(data, name)


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), min_size=1, max_size=6))
def test_normalizer_keeps_offsets_on_any_text(blocks):
    doc = Document(source="x", sha256="0", kind="txt",
                   pages=[Page(number=1, blocks=[Block(page=1, text=b) for b in blocks])])
    doc = normalize(doc)
    assert len(doc.offsets) == len(doc.text)
    assert doc.offsets == sorted(doc.offsets)
    assert all(0 <= o < max(1, len(doc.raw_text)) for o in doc.offsets)
    for p in doc.paragraphs:
        assert 0 <= p.start < p.end <= len(doc.text) and "\n" not in doc.text[p.start:p.end]
