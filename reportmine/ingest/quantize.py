"""Builds the int8 text-recognition model ``models/ocr/rec_int8.onnx`` from RapidOCR's float
model (the one its wheel ships and ``reportmine.ingest.ocr`` reads with), and its model card.

    .venv/bin/python -m reportmine.ingest.quantize            # build, write the model card
    .venv/bin/python -m reportmine.ingest.quantize --help

Needs ``onnx`` (the ``dev`` extra), a CJK font, ``tests/data/make_ingest.py`` of this checkout
and ``../shared/corpus`` (text to render, a few real scans); none of these is needed to read
with the built model.

Recipe: the float model is converted to opset 17, shape-inferred and optimised by
onnxruntime's ``quant_pre_process``; its 13 exact-GELU chains (Div by sqrt 2, Erf, Add 1, Mul,
Mul 0.5) are fused into ``com.microsoft`` Gelu nodes (onnxruntime does not fuse them once the
graph carries QuantizeLinear/DequantizeLinear pairs; quantizing only Conv and MatMul with the
chains left as they were, recognition was 1.3x instead of 1.6x faster than float); then
``quantize_static`` in QDQ form,
weights int8 per channel, activations uint8, ranges by MinMax over the recognition batches of
calibration pages read by the float engine exactly as ``ocr_image`` reads a page. The final
Softmax stays in float (character probabilities and line confidences keep their resolution).
The character list, which RapidOCR reads from the model's metadata, is copied over.
Deterministic for the same inputs (sorted inputs, fixed seeds, the calibration pages read on
one thread): three builds, one of them under load, gave the same sha256. About 2 minutes and
4 GB of memory on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import io
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from reportmine.ingest import ocr

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
OUT_DIR = ROOT / "models" / "ocr"
CARD = "README.md"
# real scans added to the rendered pages (names in ../shared/corpus/real); the rest of that
# folder is left for measuring
CALIBRATION_SCANS = ("r15.jpg", "r19.png")
OPSET = 17
IR_VERSION = 8  # ONNX IR version of opset 17


def _version(dist: str) -> str:
    from importlib.metadata import version

    try:
        return version(dist)
    except Exception:  # noqa: BLE001 - only for the card
        return "?"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_model() -> tuple[Path, str]:
    """Path of the float recognition model RapidOCR uses by default, and the sha256 RapidOCR
    expects of it."""
    from rapidocr.inference_engine.base import FileInfo
    from rapidocr.inference_engine.onnxruntime import OrtInferSession

    engine = ocr.new_engine(int8=False)
    c = engine.cfg.Rec
    info = OrtInferSession.get_model_url(FileInfo(engine_type=c.engine_type, ocr_version=c.ocr_version,
                                                  task_type=c.task_type, lang_type=c.lang_type,
                                                  model_type=c.model_type))
    path = Path(engine.cfg.Global.model_root_dir) / Path(info["model_dir"]).name
    if not path.is_file():
        raise FileNotFoundError(f"RapidOCR's recognition model {path} is missing")
    return path, str(info.get("SHA256") or "")


# --- graph preparation ---------------------------------------------------------------------

def _const_value(name: str, inits: dict, producers: dict):
    if name in inits:
        return inits[name]
    node = producers.get(name)
    if node is not None and node.op_type == "Constant" and node.attribute:
        from onnx import numpy_helper

        return numpy_helper.to_array(node.attribute[0].t)
    return None


def _scalar_is(value, expected: float, tol: float) -> bool:
    return value is not None and value.size == 1 and abs(float(value.reshape(-1)[0]) - expected) <= tol


def fuse_gelu(model) -> int:
    """Replace every ``0.5 * x * (1 + erf(x / sqrt 2))`` chain (Div, Erf, Add, Mul, Mul as
    paddle2onnx writes it) by one ``com.microsoft`` Gelu node, in place. Returns the count."""
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in graph.output}

    def only_consumer(node, op_type):
        out = node.output[0]
        users = consumers.get(out, [])
        if out in graph_outputs or len(users) != 1 or users[0].op_type != op_type:
            return None
        return users[0]

    replace: dict[int, object] = {}
    drop: set[int] = set()
    for erf in (n for n in graph.node if n.op_type == "Erf"):
        div = producers.get(erf.input[0])
        if div is None or div.op_type != "Div" or not _scalar_is(
                _const_value(div.input[1], inits, producers), float(np.sqrt(2.0)), 1e-3):
            continue
        x = div.input[0]
        add = only_consumer(erf, "Add")
        if add is None or not _scalar_is(
                _const_value([i for i in add.input if i != erf.output[0]][0], inits, producers), 1.0, 1e-6):
            continue
        mul = only_consumer(add, "Mul")
        if mul is None or x not in mul.input:
            continue
        half = only_consumer(mul, "Mul")
        if half is None or not _scalar_is(
                _const_value([i for i in half.input if i != mul.output[0]][0], inits, producers), 0.5, 1e-6):
            continue
        if len(consumers.get(div.output[0], [])) != 1 or div.output[0] in graph_outputs:
            continue
        gelu = helper.make_node("Gelu", [x], [half.output[0]], name=f"fused_gelu_{len(replace)}",
                                domain="com.microsoft")
        replace[id(half)] = gelu
        drop.update(id(n) for n in (div, erf, add, mul))
    if not replace:
        return 0
    nodes = [replace.get(id(n), n) for n in graph.node if id(n) not in drop]
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(replace)


def prepare(source, workdir: Path):
    """The float model ready for quantization: opset 17, shapes inferred, onnxruntime's basic
    optimisations (Conv+Add folded), GELU fused, every node named. Returns (ModelProto, number
    of GELUs)."""
    import onnx
    from onnxruntime.quantization.shape_inference import quant_pre_process

    model = source if isinstance(source, onnx.ModelProto) else onnx.load(str(source))
    model = onnx.version_converter.convert_version(model, OPSET)
    pre = workdir / "pre.onnx"
    # auto_merge: the symbolic shape inference otherwise stops at the reshape to the sequence
    quant_pre_process(model, str(pre), auto_merge=True)
    model = onnx.load(str(pre))
    n = fuse_gelu(model)
    names = {node.name for node in model.graph.node}
    for i, node in enumerate(model.graph.node):
        if not node.name:  # nodes are excluded from quantization by name
            name = f"{node.op_type}_unnamed_{i}"
            while name in names:
                name += "_"
            node.name = name
            names.add(name)
    return model, n


# --- calibration data ----------------------------------------------------------------------

def _make_ingest():
    folder = ROOT / "tests" / "data"
    if not (folder / "make_ingest.py").is_file():
        raise FileNotFoundError(f"{folder / 'make_ingest.py'} is missing (run from a reportmine checkout)")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    import make_ingest

    return make_ingest


def _paragraphs(path: Path) -> list[str]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                rows.append((str(rec.get("id", "")), rec.get("text", "")))
    rows.sort()
    out = []
    for _id, text in rows:
        out.extend(p.strip() for p in text.splitlines() if len(p.strip()) >= 8)
    return out


# (dpi, point size, degraded) of the rendered pages, cycled; half are copier-like scans
PAGE_STYLES = ((200, 12, False), (150, 12, True), (200, 10.5, False), (150, 9, True),
               (300, 10.5, False), (200, 12, True))


def rendered_pages(paragraphs_path: Path, n_pages: int, seed: int) -> list[tuple[str, object]]:
    """Pages rendered from corpus paragraphs with ``tests/data/make_ingest.py``: about 1,000
    characters each, dpi and type size varied, half of them degraded (skew, blur, noise, JPEG)."""
    from PIL import Image

    mk = _make_ingest()
    if mk.cjk_font_path() is None:
        raise RuntimeError("no CJK font installed (apt-get install fonts-wqy-microhei)")
    paras = _paragraphs(paragraphs_path)
    if not paras:
        raise ValueError(f"no paragraphs in {paragraphs_path}")
    rng = random.Random(seed)
    pages = []
    for k in range(n_pages):
        dpi, size, degraded = PAGE_STYLES[k % len(PAGE_STYLES)]
        chosen, total = [], 0
        start = rng.randrange(len(paras))
        while total < 1000 and len(chosen) < len(paras):
            p = paras[(start + len(chosen)) % len(paras)][:400]
            chosen.append(p)
            total += len(p)
        img = mk.page_image(chosen, title=None, dpi=dpi, size_pt=size)
        if degraded:
            angle = rng.choice((-1, 1)) * rng.uniform(0.5, 3.0)
            blob = mk.degrade(img, angle=angle, blur=rng.uniform(0.5, 1.1), noise=rng.uniform(6, 16),
                              jpeg=rng.randint(50, 75), seed=seed + k)
            img = Image.open(io.BytesIO(blob))
            img.load()
        pages.append((f"rendered-{k:02d}-{dpi}dpi-{size}pt{'-degraded' if degraded else ''}", img))
    return pages


def scan_pages(folder: Path, names) -> list[tuple[str, object]]:
    from reportmine.ingest.image import load_frames

    pages = []
    for name in sorted(names):
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"calibration scan {path} is missing")
        for i, frame in enumerate(load_frames(path.read_bytes(), name, 1)):
            pages.append((f"{name}#{i + 1}", frame))
    return pages


class _Recorder:
    """Stands in for a recognizer's onnxruntime session and keeps a copy of every input batch."""

    def __init__(self, session):
        self.session = session
        self.batches: list[np.ndarray] = []

    def __call__(self, x):
        self.batches.append(np.array(x, copy=True))
        return self.session(x)

    def __getattr__(self, name):
        return getattr(self.session, name)


