"""The context layer: paragraphs read as streams of documents (reportmine/classify/context.py)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reportmine.classify as C
from reportmine.classify import classify_paragraphs, data
from reportmine.classify.context import (FEATURE_NAMES, ContextModel, adjacency, coherence, features, fragments,
                                         streams_of)
from reportmine.classify.features import CATEGORIES

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO.parent / "shared" / "corpus" / "train" / "paragraphs.jsonl"
needs_train = pytest.mark.skipif(not TRAIN.exists(), reason=f"real training paragraphs not found at {TRAIN}")
shipped = pytest.mark.skipif(not (REPO / "models" / "context.npz").exists(), reason="no context layer in models/")

# Two short documents written for these tests. Each has two pieces cut out of a sentence, as a
# column break cuts them: alone they say nothing about the topic.
WELFARE_DOC = [
    "春节前夕，院工会班子成员分组走访慰问困难职工和患病职工家庭，送去慰问金和米面油。",
    "工会为全体会员续保职工互助医疗保险，组织年度健康体检并为女职工增加专项筛查，",
    "并在现场逐一登记",
    "，做到不漏一人。",
    "夏季高温期间，工会为一线科室送去防暑降温物品，为夜班职工配备营养加餐。",
    "同时设立职工子女假期托管班，解决双职工家庭的后顾之忧。",
]
TRAINING_DOC = [
    "院工会联合医务科举办青年医师临床技能培训班，邀请省内专家授课，参训人员二百余人次。",
    "培训结束后组织理论考试和操作考核，",
    "成绩记入个人档案",
    "，作为评先评优的依据。",
    "全年开展护理技能竞赛三场，评出技术能手十名，并选派优胜者参加市级比赛。",
]


pytestmark = pytest.mark.usefixtures("fresh_classifier")


def test_streams_follow_document_keys_in_order():
    assert streams_of(["a", "a", "b", "b", "a"], 5) == [[0, 1], [2, 3], [4]]
    assert streams_of(None, 3) == [[0, 1, 2]]
    assert streams_of(None, 0) == []


def test_features_never_look_across_a_stream_boundary():
    P = np.full((6, 5), 0.05)
    P[:3, 0] = 0.9  # document one: training
    P[3:, 2] = 0.9  # document two: welfare
    texts = ["甲乙丙丁戊己庚辛壬癸。"] * 6
    X_two = features(P, texts, [[0, 1, 2], [3, 4, 5]])
    X_one = features(P, texts, [[0, 1, 2, 3, 4, 5]])
    near = slice(5, 10)
    assert X_two.shape == (6, len(FEATURE_NAMES))
    # the last paragraph of document one sees only document one
    assert X_two[2, near][0] == pytest.approx(0.9) and X_two[2, near][2] == pytest.approx(0.05)
    # run together, it sees welfare after it
    assert X_one[2, near][2] > 0.3


def test_fragments_cut_bodies_but_keep_a_heading_with_its_text():
    text = ("（二）做好困难职工帮扶。全年走访慰问困难职工四十户，发放慰问金八万元；为患病职工申请大病救助，"
            "协调医保报销；建立帮扶台账，实行一户一策，做到应帮尽帮。")
    pieces = fragments(text, random.Random(3))
    assert "".join(pieces) == text
    assert len(pieces) >= 2
    assert pieces[0].startswith("（二）做好困难职工帮扶。全年")  # the heading is not a piece of its own


def test_fit_learns_to_lean_on_neighbours_for_uninformative_fragments():
    """Synthetic out-of-fold data: long paragraphs are predicted well, short fragments are flat;
    a fragment's label is its document's. The fitted layer must move flat fragments to the
    document's category and leave confident long paragraphs alone."""
    rng = np.random.RandomState(0)
    P_all, Y_all, texts, docs = [], [], [], []
    for d in range(60):
        c = d % 5
        for k in range(8):
            short = k % 3 == 1
            p = np.full(5, 0.2) if short else np.full(5, 0.05)
            if not short:
                p[c] = 0.85 + 0.1 * rng.rand()
            else:
                p = p + 0.05 * rng.rand(5)
            P_all.append(p)
            y = np.zeros(5, dtype=int)
            y[c] = 1
            Y_all.append(y)
            texts.append("而且" if short else "这是一段很长的关于工作的正文内容，其中有许多字，足以判断它的类别。")
            docs.append(f"d{d}")
    P, Y = np.array(P_all), np.array(Y_all)
    streams = streams_of(docs, len(docs))
    cm = ContextModel.fit([(P, texts, streams, Y, 1.0)], C=1.0)
    S = cm.apply(P, texts, docs)
    short_rows = [i for i, t in enumerate(texts) if t == "而且"]
    long_rows = [i for i, t in enumerate(texts) if t != "而且"]
    assert np.mean(S[short_rows].argmax(1) == Y[short_rows].argmax(1)) > 0.95
    assert np.mean(P[short_rows].argmax(1) == Y[short_rows].argmax(1)) < 0.5
    assert np.all(S[long_rows].argmax(1) == Y[long_rows].argmax(1))


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.RandomState(1)
    cm = ContextModel(rng.randn(len(FEATURE_NAMES), 5), rng.randn(5), 0.6,
                      gate={"coherence_lo": 1.3, "coherence_hi": 1.45, "adjacency_lo": 0.5, "adjacency_hi": 0.6},
                      meta={"note": "测试"})
    cm.save(tmp_path)
    back = ContextModel.load(tmp_path)
    assert np.allclose(back.coef, cm.coef) and np.allclose(back.intercept, cm.intercept)
    assert back.gate_levels == cm.gate_levels and back.meta == {"note": "测试"}
    assert list(back.threshold) == [0.6] * 5
    assert ContextModel.load(tmp_path / "nothing-here") is None


