"""The int8 text recognizer (with its float re-read of unsure lines) against the float one,
paired in one process: the same page read by both engines in turn, order alternating between
repeats, so that load from other processes falls on both alike.

    PYTHONPATH=. .venv/bin/python benchmarks/ocr_int8.py                 # generated + real pages
    PYTHONPATH=. .venv/bin/python benchmarks/ocr_int8.py --no-real --repeats 5
    PYTHONPATH=. .venv/bin/python benchmarks/ocr_int8.py --threads 1     # as a pool worker reads
    PYTHONPATH=. .venv/bin/python benchmarks/ocr_int8.py --no-generated --lines-only   # rule table

Prints, per page: median seconds of each engine and their ratio (float / int8, > 1: int8
faster), CER against the known text for generated pages, and for every page the share of
characters (NFKC, whitespace removed, Levenshtein) where the int8 reading differs from the
float one, without and with the re-read. Then, on the lines of the real pages (as the float
engine cropped them, each read by both models), how re-read rules (line confidence, lowest
character probability) trade agreement for cost: the share of lines and of line width re-read
(recognition time grows with line width) and the characters still differing, with the float
reading replacing a re-read line / with the more confident reading kept; pages split into two
halves (one to choose on, one to check). Real pages: r11-r29 of ../shared/corpus/real, first
two pages of the PDFs, the calibration scans left out.
Needs ``models/ocr/rec_int8.onnx`` (``python -m reportmine.ingest.quantize``).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import make_ingest as mk  # noqa: E402

from reportmine.ingest import ocr  # noqa: E402
from reportmine.ingest.layout import layout_items  # noqa: E402
from reportmine.ingest.quantize import CALIBRATION_SCANS  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus" / "real"


def page_text(items, height) -> str:
    return "\n".join(b.text for b in layout_items(items, 1, height))


def generated_pages():
    """The OCR pages of benchmarks/ingest.py: clean 200 dpi, degraded 150 dpi, newspaper."""
    from PIL import Image

    import ingest as bench

    out = []
    cases = (("clean 200 dpi 12pt", 200, 12, None), ("clean 200 dpi 12pt", 200, 12, None),
             ("degraded 150 dpi 12pt", 150, 12, 1.5), ("degraded 150 dpi 9pt", 150, 9, 2.5),
             ("degraded 150 dpi 9pt", 150, 9, -3.0))
    for k, (label, dpi, size, angle) in enumerate(cases):
        img, truth = bench._a4_page(dpi, 5 + k, size)
        if angle is not None:
            img = Image.open(io.BytesIO(mk.degrade(img, angle=angle, blur=0.8, noise=12, jpeg=60, seed=5 + k)))
            img.load()
            label += f" {angle:+.1f}°"
        out.append((f"{label} s{5 + k}", img, truth))
    for seed in (0, 1):
        img, truth, _ = mk.newspaper_page(seed=seed)
        out.append((f"newspaper 5+3 columns s{seed}", img, truth))
    return out


def real_pages(names: list[str], pdf_pages: int):
    """Images of ../shared/corpus/real: image files whole, scanned PDFs rendered as the PDF
    reader renders them for OCR (first ``pdf_pages`` pages)."""
    import pypdfium2 as pdfium

    from reportmine.ingest.base import ReadOptions
    from reportmine.ingest.image import load_frames
    from reportmine.ingest.pdf import MAX_RENDER_SIDE

    out = []
    for name in names:
        path = REAL / name
        if not path.is_file():
            print(f"  {name}: not found, skipped")
            continue
        if name.endswith(".pdf"):
            pdf = pdfium.PdfDocument(path.read_bytes())
            for i in range(min(pdf_pages, len(pdf))):
                page = pdf[i]
                w, h = page.get_size()
                scale = min(ReadOptions().ocr_dpi / 72.0, MAX_RENDER_SIDE / max(1.0, w, h))
                out.append((f"{name} p{i + 1}", page.render(scale=scale, grayscale=True).to_pil(), None))
                page.close()
            pdf.close()
        else:
            out.append((name, load_frames(path.read_bytes(), name, 1)[0], None))
    return out


class LineRecorder:
    """Wraps an engine's recognizer and keeps every call's crops and readings."""

    def __init__(self, rec):
        self.rec = rec
        self.calls: list[tuple[list, tuple, tuple]] = []
        self.on = False

    def __getattr__(self, name):
        return getattr(self.rec, name)

    def __call__(self, args):
        out = self.rec(args)
        if self.on:
            imgs = [args.img] if not isinstance(args.img, list) else list(args.img)
            self.calls.append((imgs, tuple(out.txts or ()), tuple(out.scores or ())))
        return out


def timed_read(engine, img):
    t = time.perf_counter()
    items = ocr.ocr_image(img, engine=engine)
    return items, time.perf_counter() - t


def compare_pages(pages, fp32, int8, repeats: int, lines: list | None):
    checked = int8.text_rec
    recorder = fp32.text_rec
    rows = []
    print(f"  {'page':36} {'float s':>8} {'int8 s':>8} {'ratio':>6} {'CER f/i':>13} "
          f"{'diff int8':>9} {'+re-read':>9} {'re-read':>8}")
    for name, img, truth in pages:
        t_f, t_i = [], []
        text_f = text_i = None
        re0 = checked.rechecked
        for rep in range(repeats):
            order = ("f", "i") if rep % 2 == 0 else ("i", "f")
            for which in order:
                if which == "f":
                    recorder.on = rep == 0 and lines is not None
                    items, dt = timed_read(fp32, img)
                    recorder.on = False
                    t_f.append(dt)
                    if rep == 0:
                        text_f = page_text(items, img.height)
                else:
                    items, dt = timed_read(int8, img)
                    t_i.append(dt)
                    if rep == 0:
                        text_i = page_text(items, img.height)
        n_lines_rechecked = (checked.rechecked - re0) / repeats
        if lines is not None:
            lines.append((name, recorder.calls[:]))
            recorder.calls.clear()
        # the int8 reading with no re-read, once
        thr = checked.threshold, checked.char_threshold
        checked.threshold = checked.char_threshold = -1.0
        text_raw = page_text(ocr.ocr_image(img, engine=int8), img.height)
        checked.threshold, checked.char_threshold = thr
        ref = mk.cer_norm(text_f)
        n = max(1, len(ref))
        row = {"page": name, "float_s": round(statistics.median(t_f), 2), "int8_s": round(statistics.median(t_i), 2),
               "ratio": round(statistics.median(t_f) / statistics.median(t_i), 2),
               "pair_ratios": [round(a / b, 2) for a, b in zip(t_f, t_i)],
               "chars": len(ref), "diff_int8": mk.levenshtein(mk.cer_norm(text_raw), ref) / n,
               "diff_rechecked": mk.levenshtein(mk.cer_norm(text_i), ref) / n, "lines_rechecked": n_lines_rechecked}
        if truth is not None:
            row["cer_float"] = round(mk.cer(text_f, truth), 4)
            row["cer_int8"] = round(mk.cer(text_i, truth), 4)
        rows.append(row)
        cer_s = f"{row['cer_float']:.4f}/{row['cer_int8']:.4f}" if truth is not None else ""
        print(f"  {name[:36]:36} {row['float_s']:8.2f} {row['int8_s']:8.2f} {row['ratio']:6.2f} {cer_s:>13} "
              f"{row['diff_int8']:9.4f} {row['diff_rechecked']:9.4f} {n_lines_rechecked:8.0f}", flush=True)
    tf = sum(r["float_s"] for r in rows)
    ti = sum(r["int8_s"] for r in rows)
    chars = sum(r["chars"] for r in rows)
    d0 = sum(r["diff_int8"] * r["chars"] for r in rows) / max(1, chars)
    d1 = sum(r["diff_rechecked"] * r["chars"] for r in rows) / max(1, chars)
    print(f"  {'all ' + str(len(rows)) + ' pages':36} {tf:8.2f} {ti:8.2f} {tf / ti:6.2f} {'':>13} {d0:9.4f} {d1:9.4f}"
          f"   (median of page ratios {statistics.median(r['ratio'] for r in rows):.2f})")
    return rows, {"float_s": round(tf, 2), "int8_s": round(ti, 2), "ratio": round(tf / ti, 3),
                  "median_page_ratio": statistics.median(r["ratio"] for r in rows),
                  "chars": chars, "diff_int8": round(d0, 5), "diff_rechecked": round(d1, 5)}


# re-read rules compared: (line confidence below, lowest character probability below)
RULES = ((0.0, 0.0), (0.9, 0.0), (0.95, 0.0), (0.96, 0.0), (0.97, 0.0), (0.98, 0.0), (0.99, 0.0),
         (0.0, 0.3), (0.0, 0.5), (0.0, 0.6), (0.0, 0.7), (0.0, 0.8),
         (0.95, 0.3), (0.95, 0.5), (0.95, 0.6), (0.96, 0.5), (0.97, 0.3), (0.97, 0.5), (0.97, 0.6), (0.98, 0.5))


def line_table(lines, int8_rec, exact_rec):
    """Per line: float reading (as the float engine read it), int8 reading of the same crop
    (line confidence and lowest character probability), float reading again in a batch of
    re-read lines; for each re-read rule, what re-reading costs and what it leaves."""
    from rapidocr.ch_ppocr_rec import TextRecInput

    per_page = []
    for name, calls in lines:
        recs = []
        for imgs, txts, scores in calls:
            if not imgs:
                continue
            fast = int8_rec(TextRecInput(img=imgs, return_word_box=True))
            for k, img in enumerate(imgs):
                confs = getattr(fast.word_results[k], "confs", None) or [0.0]
                recs.append({"w": img.shape[1] * 48.0 / max(1, img.shape[0]), "f": mk.cer_norm(txts[k]),
                             "fs": scores[k], "i": mk.cer_norm(fast.txts[k]), "is": fast.scores[k],
                             "imin": float(min(confs)), "img": img})
        per_page.append((name, recs))
    top_mean = max(r[0] for r in RULES)
    top_min = max(r[1] for r in RULES)
    # the float reading of every line some rule re-reads, in one call a page as the re-read makes it
    for _name, recs in per_page:
        unsure = [r for r in recs if r["is"] < top_mean or r["imin"] < top_min]
        if unsure:
            again = exact_rec(TextRecInput(img=[r["img"] for r in unsure]))
            for r, t, sc in zip(unsure, again.txts, again.scores):
                r["a"], r["as"] = mk.cer_norm(t), sc
        for r in recs:
            r.pop("img")

    def stats(pages, rule):
        mean_below, min_below = rule
        n_lines = w_all = w_re = chars = re_lines = 0
        diff = {"exact": 0, "confident": 0}
        for _name, recs in pages:
            for r in recs:
                n_lines += 1
                w_all += r["w"]
                chars += len(r["f"])
                got = {"exact": r["i"], "confident": r["i"]}
                if r["is"] < mean_below or r["imin"] < min_below:
                    re_lines += 1
                    w_re += r["w"]
                    got["exact"] = r["a"]
                    if r["as"] > r["is"]:
                        got["confident"] = r["a"]
                for k in diff:
                    diff[k] += mk.levenshtein(got[k], r["f"])
        return {"rule": list(rule), "lines": n_lines, "lines_reread": re_lines / max(1, n_lines),
                "width_reread": w_re / max(1e-9, w_all), "diff_chars": diff["exact"],
                "diff": diff["exact"] / max(1, chars), "diff_chars_confident": diff["confident"], "chars": chars}

    halves = (per_page[0::2], per_page[1::2])
    table = []
    print("  differing chars: the float reading replaces a re-read line / the more confident reading is kept")
    print(f"  {'re-read when':>26} | {'lines':>6} {'width':>6} {'differing chars':>15} (A: {len(halves[0])} pages)"
          f" | {'lines':>6} {'width':>6} {'differing chars':>15} (B: {len(halves[1])} pages)")
    for rule in RULES:
        a, b = stats(halves[0], rule), stats(halves[1], rule)
        table.append({"A": a, "B": b})
        label = " or ".join(x for x in (f"conf < {rule[0]}" if rule[0] else "",
                                         f"char < {rule[1]}" if rule[1] else "") if x) or "never"
        mark = "*" if rule == (ocr.RECHECK_BELOW, ocr.RECHECK_CHAR_BELOW) else " "
        print(f" {mark}{label:>26} | {a['lines_reread']:6.1%} {a['width_reread']:6.1%} "
              f"{a['diff_chars']:5d} / {a['diff_chars_confident']:5d}          "
              f"| {b['lines_reread']:6.1%} {b['width_reread']:6.1%} "
              f"{b['diff_chars']:5d} / {b['diff_chars_confident']:5d}")
    allp = [stats(per_page, rule) for rule in RULES]
    recs = [r for _n, rs in per_page for r in rs]
    n_diff_lines = sum(1 for r in recs if r["i"] != r["f"])
    again = [r for r in recs if "a" in r]
    noise = sum(mk.levenshtein(r["a"], r["f"]) for r in again)
    chars = sum(len(r["f"]) for r in recs)
    print(f"  lines where int8 and float differ: {n_diff_lines} of {len(recs)} ({chars} characters; A "
          f"{table[0]['A']['chars']}, B {table[0]['B']['chars']}); * the rule in use")
    print(f"  float against float: the {len(again)} lines some rule re-reads, read again by the float model in "
          f"batches of their own, differ from its first reading in {noise} of "
          f"{sum(len(r['f']) for r in again)} characters")
    return {"halves": table, "all": allp, "differing_lines": n_diff_lines, "float_again_diff_chars": noise,
            "lines": [{"page": n, **r} for n, rs in per_page for r in rs]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="paired runs per page (default 3)")
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime threads (default: all cores)")
    ap.add_argument("--no-generated", action="store_true")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--real", nargs="*",
                    help="files of ../shared/corpus/real (default r11-r29 but the calibration scans)")
    ap.add_argument("--pdf-pages", type=int, default=2, help="pages read of each scanned PDF (default 2)")
    ap.add_argument("--lines-only", action="store_true",
                    help="real pages: read each once with the float engine and print the threshold table only")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if not ocr.INT8_REC_MODEL.is_file():
        sys.exit(f"{ocr.INT8_REC_MODEL} is missing: python -m reportmine.ingest.quantize")
    fp32 = ocr.new_engine(int8=False, threads=args.threads)
    int8 = ocr.new_engine(int8=True, threads=args.threads)
    fp32.text_rec = LineRecorder(fp32._load_rec_model())
    print(f"int8 model {ocr.INT8_REC_MODEL.relative_to(ROOT)} ({ocr.INT8_REC_MODEL.stat().st_size / 1e6:.1f} MB), "
          f"re-read when line confidence < {ocr.RECHECK_BELOW} or a character < {ocr.RECHECK_CHAR_BELOW}, "
          f"threads {args.threads or 'default'}, {args.repeats} paired runs a page")
    warm = mk.page_image(mk.PARAGRAPHS[:2], dpi=150)
    for engine in (fp32, int8, fp32, int8):
        ocr.ocr_image(warm, engine=engine)
    int8.text_rec.exact  # loaded now, not inside a timed page
    report: dict = {"threshold": ocr.RECHECK_BELOW, "char_threshold": ocr.RECHECK_CHAR_BELOW,
                    "threads": args.threads, "repeats": args.repeats}
    if not args.no_generated:
        print("== generated pages (benchmarks/ingest.py) ==")
        rows, total = compare_pages(generated_pages(), fp32, int8, args.repeats, None)
        report["generated"] = {"pages": rows, "total": total}
    if not args.no_real:
        names = args.real or sorted(p.name for p in REAL.glob("r*")
                                    if p.suffix in (".pdf", ".jpg", ".png") and 11 <= int(p.stem[1:]) <= 29
                                    and p.name not in CALIBRATION_SCANS)
        print(f"== real scans of ../shared/corpus/real (calibration scans {', '.join(CALIBRATION_SCANS)} left out) ==")
        lines: list = []
        pages = real_pages(names, args.pdf_pages)
        if args.lines_only:
            fp32.text_rec.on = True
            for name, img, _truth in pages:
                ocr.ocr_image(img, engine=fp32)
                lines.append((name, fp32.text_rec.calls[:]))
                fp32.text_rec.calls.clear()
            fp32.text_rec.on = False
        else:
            rows, total = compare_pages(pages, fp32, int8, args.repeats, lines)
            report["real"] = {"pages": rows, "total": total}
        print("== re-read threshold on the real pages' lines (A: pages 1, 3, 5 ...; B: pages 2, 4, ...) ==")
        report["thresholds"] = line_table(lines, int8.text_rec.fast, int8.text_rec.exact)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
