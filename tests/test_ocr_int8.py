"""The int8 text recognizer: the shipped model and its card, the choice between int8 and
float, the float re-read of unsure lines, and the build's graph and quantization code on
tiny models."""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).parent / "data"))
import make_ingest as mk  # noqa: E402

from reportmine.ingest import ocr  # noqa: E402
from reportmine.ingest.layout import layout_items  # noqa: E402

MODEL = ocr.INT8_REC_MODEL
CARD = MODEL.parent / "README.md"


def _font_or_skip():
    if mk.cjk_font_path() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")


def _float_model_path() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models" / "PP-OCRv6_rec_small.onnx"


# --- the shipped model --------------------------------------------------------------------

def test_shipped_model_matches_its_card_and_carries_the_character_list():
    import onnxruntime as ort

    assert MODEL.is_file(), f"{MODEL} is missing (python -m reportmine.ingest.quantize)"
    assert MODEL.stat().st_size < 20 * 1024 * 1024
    card = CARD.read_text(encoding="utf-8")
    digest = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert re.search(rf"rec_int8\.onnx.*sha256 `{digest}`", card), "model card names another sha256"
    source = _float_model_path()
    source_digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert source_digest in card, "model card names another source model"

    def chars(path):
        meta = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta()
        return meta.custom_metadata_map.get("character", "").splitlines()

    got = chars(MODEL)
    assert len(got) > 6000 and got == chars(source)


def test_shipped_model_loads_in_older_onnxruntime():
    """onnxruntime >= 1.17 is allowed (pyproject): IR version <= 8, opsets it knows."""
    onnx = pytest.importorskip("onnx")

    model = onnx.load(str(MODEL), load_external_data=False)
    assert model.ir_version <= 8
    assert {(o.domain or "", o.version) for o in model.opset_import} == {("", 17), ("com.microsoft", 1)}


# --- which recognizer ---------------------------------------------------------------------

def _model_path_of(recognizer) -> str:
    return str(recognizer.session.session._model_path)


def test_int8_recognizer_is_used_when_the_model_is_there(monkeypatch):
    monkeypatch.delenv("REPORTMINE_OCR_INT8", raising=False)
    assert ocr.int8_wanted()
    engine = ocr.new_engine()
    assert isinstance(engine.text_rec, ocr.CheckedRecognizer)
    assert Path(_model_path_of(engine.text_rec.fast)) == MODEL
    assert engine.text_rec._exact is None  # the float model is loaded only when a line needs it


@pytest.mark.parametrize("how", ["env", "missing"])
def test_float_recognizer_when_turned_off_or_missing(monkeypatch, tmp_path, caplog, how):
    if how == "env":
        monkeypatch.setenv("REPORTMINE_OCR_INT8", "0")
    else:
        monkeypatch.delenv("REPORTMINE_OCR_INT8", raising=False)
        monkeypatch.setattr(ocr, "INT8_REC_MODEL", tmp_path / "rec_int8.onnx")
    assert not ocr.int8_wanted()
    with caplog.at_level(logging.WARNING):
        engine = ocr.new_engine()
        rec = engine._load_rec_model()
    assert not isinstance(rec, ocr.CheckedRecognizer)
    assert Path(_model_path_of(rec)).name == _float_model_path().name
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- the re-read of unsure lines ------------------------------------------------------------

class _FakeRec:
    """A recognizer that reads a crop by the number painted into it."""

    def __init__(self, readings):
        self.readings = readings  # image id -> (text, line confidence, lowest character probability)
        self.calls = []

    def __call__(self, args):
        from rapidocr.ch_ppocr_rec import TextRecOutput
        from rapidocr.ch_ppocr_rec.typings import WordInfo

        imgs = args.img if isinstance(args.img, list) else [args.img]
        self.calls.append([int(im[0, 0, 0]) for im in imgs])
        got = [self.readings[int(im[0, 0, 0])] for im in imgs]
        words = tuple(WordInfo(confs=[low, 1.0]) if args.return_word_box else None for _t, _s, low in got)
        return TextRecOutput(imgs=imgs, txts=tuple(t for t, _, _ in got), scores=tuple(s for _, s, _ in got),
                             word_results=words)


def _ids(*ids):
    return [np.full((48, 96, 3), i, dtype=np.uint8) for i in ids]


FAST = {1: ("职工代表大会", 0.99, 0.95), 2: ("职工代表夫会", 0.80, 0.60), 3: ("工会经费", 0.98, 0.40),
        4: ("劳动竞赛", 0.975, 0.90)}
