"""Writes a corpus of hostile and broken files for the ingestion tests.

``make_corpus(folder, seed)`` writes ≥ 200 bad files of the classes a federation receives
(empty, random bytes under real extensions, formats under wrong names, header-only and
truncated PDFs, password-protected PDFs, decompression bombs, XML entity bombs, zip path
traversal, nested zips, pathological text) and returns {file name: class}. Sizes, cut points
and seeds vary, so every run of the same seed writes the same bytes.

Run alone: ``python tests/fuzz_corpus.py OUT_DIR [SEED]``.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

GOOD_TEXT = "红山区人民医院工会2023年度工作总结\n\n全年组织岗位练兵18场，参训职工1260人次。\n"


def _pdf(pages: int = 1, text: str = "Hello") -> bytes:
    """A small valid PDF written by hand (no dependency), for cutting and corrupting."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>")
    for i in range(pages):
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
                    f"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")
        stream = f"BT /F1 12 Tf 72 720 Td ({text} {i}) Tj ET"
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _png(width: int, height: int, raw_rows: bytes | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    if raw_rows is None:
        raw_rows = b"".join(b"\x00" + bytes([255]) * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw_rows, 9)) + chunk(b"IEND", b"")


def _png_bomb(side: int = 40000) -> bytes:
    """A small PNG that claims side×side pixels (a gigapixel) of zeros."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    data = b"".join(comp.compress(row) for _ in range(2000)) + comp.flush()
    return _png(side, side, None)[:33] + struct.pack(">I", len(data)) + b"IDAT" + data + \
        struct.pack(">I", zlib.crc32(b"IDAT" + data) & 0xFFFFFFFF) + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _docx(document_xml: str, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def _entity_bomb() -> str:
    ents = ['<!ENTITY a0 "工会工会工会工会工会">']
    for i in range(1, 10):
        ents.append(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">')
    return ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:document [' + "".join(ents) + ']>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>')


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


def _zip_of_zeros(megabytes: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("zeros.txt", "w", force_zip64=True) as f:
            block = b"\x00" * (1 << 20)
            for _ in range(megabytes):
                f.write(block)
    return buf.getvalue()


def _encrypted_pdf(user_password: str, owner_password: str) -> bytes | None:
    try:
        from reportlab.lib import pdfencrypt
        from reportlab.pdfgen import canvas
    except ImportError:
        return None
    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption(user_password, ownerPassword=owner_password, canPrint=1)
    c = canvas.Canvas(buf, encrypt=enc)
    c.drawString(72, 720, "secret 2023 report")
    c.showPage()
    c.save()
    return buf.getvalue()


def make_corpus(folder: str | Path, seed: int = 0) -> dict[str, str]:
    """Write the hostile corpus into ``folder``; returns {file name: class}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    made: dict[str, str] = {}

    def put(name: str, data: bytes, klass: str):
        (folder / name).write_bytes(data)
        made[name] = klass

    put("empty.pdf", b"", "empty")
    put("empty.txt", b"", "empty")
    put("empty.docx", b"", "empty")
    for ext in ("pdf", "jpg", "png", "docx", "doc", "txt", "tiff", "webp"):
        for i in range(15):
            size = rng.choice([1, 7, 64, 512, 4096, 65536])
            put(f"random_{i:02d}.{ext}", rng.randbytes(size), "random bytes")
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + rng.randbytes(2000)
    put("setup.pdf", exe, "executable under a document name")
    put("program.docx", b"\x7fELF\x02\x01\x01" + bytes(200), "executable under a document name")
    put("picture.docx", _png(20, 20), "image under a docx name")
    put("zipped_photos.docx", _zip({"photo1.jpg": b"\xff\xd8\xff" + bytes(100), "photo2.jpg": b"\xff\xd8\xff" + bytes(50)}),
        "zip of photos under a docx name")
    put("header_only.pdf", b"%PDF-1.7\n", "header-only PDF")
    put("header_eof.pdf", b"%PDF-1.4\n%%EOF\n", "header-only PDF")
    put("zero_pages.pdf", _pdf(0), "zero-page PDF")
    nested = "<< /A " * 5000 + ">>" * 5000
    put("nested_objects.pdf", b"%PDF-1.4\n1 0 obj\n" + nested.encode() + b"\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        "deeply nested PDF objects")
    good_pdf = _pdf(3, "Report")
    for i in range(30):
        cut = rng.randrange(9, len(good_pdf) - 1)
        put(f"truncated_{i:02d}.pdf", good_pdf[:cut], "truncated PDF")
    png = _png(64, 64)
    for i in range(10):
        cut = rng.randrange(8, len(png) - 12)
        put(f"truncated_{i:02d}.png", png[:cut], "truncated image")
    jpeg_head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    for i in range(8):
        put(f"truncated_{i:02d}.jpg", jpeg_head + bytes(rng.randrange(256) for _ in range(rng.randrange(10, 300))),
            "truncated image")
    enc = _encrypted_pdf("userpw", "ownerpw")
    if enc:
        put("password_user.pdf", enc, "PDF needing a user password")
    put("png_bomb.png", _png_bomb(), "decompression bomb (gigapixel PNG)")
    put("zeros_200mb.zip", _zip_of_zeros(200), "decompression bomb (zip of zeros)")
    put("entity_bomb.docx", _docx(_entity_bomb()), "XML entity expansion in DOCX")
    put("traversal.zip", _zip({"../../escape.txt": GOOD_TEXT.encode(), "/etc/evil.txt": GOOD_TEXT.encode()}),
        "zip entries with .. or absolute paths")
    inner = _zip({"inner.txt": b"\x00" * 100})
    level = inner
    for depth in range(6):
        level = _zip({f"level{depth}.zip": level})
    put("nested.zip", level, "nested zips")
    put("bom_only.txt", b"\xef\xbb\xbf", "BOM and nothing else")
    put("bom16_only.txt", b"\xff\xfe", "BOM and nothing else")
    put("nul_bytes.txt", b"\x00" * 5000, "NUL bytes")
    put("one_long_line.txt", b"a" * (10 * 1024 * 1024), "one 10 MB line")
    put("huge_number.txt", ("共有" + "9" * 200000 + "人参加").encode(), "a 200,000-digit number")
    put("chinese_numerals.txt", ("参加" + "一二三四五六七八九十百千万" * 30000 + "人").encode(), "hundreds of thousands of Chinese numerals")
    put("script.html", ("<html><head><script>alert(1)</script></head><body onload='steal()'>"
                        "<img src=x onerror='alert(2)'><iframe src='javascript:alert(3)'></iframe></body></html>").encode(),
        "HTML with only scripts")
    for i in range(20):
        n = rng.randrange(1, 50)
        put(f"noise_{i:02d}.txt", bytes(rng.choice(b"\x00\x01\x02\x03\xfe\xff") for _ in range(n * 40)), "binary noise")
    return made


if __name__ == "__main__":
    out = make_corpus(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(f"{len(out)} files written to {sys.argv[1]}")
