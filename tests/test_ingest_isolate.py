"""Readers in a worker subprocess: a hang or crash costs one file, with a clear error."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "data"))
import make_ingest as mk  # noqa: E402

from reportmine.ingest import ReadError, ReadOptions  # noqa: E402
from reportmine.ingest import base  # noqa: E402
from reportmine.ingest.isolate import read_isolated  # noqa: E402


def test_isolated_read_returns_the_document_and_progress():
    seen = []
    doc = read_isolated(mk.two_column_pdf(pages=2), "two.pdf", ReadOptions(progress=lambda d, t: seen.append((d, t))),
                        timeout_s=60)
    assert doc.kind == "pdf" and doc.page_count == 2 and doc.source == "two.pdf"
    assert seen and seen[-1] == (2, 2)


def test_reader_errors_come_back_as_read_errors(tmp_path):
    with pytest.raises(ReadError) as exc:
        read_isolated(b"%PDF-1.4\n garbage", "bad.pdf", timeout_s=60)
    assert "bad.pdf" in str(exc.value)
    with pytest.raises(ReadError):
        read_isolated(tmp_path / "missing.pdf", timeout_s=60)


@pytest.fixture
def hostile_reader():
    saved = base.READERS["rtf"]

    def reader(data, name, options):
        if b"hang" in data:
            import time

            time.sleep(60)
        os.kill(os.getpid(), 11)  # a native parser segfaulting

    base.READERS["rtf"] = reader
    yield
    base.READERS["rtf"] = saved


def test_a_hanging_reader_is_stopped(hostile_reader):
    with pytest.raises(ReadError) as exc:
        read_isolated(b"{\\rtf1 hang}", "slow.rtf", timeout_s=1.5)
    assert "longer than" in str(exc.value) and "slow.rtf" in str(exc.value)


def test_a_crashing_reader_costs_one_file(hostile_reader):
    with pytest.raises(ReadError) as exc:
        read_isolated(b"{\\rtf1 boom}", "crash.rtf", timeout_s=30)
    assert "crashed" in str(exc.value) and "SIGSEGV" in str(exc.value)