EXACT = {2: ("职工代表大会", 0.93, 0.70), 3: ("工合经费", 0.97, 0.35)}


def test_unsure_lines_are_read_again_and_the_float_reading_replaces_them():
    from rapidocr.ch_ppocr_rec import TextRecInput

    fast, exact = _FakeRec(FAST), _FakeRec(EXACT)
    loads = []
    rec = ocr.CheckedRecognizer(fast, lambda: loads.append(1) or exact, threshold=0.97, char_threshold=0.5)
    out = rec(TextRecInput(img=_ids(1, 2, 3, 4)))
    # 2: line confidence under 0.97; 3: one character under 0.5; 1 and 4 are sure
    assert exact.calls == [[2, 3]] and loads == [1]
    assert out.txts == ("职工代表大会", "职工代表大会", "工合经费", "劳动竞赛")
    assert out.scores == (0.99, 0.93, 0.97, 0.975)
    assert out.word_results == (None, None, None, None)  # as asked: no word boxes
    assert (rec.rechecked, rec.changed) == (2, 2)
    out = rec(TextRecInput(img=_ids(1, 4)))  # all sure: nothing read again, nothing loaded again
    assert exact.calls == [[2, 3]] and loads == [1] and out.txts == ("职工代表大会", "劳动竞赛")


def test_keep_confident_keeps_the_more_confident_reading():
    from rapidocr.ch_ppocr_rec import TextRecInput

    exact = _FakeRec(EXACT)
    rec = ocr.CheckedRecognizer(_FakeRec(FAST), lambda: exact, threshold=0.97, char_threshold=0.5, keep="confident")
    out = rec(TextRecInput(img=_ids(1, 2, 3, 4)))
    assert exact.calls == [[2, 3]]
    assert out.txts == ("职工代表大会", "职工代表大会", "工会经费", "劳动竞赛")
    assert out.scores == (0.99, 0.93, 0.98, 0.975)