def recognition_batches(pages, max_batches: int, seed: int) -> list[np.ndarray]:
    """The input batches the float recognizer receives when ``ocr_image`` reads the pages
    (deskew, upscale re-reads and all); at most ``max_batches``, spread over the pages."""
    engine = ocr.new_engine(int8=False, threads=1)
    rec = engine._load_rec_model()
    recorder = _Recorder(rec.session)
    rec.session = recorder
    starts = []
    for name, page in pages:
        starts.append(len(recorder.batches))
        ocr.ocr_image(page, engine=engine)
        log.info("calibration page %s: %d recognition batches", name, len(recorder.batches) - starts[-1])
    per_page = [recorder.batches[a:b] for a, b in zip(starts, starts[1:] + [len(recorder.batches)])]
    return spread(per_page, max_batches, seed)


def spread(per_page: list[list], limit: int, seed: int) -> list:
    """At most ``limit`` items taken from every page in turn, each page's own in a seeded
    shuffle (RapidOCR batches lines narrowest first, and one busy page would otherwise fill the
    set with its own narrow or wide lines)."""
    rng = random.Random(seed)
    queues = []
    for items in per_page:
        order = list(range(len(items)))
        rng.shuffle(order)
        queues.append([items[i] for i in order])
    out: list = []
    depth = 0
    while len(out) < limit and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(out) < limit:
                out.append(q[depth])
        depth += 1
    return out


