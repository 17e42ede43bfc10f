"""OCR with RapidOCR (PP-OCR det/cls/rec on onnxruntime, default models from the wheel).

``ocr_image`` gives line fragments (``layout.Item``) with per-line confidence in pixel
coordinates of the upright page: whole-page 180° turns are found from the per-line
direction classifier, 90°/270° turns from tall line boxes plus a re-read of the turned
page, small skew is removed from the line boxes before the reading order is rebuilt, and
low-resolution pages are upscaled before detection. ``ocr_images`` reads many pages with a
process pool sized to the cores; the engine is loaded once per process.

Recognition uses the int8 model ``models/ocr/rec_int8.onnx`` when it is there (built by
``python -m reportmine.ingest.quantize``, model card beside it) and re-reads the lines it is
unsure of with the float model of the wheel; ``REPORTMINE_OCR_INT8=0`` reads with the float
model only.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

import numpy as np

from reportmine.ingest.layout import Item

log = logging.getLogger(__name__)

_ENGINE = None
_LOCK = threading.Lock()
_THREADS: int | None = None


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


INT8_REC_MODEL = Path(__file__).resolve().parents[2] / "models" / "ocr" / "rec_int8.onnx"
# A line the int8 recognizer reads with a line confidence (mean character probability) below
# RECHECK_BELOW, or with any character below RECHECK_CHAR_BELOW, is read again by the float
# model, whose reading replaces the int8 one. Chosen on the lines of real scans
# (benchmarks/ocr_int8.py, table in models/ocr/README.md): on one half of the pages, the rule
# re-reading at most 10 % of the line width that left the fewest characters differing from
# the float model; checked on the other half. Keeping the more confident of the two readings
# instead left more differences (15 instead of 3, 64 instead of 47): where the two disagree the
# int8 model is the more confident one in 40 % of the lines, and was wrong where checked.
RECHECK_BELOW = 0.97
RECHECK_CHAR_BELOW = 0.5


def int8_wanted() -> bool:
    """The int8 recognizer is used when its file exists, unless REPORTMINE_OCR_INT8=0."""
    flag = os.environ.get("REPORTMINE_OCR_INT8", "1").strip().lower()
    return flag not in ("0", "false", "no", "off") and INT8_REC_MODEL.is_file()


def get_engine():
    """The RapidOCR engine of this process, loaded on first use (``new_engine()``)."""
    global _ENGINE
    if _ENGINE is None:
        with _LOCK:
            if _ENGINE is None:
                _ENGINE = new_engine()
    return _ENGINE


def new_engine(int8: bool | None = None, threads: int | None = None):
    """A RapidOCR engine set up as reportmine reads: memory arena on, detection on a reduced
    copy of large pages, and (``int8`` None: when ``int8_wanted()``) the int8 recognizer with
    the float one behind it for unsure lines."""
    from rapidocr import RapidOCR

    # onnxruntime's memory arena: each recognition batch (dozens a page) reuses
    # the buffers of the last instead of allocating and faulting them in again.
    # One page ran 5-12 % faster end to end (recognition alone 15 %); peak RSS of
    # a one-page run went 0.92 -> 1.06 GB. RapidOCR's own config turns it off.
    params = {"Global.log_level": "warning", "EngineConfig.onnxruntime.enable_cpu_mem_arena": True}
    threads = threads or _THREADS
    if threads:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    engine = RapidOCR(params=params)
    engine.text_det = _ScaledDetector(engine._load_det_model())
    if int8 is None:
        int8 = int8_wanted()
    if int8:
        engine.text_rec = CheckedRecognizer(_recognizer(engine, INT8_REC_MODEL), lambda: _recognizer(engine))
    return engine


def _recognizer(engine, model_path: Path | None = None):
    """A RapidOCR text recognizer with the engine's settings; the wheel's model unless
    ``model_path`` is given (its character list is read from the model's metadata)."""
    import copy

    from rapidocr.ch_ppocr_rec import TextRecognizer

    cfg = copy.deepcopy(engine.cfg.Rec)
    cfg.engine_cfg = engine.cfg.EngineConfig[cfg.engine_type.value]
    cfg.font_path = engine.cfg.Global.font_path
    cfg.model_root_dir = engine.cfg.Global.model_root_dir
    if model_path is not None:
        cfg.model_path = str(model_path)
    return TextRecognizer(cfg)


class CheckedRecognizer:
    """Reads text lines with a fast recognizer and reads again, with an exact one, the lines
    it is unsure of: line confidence below ``threshold`` or a character below
    ``char_threshold``. ``keep="exact"`` takes the exact reading of such a line,
    ``keep="confident"`` the more confident of the two. The exact recognizer is loaded on
    first need (``load_exact``)."""

    def __init__(self, fast, load_exact: Callable[[], object], threshold: float | None = None,
                 char_threshold: float | None = None, keep: str = "exact"):
        if keep not in ("exact", "confident"):
            raise ValueError(f"keep must be 'exact' or 'confident', not {keep!r}")
        self.fast = fast
        self._load_exact = load_exact
        self._exact = None
        self._lock = threading.Lock()
        self.threshold = RECHECK_BELOW if threshold is None else threshold
        self.char_threshold = RECHECK_CHAR_BELOW if char_threshold is None else char_threshold
        self.keep = keep
        self.rechecked = 0  # lines read again (for benchmarks)
        self.changed = 0  # of which the kept reading has other text

    @property
    def exact(self):
        if self._exact is None:
            with self._lock:
                if self._exact is None:
                    self._exact = self._load_exact()
        return self._exact

    def __getattr__(self, name):  # anything else is the fast recognizer's
        if name.startswith("__") or name in ("fast", "_exact", "_load_exact", "_lock"):
            raise AttributeError(name)
        return getattr(self.fast, name)

    def unsure(self, out) -> list[int]:
        """Indices of the lines of a fast reading that are to be read again."""
        lowest = [min(getattr(w, "confs", None) or [0.0]) for w in (out.word_results or ())]
        if len(lowest) != len(out.scores):
            lowest = [1.0] * len(out.scores)
        return [i for i, (s, low) in enumerate(zip(out.scores, lowest))
                if s < self.threshold or low < self.char_threshold]

    def __call__(self, args):
        from rapidocr.ch_ppocr_rec import TextRecInput

        # character probabilities come with the word boxes
        out = self.fast(TextRecInput(img=args.img, return_word_box=True))
        if out.txts is None:
            return out
        txts, scores = list(out.txts), list(out.scores)
        words = list(out.word_results)
        unsure = self.unsure(out)
        if unsure:
            imgs = [args.img] if isinstance(args.img, np.ndarray) else args.img
            again = self.exact(TextRecInput(img=[imgs[i] for i in unsure], return_word_box=args.return_word_box))
            for k, i in enumerate(unsure):
                if self.keep == "exact" or again.scores[k] > scores[i]:
                    self.changed += again.txts[k] != txts[i]
                    txts[i], scores[i] = again.txts[k], again.scores[k]
                    words[i] = again.word_results[k] if again.word_results is not None else None
            self.rechecked += len(unsure)
        out.txts, out.scores = tuple(txts), tuple(scores)
        out.word_results = tuple(words) if args.return_word_box else tuple(None for _ in txts)
        return out


DET_MAX_SIDE = 1600  # detection input; recognition still crops from the full image
DET_MIN_LINE = 14  # px in the detection input; smaller text is detected again at full size


class _ScaledDetector:
    """Text detection on a reduced copy of a large page, boxes scaled back: detection cost
    grows with the pixel count, and text lines of ordinary documents stay well visible."""

    def __init__(self, det):
        self.det = det

    def __getattr__(self, name):
        return getattr(self.det, name)

    def __call__(self, img):
        import cv2

        h, w = img.shape[:2]
        s = DET_MAX_SIDE / max(h, w)
        if s >= 0.95:
            return self.det(img)
        small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        res = self.det(small)
        boxes = getattr(res, "boxes", None)
        if boxes is None or len(boxes) == 0:
            return self.det(img)
        heights = np.sort(boxes[:, :, 1].max(axis=1) - boxes[:, :, 1].min(axis=1))
        if heights[len(heights) // 2] < DET_MIN_LINE:
            return self.det(img)
        res.boxes = (boxes / s).astype(boxes.dtype)
        res.img = img
        return res


def _run(engine, img: np.ndarray):
    """One RapidOCR pass; returns (boxes, texts, scores, direction labels).

    The per-line direction classifier decides each line alone and now and then turns a
    line of an upright page upside down (garbage text). When at least 80 % of a page's
    lines agree, every line is read in the majority direction."""
    from rapidocr.ch_ppocr_cls import TextClsOutput
    from rapidocr.ch_ppocr_rec import TextRecOutput

    ori = engine.load_img(img)
    pre, op = engine.preprocess_img(ori)
    try:
        crops, det = engine.detect_and_crop(pre, op)
    except Exception:  # RapidOCRError: nothing detected
        return [], [], [], []
    cls = TextClsOutput()
    labels: list[str] = []
    rec_input = crops
    if engine.use_cls and crops:
        try:
            turned, cls = engine.cls_and_rotate(crops)
        except Exception:
            turned = crops
        labels = [str(r[0]) for r in (cls.cls_res or [])]
        n180 = sum(1 for l in labels if l == "180")
        if n180 <= 0.2 * len(labels):
            rec_input = crops
        elif n180 >= 0.8 * len(labels):
            rec_input = [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]
        else:
            rec_input = turned
    try:
        rec = engine.recognize_txt(rec_input)
    except Exception:
        rec = TextRecOutput()
    out = engine.build_final_output(ori, det, cls, rec, crops, op)
    boxes = getattr(out, "boxes", None)
    txts = getattr(out, "txts", None)
    if boxes is None or txts is None:
        return [], [], [], labels
    return [np.asarray(b, dtype=float) for b in boxes], list(txts), [float(s) for s in out.scores], labels


def _quality(txts, scores) -> float:
    return sum(len(t) * s for t, s in zip(txts, scores))


def _skew(boxes) -> float:
    """Median angle (radians) of the top edges of wide line boxes."""
    angles = []
    for b in boxes:
        dx, dy = b[1][0] - b[0][0], b[1][1] - b[0][1]
        if abs(dx) > 3 * abs(b[3][1] - b[0][1]) and dx > 0:
            angles.append(math.atan2(dy, dx))
    if len(angles) < 3:
        return 0.0
    angles.sort()
    return angles[len(angles) // 2]


def _to_items(boxes, txts, scores, width: float, height: float, flip: bool) -> list[Item]:
    angle = _skew(boxes)
    ca, sa = math.cos(-angle), math.sin(-angle)
    cx, cy = width / 2, height / 2
    items = []
    for b, t, s in zip(boxes, txts, scores):
        if not t or not t.strip():
            continue
        pts = b
        if flip:
            pts = np.column_stack([width - b[:, 0], height - b[:, 1]])
        if abs(angle) > 0.003:
            x = pts[:, 0] - cx
            y = pts[:, 1] - cy
            pts = np.column_stack([x * ca - y * sa + cx, x * sa + y * ca + cy])
        x0, y0 = float(pts[:, 0].min()), float(pts[:, 1].min())
        x1, y1 = float(pts[:, 0].max()), float(pts[:, 1].max())
        h = y1 - y0
        w = x1 - x0
        size = (0.8 * h) if w >= h else (0.8 * w)
        items.append(Item(x0, y0, x1, y1, t.strip(), max(1.0, size), conf=round(s, 4)))
    return items


def estimate_skew(pil) -> float:
    """Small skew of a scanned page in degrees (counter-clockwise positive), from the
    row profile of the ink on a reduced copy: text lines give the sharpest profile when
    level. 0 when the page is level or no angle stands out."""
    from PIL import Image

    gray = pil.convert("L")
    scale = 800 / max(1, gray.width)
    small = gray.resize((800, max(1, round(gray.height * scale))), Image.Resampling.BILINEAR)
    arr = np.asarray(small)
    ink = (arr < min(160, int(arr.mean()) - 30)).astype(np.uint8) * 255
    if ink.mean() < 0.5 or ink.mean() > 120:
        return 0.0
    img = Image.fromarray(ink)

    def score(angle: float) -> float:
        rows = np.asarray(img.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0), dtype=np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    base = score(0.0)
    best, best_score = 0.0, base
    for a in np.arange(-5.0, 5.01, 0.5):
        sc = score(float(a))
        if sc > best_score:
            best, best_score = float(a), sc
    for a in np.arange(best - 0.4, best + 0.41, 0.1):
        sc = score(float(a))
        if sc > best_score:
            best, best_score = float(a), sc
    if abs(best) < 0.3 or best_score < 1.05 * base:
        return 0.0
    return round(best, 2)


def _median_line_height(boxes) -> float:
    hs = sorted(float(np.hypot(*(b[3] - b[0]))) for b in boxes
                if np.hypot(*(b[1] - b[0])) > 2 * np.hypot(*(b[3] - b[0])))
    return hs[len(hs) // 2] if hs else 0.0


def ocr_image(image, upscale: bool = True, engine=None) -> list[Item]:
    """OCR one page (PIL image or array) into line fragments in upright page pixels
    (``engine``: one from ``new_engine``; the process's own by default)."""
    from PIL import Image

    if isinstance(image, Image.Image):
        pil = image.convert("RGB")
    else:
        pil = Image.fromarray(image).convert("RGB")
    engine = engine or get_engine()
    angle = estimate_skew(pil)
    if angle:
        # level the page first: tilted dense lines make detection merge neighbouring lines
        pil = pil.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    arr = np.asarray(pil)
    boxes, txts, scores, labels = _run(engine, arr)
    tall = sum(1 for b, t in zip(boxes, txts)
               if (b[:, 1].max() - b[:, 1].min()) > 1.5 * (b[:, 0].max() - b[:, 0].min()) and len(t) >= 2)
    if boxes and tall >= 0.6 * len(boxes):
        # a page turned by 90°/270° or vertical writing: read the page turned both ways
        best = (_quality(txts, scores), arr, boxes, txts, scores, labels)
        for rot in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270):
            turned = np.asarray(pil.transpose(rot))
            r = _run(engine, turned)
            q = _quality(r[1], r[2])
            if q > 1.15 * best[0]:
                best = (q, turned, *r)
        _q, arr, boxes, txts, scores, labels = best
    flip = False
    if labels and sum(1 for l in labels if l == "180") >= 0.6 * len(labels):
        if sum(1 for l in labels if l == "180") >= 0.8 * len(labels):
            flip = True  # upside down: lines were read turned; turn the boxes too
        else:
            arr = np.ascontiguousarray(arr[::-1, ::-1])
            boxes, txts, scores, labels = _run(engine, arr)
    height, width = arr.shape[:2]
    scale = 1.0
    if upscale and boxes:
        line_h = _median_line_height(boxes)
        if 0 < line_h < 22 and max(width, height) <= 2400:
            # small type: enlarge and read again, keep the better reading
            scale = 2.0
            big = np.asarray(Image.fromarray(arr).resize((width * 2, height * 2), Image.Resampling.BICUBIC))
            r = _run(engine, big)
            if not flip and _quality(r[1], r[2]) > 1.02 * _quality(txts, scores):
                boxes, txts, scores, labels = r
                width, height = width * 2, height * 2
            else:
                scale = 1.0
    items = _to_items(boxes, txts, scores, width, height, flip)
    if scale != 1.0:
        for it in items:
            it.x0, it.y0, it.x1, it.y1, it.size = (it.x0 / scale, it.y0 / scale, it.x1 / scale,
                                                   it.y1 / scale, it.size / scale)
    return items


def _worker_init(threads: int):
    global _THREADS
    _THREADS = threads


def _worker(image) -> list[tuple]:
    return [(t.x0, t.y0, t.x1, t.y1, t.text, t.size, t.conf) for t in ocr_image(image)]


def ocr_images(images: list, progress: Callable[[int, int], None] | None = None,
               workers: int | None = None) -> list[list[Item]]:
    """OCR several pages; a process pool sized to the cores when there are enough pages."""
    n = len(images)
    if n == 0:
        return []
    cores = cpu_count()
    workers = workers or min(cores, n)
    results: list[list[Item] | None] = [None] * n
    pooled = False
    if workers >= 2 and n >= 3:
        try:
            _pool_map(images, results, workers, max(1, cores // workers), progress)
            pooled = True
        except (RuntimeError, OSError, BrokenProcessPool) as exc:  # no subprocesses here
            log.warning("OCR process pool unavailable (%s); reading pages one by one", exc)
    if not pooled:
        results = [None] * n
        for i, im in enumerate(images):
            results[i] = ocr_image(im)
            if progress:
                progress(i + 1, n)
    return [r or [] for r in results]


def _pool_map(images, results, workers: int, threads: int, progress) -> None:
    import multiprocessing as mp

    # fork is safe while this process has not started onnxruntime's threads; otherwise a
    # fresh interpreter per worker (spawn)
    method = "fork" if _ENGINE is None and "fork" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                             initargs=(threads,)) as pool:
        futures = {pool.submit(_worker, im): i for i, im in enumerate(images)}
        for done, fut in enumerate(as_completed(futures), 1):
            i = futures[fut]
            results[i] = [Item(x0, y0, x1, y1, t, s, conf=c) for x0, y0, x1, y1, t, s, c in fut.result()]
            if progress:
                progress(done, len(images))
