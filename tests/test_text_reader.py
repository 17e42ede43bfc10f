"""Text files in the encodings Chinese offices use, detected from the bytes."""

import pytest

from reportmine.ingest import ReadError, read_bytes, sniff

TEXT = "红山区人民医院工会2023年度工作总结\n\n全年组织岗位练兵18场，参训职工1260人次。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_are_detected_from_the_bytes(encoding):
    doc = read_bytes(TEXT.encode(encoding), "report.txt")
    assert doc.kind == "txt"
    body = "".join(b.text for p in doc.pages for b in p.blocks)
    assert "岗位练兵18场" in body


def test_big5_traditional_text_is_read():
    data = "本會全年舉辦職工培訓二十場，參加人數逾千人。".encode("big5")
    doc = read_bytes(data, "trad.txt")
    assert "職工培訓" in doc.pages[0].blocks[0].text


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    ("\ufeff".encode("utf-8"), "no text"),
    (b"   \n\n\t ", "no text"),
])
def test_empty_inputs_are_refused_with_a_reason(data, reason):
    with pytest.raises(ReadError) as exc:
        read_bytes(data, "x.txt")
    assert "x.txt" in str(exc.value) and reason in str(exc.value)


def test_random_binary_is_not_taken_for_text():
    import random

    rng = random.Random(1)
    data = bytes(rng.randrange(256) for _ in range(5000))
    with pytest.raises(ReadError) as exc:
        read_bytes(data, "junk.txt")
    assert "junk.txt" in str(exc.value)


def test_format_is_sniffed_from_magic_bytes_not_the_name():
    assert sniff(b"%PDF-1.7\n...", "a.docx") == "pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n0000", "a.pdf") == "png"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.txt") == "doc"
    with pytest.raises(ReadError):
        sniff(b"MZ\x90\x00executable", "setup.pdf")
