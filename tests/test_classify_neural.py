"""Neural classifiers: the torch-trained char-CNN (numpy inference) and the REPORTMINE_MODEL
path for a local Hugging Face checkpoint, exercised with tiny randomly initialised BERTs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import reportmine.classify as C  # noqa: E402
from reportmine.classify.features import CATEGORIES, normalize_text  # noqa: E402

EXAMPLES = [
    ("春节前夕走访慰问困难职工，送去慰问金", ["welfare"]),
    ("组织职工健康体检和疗休养", ["welfare"]),
    ("举办职工趣味运动会和文体活动", ["welfare"]),
    ("召开职工代表大会，审议工作报告，征集提案", ["democratic_management"]),
    ("推进院务公开，签订集体合同", ["democratic_management"]),
    ("开展民主评议中层干部", ["democratic_management"]),
    ("举办业务培训班，开展岗位练兵和技能竞赛", ["training"]),
    ("开展名师带徒和职工书屋读书活动", ["training"]),
    ("征集合理化建议，开展技术革新和五小活动", ["innovation"]),
    ("创新工作室完成技术攻关，获得专利", ["innovation"]),
    ("按时收缴工会经费，加强组织建设", ["other"]),
    ("现将全年工作总结如下", ["other"]),
] * 3


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv("REPORTMINE_MODEL", raising=False)
    C.clear_cache()
    yield
    C.clear_cache()


def test_charcnn_trains_with_torch_and_runs_in_numpy(tmp_path):
    from reportmine.classify.neural import CharCNNClassifier, _pad

    torch.set_num_threads(1)
    texts, labels = [t for t, _ in EXAMPLES], [l for _, l in EXAMPLES]
    groups = [str(i % 12) for i in range(len(texts))]
    clf = CharCNNClassifier.fit(texts, labels, groups, seed=0, epochs=30, emb_dim=16, filters=16, folds=2)
    # it learned the training examples
    z = clf.decision(texts[:12])
    assert (z.argmax(axis=1) == [CATEGORIES.index(l[0]) for l in labels[:12]]).mean() >= 0.75
    probs = clf.predict_proba(texts[:12])
    assert ((probs >= 0) & (probs <= 1)).all()
    clf.save(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"kind": "charcnn"}), encoding="utf-8")
    loaded = C.load_model(tmp_path)
    assert np.allclose(loaded.predict_proba(texts[:12]), probs, atol=2e-2)  # float16 weights on disk
    # the numpy forward pass equals the torch network's
    from reportmine.classify.neural import _TorchCharCNN, _lex_features

    net = _TorchCharCNN(len(clf.chars) + 2, 16, 16, (1, 2, 3, 4))
    with torch.no_grad():
        net.emb.weight.copy_(torch.tensor(clf.params["embedding"]))
        for w, conv in zip((1, 2, 3, 4), net.convs):
            conv.weight.copy_(torch.tensor(clf.params[f"conv_{w}"]))
            conv.bias.copy_(torch.tensor(clf.params[f"convb_{w}"]))
        net.out.weight.copy_(torch.tensor(clf.params["out_w"]))
        net.out.bias.copy_(torch.tensor(clf.params["out_b"]))
    net.eval()
    s = normalize_text(texts[0])
    with torch.no_grad():
        z = net(_pad([clf._encode(s)]), torch.tensor(_lex_features(clf.matcher, s))[None]).numpy()
    assert np.allclose(z, clf.decision([texts[0]]), atol=1e-4)


def _tiny_bert(path: Path, classifier: bool) -> None:
    transformers = pytest.importorskip("transformers")
    chars = sorted({c for t, _ in EXAMPLES for c in normalize_text(t)})
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    digits = [str(d) for d in range(10)] + [f"##{d}" for d in range(10)]
    vocab = {tok: i for i, tok in enumerate(special + digits + chars)}
    # vocab= (a dict): vocab_file= silently built a 5-token vocabulary in this environment
    tok = transformers.BertTokenizerFast(vocab=vocab)
    assert len(tok) == len(vocab)
    assert "[UNK]" not in tok.tokenize("慰问困难职工0")
    tok.save_pretrained(path)
    cfg = transformers.BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=32, max_position_embeddings=64)
    if classifier:
        cfg.num_labels = len(CATEGORIES)
        cfg.id2label = dict(enumerate(CATEGORIES))
        cfg.label2id = {c: i for i, c in enumerate(CATEGORIES)}
        cfg.problem_type = "multi_label_classification"
        model = transformers.BertForSequenceClassification(cfg)
    else:
        model = transformers.BertModel(cfg)
    model.save_pretrained(path)


def test_reportmine_model_env_loads_a_finetuned_checkpoint(tmp_path, monkeypatch):
    ckpt = tmp_path / "tiny-finetuned"
    _tiny_bert(ckpt, classifier=True)
    monkeypatch.setenv("REPORTMINE_MODEL", str(ckpt))
    from reportmine.classify.neural import TransformerClassifier

    clf = C.get_classifier()
    assert isinstance(clf, TransformerClassifier)
    rows = clf.predict(["春节慰问困难职工2023年30人", "召开职代会"])
    assert len(rows) == 2
    for r in rows:
        assert r["category"] in CATEGORIES and r["category"] in r["labels"]
        assert set(r["scores"]) == set(CATEGORIES) and all(0 <= v <= 1 for v in r["scores"].values())


def test_reportmine_model_env_finetunes_a_base_checkpoint_once(tmp_path, monkeypatch):
    base = tmp_path / "tiny-base"
    _tiny_bert(base, classifier=False)
    monkeypatch.setenv("REPORTMINE_MODEL", str(base))
    monkeypatch.setenv("REPORTMINE_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("REPORTMINE_FINETUNE_LIMIT", "24")
    monkeypatch.setenv("REPORTMINE_FINETUNE_EPOCHS", "1")
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"doc": f"d{i % 6}", "id": str(i), "text": t, "labels": l},
                                        ensure_ascii=False) + "\n" for i, (t, l) in enumerate(EXAMPLES)),
                     encoding="utf-8")
    monkeypatch.setenv("REPORTMINE_TRAIN_DATA", str(train))
    from reportmine.classify.neural import TransformerClassifier

    clf = C.get_classifier()
    assert isinstance(clf, TransformerClassifier)
    cache = tmp_path / "models" / "transformer-tiny-base"
    assert TransformerClassifier.is_finetuned(cache)
    assert clf.predict(["举办技能竞赛"])[0]["category"] in CATEGORIES
    # a second process start reuses the fine-tuned copy
    C.clear_cache()
    again = C.get_classifier()
    assert np.allclose(again.predict_proba(["举办技能竞赛"]), clf.predict_proba(["举办技能竞赛"]), atol=1e-5)
