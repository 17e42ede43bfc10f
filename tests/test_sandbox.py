"""Parsing in a watched worker: a hang, a memory hog or a native crash costs one file."""

import faulthandler
import os
import time

import pytest

from reportmine.ingest import ReadError, base
from reportmine.ingest.text import read_text
from reportmine.sandbox import Limits, Sandbox

GOOD = "红山区人民医院工会2023年度工作总结\n\n全年组织岗位练兵18场，参训职工1260人次。".encode()


def hostile_text_reader(data, name, options):
    """A text reader that misbehaves on command, standing in for a broken native parser."""
    if data.startswith(b"HANG"):
        time.sleep(60)
    if data.startswith(b"EAT"):
        hog = []
        while True:
            hog.append(bytearray(50 * 1024 * 1024))
    if data.startswith(b"CRASH"):
        faulthandler.disable()  # no dump of the intended crash in the test output
        os.abort()
    return read_text(data, name, options)


@pytest.fixture()
def sandbox(monkeypatch):
    monkeypatch.setitem(base.READERS, "text", hostile_text_reader)  # the forked worker inherits it
    box = Sandbox(Limits(seconds=8, memory_mb=400))
    yield box
    box.close()


def test_good_file_is_read_in_the_worker(sandbox):
    doc = sandbox.read(GOOD, "good.txt")
    assert "岗位练兵18场" in doc.text and doc.facts


@pytest.mark.parametrize("payload,reason", [
    (b"HANG", "longer than the limit"),
    (b"EAT", "memory"),
    (b"CRASH", "crashed"),
])
def test_misbehaving_reader_costs_only_its_file(sandbox, payload, reason):
    with pytest.raises(ReadError) as exc:
        sandbox.read(payload + b" junk", "bad.txt")
    assert exc.value.name == "bad.txt" and reason in exc.value.reason
    # the next file is read by a fresh worker
    doc = sandbox.read(GOOD, "after.txt")
    assert doc.source == "after.txt" and "参训职工" in doc.text


def test_reader_errors_come_back_with_their_reason(sandbox):
    with pytest.raises(ReadError) as exc:
        sandbox.read(b"", "empty.txt")
    assert "empty" in exc.value.reason


def test_oversized_file_is_refused_before_reading():
    box = Sandbox(Limits(max_bytes=100))
    try:
        with pytest.raises(ReadError) as exc:
            box.read(b"x" * 1000, "big.txt")
        assert "too large" in exc.value.reason
    finally:
        box.close()


def test_progress_of_the_worker_reaches_the_caller():
    """Pages done are reported back across the process boundary (the CLI and the job status show them)."""
    import sys
    from pathlib import Path

    from reportmine.ingest import ReadOptions

    sys.path.insert(0, str(Path(__file__).parent / "data"))
    import make_ingest as mk

    seen = []
    with Sandbox(Limits(seconds=120)) as box:
        doc = box.read(mk.two_column_pdf(pages=2), "two.pdf", ReadOptions(progress=lambda d, t: seen.append((d, t))))
    assert doc.kind == "pdf" and doc.page_count == 2 and doc.source == "two.pdf"
    assert seen and seen[-1] == (2, 2)


def test_a_native_crash_is_named_by_its_signal(monkeypatch):
    def segfaulting(data, name, options):
        faulthandler.disable()
        os.kill(os.getpid(), 11)

    monkeypatch.setitem(base.READERS, "text", segfaulting)
    with Sandbox(Limits(seconds=20)) as box:
        with pytest.raises(ReadError) as exc:
            box.read(b"plain words", "crash.txt")
    assert exc.value.name == "crash.txt" and "crashed (SIGSEGV)" in exc.value.reason