# --- quantization --------------------------------------------------------------------------

def quantize(prepared, batches: list[np.ndarray], out: Path, metadata: dict[str, str],
             exclude: list[str] | None = None, workdir: Path | None = None) -> None:
    """QDQ quantization of a prepared float model with MinMax ranges over ``batches``
    (per-channel int8 weights, uint8 activations); ``exclude`` names nodes kept in float.
    ``metadata`` is written into the result (RapidOCR reads the character list there)."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)

    if not batches:
        raise ValueError("no calibration batches")
    input_name = prepared.graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._it = iter(batches)

        def get_next(self):
            b = next(self._it, None)
            return None if b is None else {input_name: b}

    with tempfile.TemporaryDirectory(prefix="rm-quant-", dir=workdir) as tmp:
        src = Path(tmp) / "prepared.onnx"
        onnx.save(prepared, str(src))
        quantize_static(str(src), str(Path(tmp) / "q.onnx"), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=exclude or None,
                        calibration_providers=["CPUExecutionProvider"],
                        # ranges merged every 8 batches: memory stays flat however many batches
                        extra_options={"CalibMaxIntermediateOutputs": 8})
        model = onnx.load(str(Path(tmp) / "q.onnx"))
    # only the opsets the nodes use, and the IR version of opset 17: the onnx that writes the
    # file would stamp its own (10 with onnx 1.23), which onnxruntime 1.17 (our floor) refuses
    used = {n.domain or "" for n in model.graph.node}
    keep = [o for o in model.opset_import if (o.domain or "") in used]
    del model.opset_import[:]
    model.opset_import.extend(keep)
    model.ir_version = IR_VERSION
    del model.metadata_props[:]
    for k, v in sorted(metadata.items()):
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))


def final_softmax(model) -> list[str]:
    """Name of the Softmax node that writes a graph output (the character probabilities)."""
    outputs = {o.name for o in model.graph.output}
    return [n.name for n in model.graph.node if n.op_type == "Softmax" and n.output[0] in outputs]


def build(out: Path, paragraphs: Path, scans_dir: Path, scans=CALIBRATION_SCANS, n_pages: int = 12,
          max_batches: int = 100, seed: int = 0) -> dict:
    """Build the int8 model into ``out``; returns the facts for the model card."""
    import onnx
    import onnxruntime as ort

    t0 = time.perf_counter()
    src, expected_sha = source_model()
    src_sha = sha256(src)
    if expected_sha and src_sha != expected_sha:
        raise ValueError(f"{src} has sha256 {src_sha}, RapidOCR expects {expected_sha}")
    source = onnx.load(str(src))
    metadata = {p.key: p.value for p in source.metadata_props}
    if "character" not in metadata:
        raise ValueError(f"{src} has no character list in its metadata")
    pages = rendered_pages(paragraphs, n_pages, seed) + scan_pages(scans_dir, scans)
    batches = recognition_batches(pages, max_batches, seed)
    log.info("%d calibration batches from %d pages", len(batches), len(pages))
    with tempfile.TemporaryDirectory(prefix="rm-prep-") as tmp:
        prepared, n_gelu = prepare(source, Path(tmp))
    exclude = final_softmax(prepared)
    quantize(prepared, batches, out, metadata, exclude=exclude)
    ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])  # loads
    return {
        "source": src.name, "source_sha256": src_sha, "source_bytes": src.stat().st_size,
        "out": out.name, "sha256": sha256(out), "bytes": out.stat().st_size,
        "gelu_fused": n_gelu, "float_nodes": exclude,
        "pages": [name for name, _ in pages], "batches": len(batches),
        "lines": int(sum(b.shape[0] for b in batches)),
        "paragraphs_name": f"{paragraphs.parent.name}/{paragraphs.name}", "seed": seed,
        "rapidocr": _version("rapidocr"),
        "onnx": onnx.__version__, "onnxruntime": ort.__version__,
        "seconds": round(time.perf_counter() - t0), "date": _dt.date.today().isoformat(),
    }


BEGIN, END = "<!-- build: written by python -m reportmine.ingest.quantize -->", "<!-- end of build -->"


def build_section(facts: dict, command: str) -> str:
    real = [p for p in facts["pages"] if not p.startswith("rendered-")]
    return "\n".join([
        BEGIN,
        f"- file: `{facts['out']}`, {facts['bytes'] / 1e6:.1f} MB, sha256 `{facts['sha256']}`",
        f"- source: RapidOCR {facts['rapidocr']} wheel's `{facts['source']}` "
        f"({facts['source_bytes'] / 1e6:.1f} MB), sha256 `{facts['source_sha256']}`",
        f"- calibration: {facts['batches']} recognition batches ({facts['lines']} text lines) from "
        f"{len(facts['pages']) - len(real)} pages rendered from `{facts['paragraphs_name']}` "
        f"(half degraded) and the real scans {', '.join(real)}; seed {facts['seed']}",
        f"- {facts['gelu_fused']} GELU chains fused; kept in float: {', '.join(facts['float_nodes']) or 'nothing'}",
        f"- built {facts['date']} with onnx {facts['onnx']}, onnxruntime {facts['onnxruntime']} "
        f"in {facts['seconds']} s: `{command}`",
        END,
    ])


CARD_SKELETON = """# Int8 text recognizer (`rec_int8.onnx`)