def test_a_bag_of_layers_averages_its_members_and_survives_a_round_trip(tmp_path):
    rng = np.random.RandomState(2)
    gates = [{"coherence_lo": 1.3, "coherence_hi": 1.4, "adjacency_lo": 0.5, "adjacency_hi": 0.6},
             {"coherence_lo": 1.5, "coherence_hi": 1.6, "adjacency_lo": 0.3, "adjacency_hi": 0.4}]
    members = [ContextModel(rng.randn(len(FEATURE_NAMES), 5), rng.randn(5), t, gate=g)
               for t, g in zip((0.6, 0.8), gates)]
    bag = ContextModel.bag(members, meta={"bag": 2})
    P = rng.dirichlet(np.ones(5), size=12)
    texts = ["职工代表大会审议通过集体合同。"] * 6 + ["，做到不漏一人。"] * 6
    streams = [list(range(12))]
    want = np.mean([m.stacked(P, texts, streams) for m in members], axis=0)
    assert np.allclose(bag.stacked(P, texts, streams), want)
    assert bag.gate_levels["coherence_lo"] == pytest.approx(1.4) and list(bag.threshold) == [0.7] * 5
    bag.save(tmp_path)
    back = ContextModel.load(tmp_path)
    assert back.coef.shape == (2, len(FEATURE_NAMES), 5)
    assert np.allclose(back.stacked(P, texts, streams), want)
    assert ContextModel.bag(members[:1]) is members[0]


def test_a_bag_of_calibrations_is_their_mean(tmp_path):
    from reportmine.classify.linear import LinearModel, calibrate

    z = np.linspace(-3, 3, 10)[:, None].repeat(5, axis=1)
    a = np.tile([1.0, 0.0], (5, 1))
    b = np.tile([2.0, -1.0], (5, 1))
    assert np.allclose(calibrate(z, np.stack([a, b])), (calibrate(z, a) + calibrate(z, b)) / 2)
    m = LinearModel(vocab=["慰", "问"], idf=np.ones(2), coef=np.ones((2, 5)), intercept=np.zeros(5),
                    platt=np.stack([a, b]), threshold=0.5, words=[])
    m.save(tmp_path)
    back = LinearModel.load(tmp_path)
    assert back.platt.shape == (2, 5, 2)
    assert np.allclose(back.predict_proba(["慰问"]), m.predict_proba(["慰问"]))


def test_a_layer_fitted_on_other_features_is_refused(tmp_path):
    with open(tmp_path / "context.npz", "wb") as f:
        np.savez(f, coef=np.zeros((3, 5)), intercept=np.zeros(5), threshold=np.array(0.5),
                 gate=np.array("{}"), features=np.array("a\x1fb\x1fc"), meta=np.array("{}"))
    with pytest.raises(ValueError, match="other features"):
        ContextModel.load(tmp_path)


