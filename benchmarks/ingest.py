"""Ingestion benchmark: speed and CER side by side, in one run.

    .venv/bin/python benchmarks/ingest.py            # everything (~1-2 min on 2 cores)
    .venv/bin/python benchmarks/ingest.py --no-ocr   # text PDFs only
    .venv/bin/python benchmarks/ingest.py --corpus   # every file of ../shared/corpus/real

Measures
  * pages/s on text PDFs: reportmine's reader vs plain pdfplumber ``extract_text`` vs plain
    pypdfium2 ``get_text_range`` (generated two-column pages, and ../shared r01.pdf if present);
  * CER on two-column PDFs generated from known text and drawn right column first;
  * OCR seconds per A4 page and CER for a clean 200-dpi render and a degraded 150-dpi scan
    (rotation 1.5-3°, blur, noise, JPEG 60; 12pt and 9pt type), and for two newspaper-like
    pages (headline band, 5 then 3 columns with narrow gutters; reading order counts):
    reportmine vs plain RapidOCR (its lines in output order, its float recognizer; which
    recognizer reportmine used is printed);
  * peak memory of a one-page OCR run (a child process).
CER is computed as ``../shared/tools/rmscore.py cer`` does: NFKC, whitespace removed,
Levenshtein distance / length of the truth.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))

import make_ingest as mk  # noqa: E402

from reportmine.ingest import read_bytes  # noqa: E402
from reportmine.text.normalize import normalize  # noqa: E402

SHARED = ROOT.parent / "shared"


cer = mk.cer  # as ../shared/tools/rmscore.py cer computes it
norm = mk.cer_norm


def ours_text(data: bytes, name: str) -> str:
    return normalize(read_bytes(data, name)).text


def plumber_text(data: bytes) -> tuple[str, int]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages), len(pdf.pages)


def pdfium_text(data: bytes) -> tuple[str, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    out = []
    for page in pdf:
        tp = page.get_textpage()
        out.append(tp.get_text_range())
        tp.close()
        page.close()
    n = len(pdf)
    pdf.close()
    return "\n".join(out), n


def timed(fn, *args, repeat: int = 1):
    best = None
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return result, best


def two_column_docs(n_pages: int, seed: int):
    paras = mk.synthetic_paragraphs(7 * n_pages, seed)
    data = mk.two_column_pdf(paras, title="某集团公司工会2024年度工作总结", pages=n_pages, seed=seed)
    truth = "\n".join(["某集团公司工会2024年度工作总结", *paras])
    return data, truth


def bench_text_pdfs(report: dict):
    print("== text PDFs: pages/s (best of 3) ==")
    rows = []
    data, truth = two_column_docs(20, seed=1)
    inputs = [("generated two-column, 20 pp", data)]
    r01 = SHARED / "corpus" / "real" / "r01.pdf"
    if r01.exists():
        inputs.append(("r01.pdf (22 pp, tables)", r01.read_bytes()))
    for label, blob in inputs:
        doc, t_ours = timed(lambda b: read_bytes(b, "x.pdf"), blob, repeat=3)
        (_, n), t_plumber = timed(plumber_text, blob, repeat=1)
        (_, _), t_pdfium = timed(pdfium_text, blob, repeat=3)
        row = {"input": label, "pages": n, "reportmine": round(n / t_ours, 1),
               "pdfplumber": round(n / t_plumber, 1), "pypdfium2": round(n / t_pdfium, 1)}
        rows.append(row)
        print(f"  {label:32} reportmine {row['reportmine']:7.1f}  pdfplumber {row['pdfplumber']:6.1f}  "
              f"pypdfium2 {row['pypdfium2']:7.1f} pages/s")
    report["pages_per_s"] = rows

    print("== two-column PDFs drawn right column first: CER ==")
    rows = []
    for seed in (2, 3, 4):
        data, truth = two_column_docs(3, seed)
        row = {"seed": seed,
               "reportmine": round(cer(ours_text(data, "two.pdf"), truth), 4),
               "pdfplumber": round(cer(plumber_text(data)[0], truth), 4),
               "pypdfium2": round(cer(pdfium_text(data)[0], truth), 4)}
        rows.append(row)
        print(f"  seed {seed}: reportmine {row['reportmine']:.4f}  pdfplumber {row['pdfplumber']:.4f}  "
              f"pypdfium2 {row['pypdfium2']:.4f}")
    report["two_column_cer"] = rows


def _a4_page(dpi: int, seed: int, size_pt: float = 12):
    paras = mk.synthetic_paragraphs(9 if size_pt < 12 else 7, seed)
    img = mk.page_image(paras, title="某集团公司工会2024年度工作总结", dpi=dpi, height_mm=297, size_pt=size_pt)
    return img, "\n".join(["某集团公司工会2024年度工作总结", *paras])


_PLAIN = None


def plain_rapidocr(image_bytes: bytes) -> str:
    """RapidOCR called once on the page, with its float recognizer (our arena setting and
    reduced-size detection, as before the int8 recognizer)."""
    global _PLAIN
    from reportmine.ingest import ocr

    if _PLAIN is None:
        _PLAIN = ocr.new_engine(int8=False)
    out = _PLAIN(image_bytes)
    return "\n".join(out.txts or [])


def recognizer_in_use() -> str:
    from reportmine.ingest import ocr

    rec = ocr.get_engine()._load_rec_model()
    if isinstance(rec, ocr.CheckedRecognizer):
        return (f"int8 {ocr.INT8_REC_MODEL.name}, float re-read of lines under {rec.threshold} "
                f"(or a character under {rec.char_threshold})")
    return "float (RapidOCR's model)" + (" - REPORTMINE_OCR_INT8=0" if ocr.INT8_REC_MODEL.is_file() else
                                         f" - {ocr.INT8_REC_MODEL.name} absent")


def bench_ocr(report: dict):
    if mk.cjk_font_path() is None:
        print("== OCR: skipped (no CJK font; apt-get install fonts-wqy-microhei) ==")
        return
    from reportmine.ingest.ocr import get_engine

    print("== OCR: A4 pages, seconds per page and CER ==")
    get_engine()  # load once, as a worker does
    report["ocr_recognizer"] = recognizer_in_use()
    print(f"  reportmine's recognizer: {report['ocr_recognizer']}")
    warm = io.BytesIO()
    mk.page_image(mk.PARAGRAPHS[:1], dpi=100).save(warm, format="PNG")
    read_bytes(warm.getvalue(), "warm.png")
    plain_rapidocr(warm.getvalue())
    rows = []
    cases = (("clean 200 dpi 12pt", 200, 12, None), ("clean 200 dpi 12pt", 200, 12, None),
             ("degraded 150 dpi 12pt", 150, 12, 1.5), ("degraded 150 dpi 9pt", 150, 9, 2.5),
             ("degraded 150 dpi 9pt", 150, 9, -3.0))
    for k, (label, dpi, size, angle) in enumerate(cases):
        seed = 5 + k
        if True:
            img, truth = _a4_page(dpi, seed, size)
            if angle is not None:
                blob = mk.degrade(img, angle=angle, blur=0.8, noise=12, jpeg=60, seed=seed)
            else:
                buf = io.BytesIO()
                img.save(buf, format="PNG")
                blob = buf.getvalue()
            text, t_ours = timed(ours_text, blob, "page.png")
            plain, t_plain = timed(plain_rapidocr, blob)
            row = {"page": f"{label}" + (f" {angle:+.1f}°" if angle else ""), "reportmine_s": round(t_ours, 2),
                   "reportmine_cer": round(cer(text, truth), 4), "rapidocr_s": round(t_plain, 2),
                   "rapidocr_cer": round(cer(plain, truth), 4), "chars": len(norm(truth))}
            rows.append(row)
            print(f"  {row['page']:28} reportmine {row['reportmine_s']:5.2f} s CER {row['reportmine_cer']:.4f}   "
                  f"plain RapidOCR {row['rapidocr_s']:5.2f} s CER {row['rapidocr_cer']:.4f}  ({row['chars']} chars)")
    # newspaper-like pages (issue #4): a headline band, 5 columns with 1-em gutters, a second
    # region of 3 columns with its own title and a boxed column, an imprint line
    for seed in (0, 1):
        img, truth, _lines = mk.newspaper_page(seed=seed)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        blob = buf.getvalue()
        text, t_ours = timed(ours_text, blob, "page.png")
        plain, t_plain = timed(plain_rapidocr, blob)
        row = {"page": f"newspaper 5+3 columns s{seed}", "reportmine_s": round(t_ours, 2),
               "reportmine_cer": round(cer(text, truth), 4), "rapidocr_s": round(t_plain, 2),
               "rapidocr_cer": round(cer(plain, truth), 4), "chars": len(norm(truth))}
        rows.append(row)
        print(f"  {row['page']:28} reportmine {row['reportmine_s']:5.2f} s CER {row['reportmine_cer']:.4f}   "
              f"plain RapidOCR {row['rapidocr_s']:5.2f} s CER {row['rapidocr_cer']:.4f}  ({row['chars']} chars)")
    report["ocr"] = rows
    # peak memory of a one-page OCR run, measured in a fresh process,
    # with the int8 recognizer (and its float re-read) and with the float one alone
    img, _truth = _a4_page(200, 7)
    path = Path("/tmp/reportmine-bench-page.png")
    img.save(path)
    # VmHWM is the high-water mark of this process's own memory map; ru_maxrss of a child
    # starts at its parent's size (this benchmark's, several GB by now) when forked
    code = ("import sys; sys.path.insert(0, %r); from reportmine.ingest import read_document; "
            "read_document(%r); print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
            ) % (str(ROOT), str(path))
    report["ocr_one_page_process"] = {}
    for label, flag in (("default", "1"), ("float only", "0")):
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                             env={**os.environ, "REPORTMINE_OCR_INT8": flag})
        dt = time.perf_counter() - t
        peak = int(res.stdout.split()[-1]) / 1024
        report["ocr_one_page_process"][label] = {"seconds_cold": round(dt, 2), "peak_rss_mb": round(peak)}
        print(f"  one-page OCR in a fresh process ({label}): {dt:.1f} s including model load, peak RSS {peak:.0f} MB")


def bench_corpus(report: dict):
    """Every file of ../shared/corpus/real through read_document: kind, pages, seconds, chars."""
    from reportmine.ingest import ReadError, read_document

    folder = SHARED / "corpus" / "real"
    if not folder.exists():
        print(f"== corpus: {folder} absent ==")
        return
    print("== ../shared/corpus/real through read_document ==")
    print(f"  {'file':10} {'kind':12} {'pages':>5} {'seconds':>8} {'chars':>6}  notes")
    rows = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".md"):
            continue
        t = time.perf_counter()
        try:
            doc = normalize(read_document(path, name=path.name))
            row = {"file": path.name, "kind": doc.kind, "pages": doc.page_count,
                   "seconds": round(time.perf_counter() - t, 2), "chars": len(doc.text),
                   "notes": "; ".join(doc.warnings)[:90]}
        except ReadError as exc:
            row = {"file": path.name, "kind": "error", "pages": 0,
                   "seconds": round(time.perf_counter() - t, 2), "chars": 0, "notes": str(exc)[:90]}
        rows.append(row)
        print(f"  {row['file']:10} {row['kind']:12} {row['pages']:5} {row['seconds']:8.2f} {row['chars']:6}  "
              f"{row['notes']}", flush=True)
    report["corpus"] = rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-ocr", action="store_true", help="skip the OCR measurements")
    ap.add_argument("--corpus", action="store_true", help="only read every file of ../shared/corpus/real")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    report: dict = {}
    if args.corpus:
        bench_corpus(report)
        if args.json:
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        return
    bench_text_pdfs(report)
    if not args.no_ocr:
        bench_ocr(report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