def _line_image(text: str, px: int, degrade: bool) -> np.ndarray:
    font = ImageFont.truetype(mk.cjk_font_path(), px)
    w = int(font.getlength(text)) + px
    img = Image.new("L", (w, int(px * 1.6)), 255)
    ImageDraw.Draw(img).text((px // 2, px // 4), text, font=font, fill=0)
    if degrade:
        # a faint, blurred, noisy, low-resolution copy
        img = img.filter(ImageFilter.GaussianBlur(px / 9))
        arr = np.asarray(img).astype(np.float32) * 0.45 + 140
        arr += np.random.default_rng(4).normal(0, 38, arr.shape)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        img = img.resize((w // 3, img.height // 3), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(img.convert("RGB")))


@pytest.fixture(scope="module")
def engines():
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} is missing")
    return ocr.new_engine(int8=False), ocr.new_engine(int8=True)


def test_a_degraded_line_is_read_again_by_the_float_model(engines):
    _font_or_skip()
    from rapidocr.ch_ppocr_rec import TextRecInput

    _fp32, int8 = engines
    checked = int8.text_rec
    clean = _line_image("二、深入开展岗位练兵和技能竞赛", 40, False)
    faint = _line_image("征集职工代表提案46件，已办结41件", 36, True)
    alone = checked.fast(TextRecInput(img=[clean, faint], return_word_box=True))
    assert checked.unsure(alone) == [1]  # the construction holds: only the faint line is unsure
    assert alone.scores[1] < checked.threshold
    seen = []
    exact = checked.exact

    def spy(args):
        seen.append(list(args.img))
        return exact(args)

    rec = ocr.CheckedRecognizer(checked.fast, lambda: spy)
    out = rec(TextRecInput(img=[clean, faint]))
    assert len(seen) == 1 and len(seen[0]) == 1 and seen[0][0] is faint
    again = exact(TextRecInput(img=[faint]))
    assert (out.txts[1], out.scores[1]) == (again.txts[0], again.scores[0])
    assert (out.txts[0], out.scores[0]) == (alone.txts[0], alone.scores[0])


def test_int8_reads_a_generated_page_like_the_float_model(engines):
    _font_or_skip()
    fp32, int8 = engines
    page = mk.page_image(mk.PARAGRAPHS[:5], dpi=150)
    truth = mk.truth_text(mk.PARAGRAPHS[:5])
    texts = []
    for engine in (fp32, int8):
        items = ocr.ocr_image(page, engine=engine)
        texts.append("\n".join(b.text for b in layout_items(items, 1, page.height)))
    assert mk.cer(texts[1], texts[0]) <= 0.005
    assert mk.cer(texts[1], truth) <= 0.01


# --- the build's code on tiny models -------------------------------------------------------

def _gelu_chain(helper, x, out, tag, divisor=float(np.sqrt(2.0))):
    return [
        helper.make_node("Div", [x, f"{tag}_d"], [f"{tag}_1"]),
        helper.make_node("Erf", [f"{tag}_1"], [f"{tag}_2"]),
        helper.make_node("Add", [f"{tag}_2", f"{tag}_one"], [f"{tag}_3"]),
        helper.make_node("Mul", [x, f"{tag}_3"], [f"{tag}_4"]),
        helper.make_node("Mul", [f"{tag}_4", f"{tag}_half"], [out]),
    ], [helper.make_tensor(f"{tag}_d", 1, [], [divisor]), helper.make_tensor(f"{tag}_one", 1, [], [1.0]),
        helper.make_tensor(f"{tag}_half", 1, [], [0.5])]


def _tiny_model(onnx, helper, channels=8, classes=12):
    """x [N,3,8,W] -> Conv -> GELU chain -> Conv -> GELU-like chain with another divisor
    -> mean over height -> Transpose -> Softmax over classes."""
    rng = np.random.default_rng(0)
    w1 = helper.make_tensor("w1", 1, [channels, 3, 3, 3], rng.normal(0, 0.3, (channels, 3, 3, 3)).ravel())
    w2 = helper.make_tensor("w2", 1, [classes, channels, 1, 1], rng.normal(0, 0.5, (classes, channels, 1, 1)).ravel())
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1])]
    g1, i1 = _gelu_chain(helper, "c1", "g1", "a")
    nodes += g1 + [helper.make_node("Conv", ["g1", "w2"], ["c2"])]
    g2, i2 = _gelu_chain(helper, "c2", "g2", "b", divisor=2.0)  # not a GELU: must stay
    nodes += g2 + [helper.make_node("ReduceMean", ["g2"], ["m"], axes=[2], keepdims=0),
                   helper.make_node("Transpose", ["m"], ["t"], perm=[0, 2, 1]),
                   helper.make_node("Softmax", ["t"], ["probs"], axis=2)]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", 1, ["n", 3, 8, "w"])],
        [helper.make_tensor_value_info("probs", 1, ["n", "w", classes])], [w1, w2, *i1, *i2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 7
    helper.set_model_props(model, {"character": "甲\n乙\n丙"})
    return model


def _run(model, x):
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def test_fuse_gelu_replaces_only_exact_gelu_chains_and_keeps_the_values():
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    from reportmine.ingest.quantize import fuse_gelu

    model = _tiny_model(onnx, helper)
    x = np.random.default_rng(1).normal(0, 1, (2, 3, 8, 20)).astype(np.float32)
    before = _run(model, x)
    assert fuse_gelu(model) == 1
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("Gelu") == 1 and ops.count("Erf") == 1  # the divide-by-2 chain is left alone
    onnx.checker.check_model(model)
    np.testing.assert_allclose(_run(model, x), before, atol=1e-5)


def test_prepare_and_quantize_a_tiny_model(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import helper

    from reportmine.ingest.quantize import final_softmax, prepare, quantize

    model = _tiny_model(onnx, helper)
    rng = np.random.default_rng(2)
    batches = [rng.uniform(-1, 1, (2, 3, 8, w)).astype(np.float32) for w in (16, 24, 40)]
    prepared, n_gelu = prepare(model, tmp_path)
    assert n_gelu == 1
    [softmax] = final_softmax(prepared)
    assert softmax and sum(n.name == softmax for n in prepared.graph.node) == 1
    out = tmp_path / "q.onnx"
    quantize(prepared, batches, out, {"character": "甲\n乙\n丙"}, exclude=final_softmax(prepared))
    q = onnx.load(str(out))
    ops = [n.op_type for n in q.graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops and "Gelu" in ops
    int8_weights = [t for t in q.graph.initializer if t.data_type == onnx.TensorProto.INT8 and len(t.dims) == 4]
    assert len(int8_weights) == 2  # both convolutions, per channel
    producer = {o: n for n in q.graph.node for o in n.output}
    assert producer["probs"].op_type == "Softmax"  # probabilities stay float
    assert {p.key: p.value for p in q.metadata_props} == {"character": "甲\n乙\n丙"}
    assert q.ir_version == 8 and {o.domain or "" for o in q.opset_import} == {"", "com.microsoft"}
    x = batches[1]
    diff = np.abs(_run(q, x) - _run(model, x)).max()
    assert diff < 0.05