RapidOCR's PP-OCRv6 small recognition model quantized to int8 for `reportmine.ingest.ocr`,
which reads with it when this file is here (`REPORTMINE_OCR_INT8=0` turns it off). Recipe in
`reportmine/ingest/quantize.py`.

## Build

{build}
"""


def write_card(card: Path, facts: dict, command: str) -> None:
    """Put the build facts into the model card between its markers (a new card if none)."""
    section = build_section(facts, command)
    if card.is_file():
        text = card.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + section + rest.split(END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n## Build\n\n" + section + "\n"
    else:
        text = CARD_SKELETON.format(build=section)
    card.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reportmine.ingest.quantize", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT_DIR / "rec_int8.onnx", help="model to write")
    ap.add_argument("--paragraphs", type=Path, default=SHARED / "corpus" / "train" / "paragraphs.jsonl",
                    help="JSON lines with a 'text' field, rendered into calibration pages")
    ap.add_argument("--scans", type=Path, default=SHARED / "corpus" / "real", help="folder of the real scans")
    ap.add_argument("--scan", action="append",
                    help=f"a calibration scan in --scans (default {', '.join(CALIBRATION_SCANS)})")
    ap.add_argument("--pages", type=int, default=12, help="rendered calibration pages")
    ap.add_argument("--max-batches", type=int, default=100, help="recognition batches used for the ranges")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--facts", type=Path, help="also write the build facts (JSON) here")
    ap.add_argument("--no-card", action="store_true", help="leave the model card (README.md beside --out) alone")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization warns per tensor
    log.setLevel(logging.INFO)
    facts = build(args.out, args.paragraphs, args.scans, tuple(args.scan or CALIBRATION_SCANS),
                  args.pages, args.max_batches, args.seed)
    text = json.dumps(facts, ensure_ascii=False, indent=2)
    if args.facts:
        args.facts.write_text(text + "\n", encoding="utf-8")
    if not args.no_card:
        given = list(argv if argv is not None else sys.argv[1:])
        for flag in ("--facts", "--no-card"):  # no bearing on the model
            while flag in given:
                i = given.index(flag)
                del given[i:i + (2 if flag == "--facts" else 1)]
        cmd = " ".join(["python -m reportmine.ingest.quantize", *given])
        write_card(args.out.parent / CARD, facts, cmd)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