@needs_train
@shipped
def test_gate_is_open_for_documents_in_order_and_shut_for_a_shuffled_batch():
    """Real paragraphs of 20 documents: in their order the stream is coherent and the layer
    applies; the same paragraphs shuffled get no context, i.e. exactly the per-paragraph result."""
    real = data.load_real()
    docs = sorted({e.doc for e in real})[:20]
    rows = [e for e in real if e.doc in set(docs)]
    clf = C.load_model(REPO / "models")
    P = clf.predict_proba([e.text for e in rows])
    assert coherence(P) > 1.3
    assert clf.context.gate(P) == 1.0
    order = np.random.RandomState(5).permutation(len(rows))
    mixed = [rows[i] for i in order]
    Pm = P[order]
    assert coherence(Pm) < 1.25 and adjacency(Pm) < adjacency(P)
    assert clf.context.gate(Pm) == 0.0
    texts = [e.text for e in mixed]
    alone = clf.predict(texts)
    got = classify_paragraphs(texts, None, clf=clf)
    assert got == alone  # same categories, labels (the base model's thresholds) and scores
    # in their order the layer changes something
    ordered = [e.text for e in rows]
    assert classify_paragraphs(ordered, None, clf=clf) != clf.predict(ordered)


@shipped
def test_shipped_layer_reads_fragments_from_their_document():
    clf = C.load_model(REPO / "models")
    for doc, cat in ((WELFARE_DOC, "welfare"), (TRAINING_DOC, "training")):
        alone = [r["category"] for r in clf.predict(doc)]
        with_docs = [r["category"] for r in classify_paragraphs(doc, ["d"] * len(doc), clf=clf)]
        # the fragments alone are not recognised; read with their document they are
        assert alone[2] != cat and alone[3] != cat
        assert with_docs == [cat] * len(doc), with_docs
        rows = classify_paragraphs(doc, ["d"] * len(doc), clf=clf)
        for r in rows:
            assert r["category"] in r["labels"] and set(r["scores"]) == set(CATEGORIES)


@shipped
def test_a_plans_furniture_gets_no_second_label_from_the_plan():
    """The lines of a written training plan: the 主送 and 联系人 lines sit among training paragraphs
    and may lean toward training in context, but a second label needs the line's own probability."""
    from reportmine.classify.linear import thresholds_of

    plan = ["关于举办2024年全院护理人员急救技能培训的通知", "各临床科室、护理单元：",
            "为提升护理人员急救处置能力，院工会联合护理部定于5月举办急救技能培训，现将有关事项通知如下。",
            "一、培训对象：全院在岗护士，每科选派不少于3人。", "二、培训内容：心肺复苏、除颤仪使用、气道异物处置。",
            "三、考核方式：理论考试与操作考核相结合，考核结果记入个人继续教育档案。",
            "联系人：王某，电话：1234567", "院工会办公室", "2024年4月20日"]
    clf = C.load_model(REPO / "models")
    own = C.predict_proba(clf, plan)
    th = thresholds_of(clf.threshold)
    rows = classify_paragraphs(plan, ["plan"] * len(plan), clf=clf)
    for r, p in zip(rows, own):
        for c in r["labels"]:
            if c != r["category"]:
                assert p[CATEGORIES.index(c)] >= th[CATEGORIES.index(c)], (r, p)
    assert [r["category"] for r in rows[2:6]] == ["training"] * 4


@shipped
def test_classify_cli_reads_doc_keys_and_no_context_reads_lines_alone():
    exe = Path(sys.executable).parent / "reportmine"
    if not exe.exists():
        pytest.skip("reportmine console script not installed")
    lines = [{"text": t, "doc": "w"} for t in WELFARE_DOC] + [{"text": t, "doc": "t"} for t in TRAINING_DOC]
    stdin = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines)
    out = subprocess.run([str(exe), "classify"], input=stdin, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    cats = [json.loads(l)["category"] for l in out.stdout.splitlines()]
    assert cats == ["welfare"] * len(WELFARE_DOC) + ["training"] * len(TRAINING_DOC)
    alone = subprocess.run([str(exe), "classify", "--no-context"], input=stdin, capture_output=True, text=True,
                           timeout=120)
    assert alone.returncode == 0, alone.stderr
    rows = [json.loads(l) for l in alone.stdout.splitlines()]
    expected = C.load_model(REPO / "models").predict([o["text"] for o in lines])
    assert [r["labels"] for r in rows] == [r["labels"] for r in expected]
    # a bad line is reported by number and still answered, in order
    bad = subprocess.run([str(exe), "classify"], input=stdin + '{"text": 3}\n', capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "stdin line 12" in bad.stderr
    assert len(bad.stdout.splitlines()) == len(lines) + 1
