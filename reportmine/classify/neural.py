"""Neural classifiers.

- ``CharCNNClassifier``: character embeddings, convolutions of widths 1–4, max-pooling, plus the
  lexicon-hit counts, trained with torch (multi-label BCE); exported to ``charcnn.npz`` and run
  in plain numpy at inference, so torch is only needed to train it.
- ``TransformerClassifier``: a Hugging Face sequence classifier from a local checkpoint
  (``REPORTMINE_MODEL=/path/to/bert-base-chinese``). A checkpoint already fine-tuned for our five
  categories is used as is; a base checkpoint is fine-tuned on the training data once and the
  result cached under the model folder (``transformer-<name>/``). Needs torch and transformers.

Both calibrate per-category probabilities with Platt scaling on held-out folds and choose the
extra-label threshold there, like the linear model.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from pathlib import Path

import numpy as np

from reportmine.classify.features import CATEGORIES, LexiconMatcher, load_lexicon, normalize_text
from reportmine.classify.linear import _sigmoid, choose_threshold, decide

log = logging.getLogger(__name__)

CNN_FILE = "charcnn.npz"
MAX_LEN = 400


def _lex_features(matcher: LexiconMatcher, s: str) -> np.ndarray:
    v = np.zeros(len(CATEGORIES), dtype=np.float32)
    for _t, cat, w in matcher.hits(s):
        v[CATEGORIES.index(cat)] += w
    return np.log1p(v)


def _platt_fit(z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    platt = np.zeros((Y.shape[1], 2))
    for j in range(Y.shape[1]):
        if Y[:, j].min() == Y[:, j].max():
            platt[j] = 1.0, 0.0
            continue
        cal = LogisticRegression(C=100.0, max_iter=1000).fit(z[:, [j]], Y[:, j])
        # a non-positive slope means the held-out scores say nothing: keep the raw logits
        platt[j] = (cal.coef_[0][0], cal.intercept_[0]) if cal.coef_[0][0] > 0 else (1.0, 0.0)
    return platt


def _folds(groups: list[str], k: int, seed: int) -> list[np.ndarray]:
    rng = np.random.RandomState(seed)
    uniq = sorted(set(groups))
    order = rng.permutation(len(uniq))
    fold_of = {uniq[i]: n % k for n, i in enumerate(order)}
    g = np.array([fold_of[x] for x in groups])
    return [np.where(g == f)[0] for f in range(k)]


# ---------------------------------------------------------------------------- char-CNN
class _Calibrated:
    """Per-category Platt scaling of ``decision`` scores, then the label threshold(s)."""

    platt: np.ndarray
    threshold: object

    def decision(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - each model has its own
        raise NotImplementedError

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        z = self.decision(texts)
        return _sigmoid(z * self.platt[:, 0] + self.platt[:, 1])

    def predict(self, texts: list[str]) -> list[dict]:
        return decide(self.predict_proba(texts), self.threshold) if texts else []


class CharCNNClassifier(_Calibrated):
    name = "charcnn"

    def __init__(self, chars: list[str], params: dict[str, np.ndarray], platt: np.ndarray, threshold: float,
                 meta: dict | None = None):
        self.chars = chars
        self.index = {c: i + 2 for i, c in enumerate(chars)}  # 0 pad, 1 unknown
        self.params = {k: v.astype(np.float32) for k, v in params.items()}
        self.widths = sorted(int(k[5:]) for k in params if k.startswith("conv_"))
        self.platt = platt
        self.threshold = float(threshold)
        self.meta = meta or {}
        self.matcher = LexiconMatcher(load_lexicon())

    # ---------------------------------------------------------------- numpy inference
    def _encode(self, s: str) -> list[int]:
        return [self.index.get(c, 1) for c in s[:MAX_LEN]] or [1]

    def decision(self, texts: list[str]) -> np.ndarray:
        P = self.params
        emb = P["embedding"]
        out = np.zeros((len(texts), len(CATEGORIES)), dtype=np.float32)
        for n, t in enumerate(texts):
            s = normalize_text(t)
            ids = self._encode(s)
            x = emb[ids]  # L × E
            pooled = []
            for w in self.widths:
                W = P[f"conv_{w}"]  # F × E × w  (torch Conv1d layout)
                b = P[f"convb_{w}"]
                L = x.shape[0]
                if L < w:
                    x_ = np.vstack([x, np.zeros((w - L, x.shape[1]), dtype=np.float32)])
                else:
                    x_ = x
                # im2col: (L-w+1) × (w·E), weights → (w·E) × F
                cols = np.lib.stride_tricks.sliding_window_view(x_, (w, x_.shape[1]))[:, 0].reshape(-1, w * x_.shape[1])
                Wm = W.transpose(2, 1, 0).reshape(w * x_.shape[1], -1)
                h = cols @ Wm + b
                pooled.append(np.maximum(h, 0).max(axis=0))
            feat = np.concatenate(pooled + [_lex_features(self.matcher, s)])
            out[n] = feat @ P["out_w"].T + P["out_b"]
        return out

    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CNN_FILE
        with open(path, "wb") as f:
            np.savez_compressed(f, chars=np.array("".join(self.chars)), platt=self.platt,
                                threshold=np.array(self.threshold),
                                meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
                                **{"p_" + k: v.astype(np.float16) for k, v in self.params.items()})
        return path

    @classmethod
    def load(cls, directory: Path) -> "CharCNNClassifier":
        with np.load(Path(directory) / CNN_FILE, allow_pickle=False) as z:
            params = {k[2:]: z[k].astype(np.float32) for k in z.files if k.startswith("p_")}
            return cls(list(str(z["chars"])), params, z["platt"], float(z["threshold"]), json.loads(str(z["meta"])))

    # ---------------------------------------------------------------- training (torch)
    @classmethod
    def fit(cls, texts: list[str], labels: list[list[str]], groups: list[str] | None = None, seed: int = 0,
            weights: list[float] | None = None, epochs: int = 25, emb_dim: int = 48, filters: int = 64,
            widths: tuple[int, ...] = (1, 2, 3, 4), folds: int = 3, tune_mask: list[bool] | None = None,
            meta: dict | None = None) -> "CharCNNClassifier":
        import torch

        torch.manual_seed(seed)
        np.random.seed(seed)
        norm = [normalize_text(t) for t in texts]
        from collections import Counter

        cnt = Counter(c for s in norm for c in s)
        chars = sorted(c for c, k in cnt.items() if k >= 2)
        Y = np.array([[c in set(ls) for c in CATEGORIES] for ls in labels], dtype=np.float32)
        w = np.asarray(weights if weights is not None else [1.0] * len(texts), dtype=np.float32)
        groups = groups or [str(i) for i in range(len(texts))]
        tm = np.asarray(tune_mask if tune_mask is not None else [True] * len(texts), dtype=bool)
        probe = cls(chars, {"embedding": np.zeros((len(chars) + 2, 1))}, np.ones((5, 2)), 0.5)
        ids = [probe._encode(s) for s in norm]
        lex = np.stack([_lex_features(probe.matcher, s) for s in norm])
        pos = Y.mean(axis=0).clip(0.02, 0.98)
        pos_weight = torch.tensor((1 - pos) / pos, dtype=torch.float32)

        def train(idx: np.ndarray, run_seed: int):
            torch.manual_seed(run_seed)
            net = _TorchCharCNN(len(chars) + 2, emb_dim, filters, widths)
            opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
            rng = np.random.RandomState(run_seed)
            for _epoch in range(epochs):
                net.train()
                order = rng.permutation(idx)
                for b in range(0, len(order), 32):
                    bi = order[b:b + 32]
                    x = _pad([ids[i] for i in bi])
                    logits = net(x, torch.tensor(lex[bi]))
                    loss = torch.nn.functional.binary_cross_entropy_with_logits(
                        logits, torch.tensor(Y[bi]), weight=torch.tensor(w[bi])[:, None], pos_weight=pos_weight)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
            net.eval()
            return net

        def scores(net, idx):
            with torch.no_grad():
                out = []
                for b in range(0, len(idx), 128):
                    bi = idx[b:b + 128]
                    out.append(net(_pad([ids[i] for i in bi]), torch.tensor(lex[bi])).numpy())
                return np.vstack(out) if out else np.zeros((0, 5))

        oof = np.zeros(Y.shape, dtype=np.float32)
        k = max(2, min(folds, len(set(groups))))
        parts = _folds(groups, k, seed)
        for f, te in enumerate(parts):
            tr = np.setdiff1d(np.arange(len(texts)), te)
            oof[te] = scores(train(tr, seed + 1 + f), te)
        platt = _platt_fit(oof[tm], Y[tm].astype(int))
        probs = _sigmoid(oof * platt[:, 0] + platt[:, 1])
        threshold = choose_threshold(probs[tm], Y[tm].astype(int))
        net = train(np.arange(len(texts)), seed)
        params = {"embedding": net.emb.weight.detach().numpy().copy(),
                  "out_w": net.out.weight.detach().numpy().copy(), "out_b": net.out.bias.detach().numpy().copy()}
        for wd, conv in zip(widths, net.convs):
            params[f"conv_{wd}"] = conv.weight.detach().numpy().copy()
            params[f"convb_{wd}"] = conv.bias.detach().numpy().copy()
        meta = dict(meta or {})
        meta.update({"epochs": epochs, "emb_dim": emb_dim, "filters": filters, "widths": list(widths),
                     "threshold": threshold, "seed": seed, "n_train": len(texts)})
        return cls(chars, params, platt, threshold, meta)


def _pad(seqs: list[list[int]]):
    import torch

    L = max(max(len(s) for s in seqs), 4)
    x = torch.zeros((len(seqs), L), dtype=torch.long)
    for i, s in enumerate(seqs):
        x[i, :len(s)] = torch.tensor(s, dtype=torch.long)
    return x


def _TorchCharCNN(vocab: int, emb_dim: int, filters: int, widths: tuple[int, ...]):
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, emb_dim, padding_idx=0)
            self.convs = nn.ModuleList(nn.Conv1d(emb_dim, filters, w) for w in widths)
            self.drop = nn.Dropout(0.3)
            self.out = nn.Linear(filters * len(widths) + len(CATEGORIES), len(CATEGORIES))

        def forward(self, x, lex):
            e = self.drop(self.emb(x)).transpose(1, 2)  # B × E × L
            pooled = [torch.relu(c(e)).max(dim=2).values for c in self.convs]
            h = torch.cat(pooled + [lex], dim=1)
            return self.out(self.drop(h))

    return Net()


# ---------------------------------------------------------------------------- transformers
class TransformerClassifier(_Calibrated):
    """A fine-tuned Hugging Face sequence classifier (multi-label) over our five categories."""

    name = "transformer"

    def __init__(self, model, tokenizer, platt: np.ndarray | None = None, threshold: float = 0.5,
                 max_length: int = 256, meta: dict | None = None):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.platt = platt if platt is not None else np.tile([1.0, 0.0], (len(CATEGORIES), 1))
        self.threshold = float(threshold)
        self.max_length = max_length
        self.meta = meta or {}

    @staticmethod
    def is_finetuned(path: Path) -> bool:
        cfg = Path(path) / "config.json"
        if not cfg.exists():
            return False
        c = json.loads(cfg.read_text(encoding="utf-8"))
        labels = [c.get("id2label", {}).get(str(i)) for i in range(len(CATEGORIES))]
        return labels == list(CATEGORIES) and c.get("problem_type") == "multi_label_classification"

    @classmethod
    def load(cls, directory: Path) -> "TransformerClassifier":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        directory = Path(directory)
        tok = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True)
        cal = directory / "calibration.json"
        platt, thr, meta = None, 0.5, {}
        if cal.exists():
            c = json.loads(cal.read_text(encoding="utf-8"))
            platt, thr, meta = np.array(c["platt"]), c["threshold"], c.get("meta", {})
        return cls(model, tok, platt, thr, meta=meta)

    @classmethod
    def from_checkpoint(cls, path: Path, cache_dir: Path | None = None) -> "TransformerClassifier":
        """``REPORTMINE_MODEL``: use a fine-tuned checkpoint, or fine-tune a base one (cached)."""
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"REPORTMINE_MODEL={path} is not a checkpoint folder")
        if cls.is_finetuned(path):
            return cls.load(path)
        from reportmine.classify import model_dir

        cache = Path(cache_dir) if cache_dir else model_dir() / f"transformer-{path.name}"
        if cls.is_finetuned(cache):
            return cls.load(cache)
        log.warning("%s is not fine-tuned for the reportmine categories; fine-tuning it once into %s", path, cache)
        from reportmine.classify import data

        ex = data.load_real() + data.load_extra()
        limit = int(os.environ.get("REPORTMINE_FINETUNE_LIMIT", "0") or 0)
        if limit:
            ex = ex[:limit]
        epochs = int(os.environ.get("REPORTMINE_FINETUNE_EPOCHS", "3"))
        clf = cls.fit(path, [e.text for e in ex], [e.labels for e in ex], epochs=epochs)
        clf.save(cache)
        return clf

    def decision(self, texts: list[str]) -> np.ndarray:
        import torch

        out = []
        with torch.no_grad():
            for b in range(0, len(texts), 32):
                batch = [normalize_text(t) or "。" for t in texts[b:b + 32]]
                enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                                     return_tensors="pt")
                if "token_type_ids" not in self._accepts():
                    enc.pop("token_type_ids", None)
                out.append(self.model(**enc).logits.float().numpy())
        return np.vstack(out) if out else np.zeros((0, len(CATEGORIES)))

    def _accepts(self):
        import inspect

        return inspect.signature(self.model.forward).parameters

    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)
        (directory / "calibration.json").write_text(json.dumps(
            {"platt": self.platt.tolist(), "threshold": self.threshold, "meta": self.meta}), encoding="utf-8")
        (directory / "model.json").write_text(json.dumps({"kind": "transformer"}) + "\n", encoding="utf-8")
        return directory

    @classmethod
    def fit(cls, base: Path, texts: list[str], labels: list[list[str]], epochs: int = 3, lr: float = 3e-5,
            batch_size: int = 16, max_length: int = 256, seed: int = 0, calib_fraction: float = 0.15):
        """Fine-tune ``base`` (a local checkpoint) for multi-label classification."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.manual_seed(seed)
        tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            base, local_files_only=True, num_labels=len(CATEGORIES), problem_type="multi_label_classification",
            id2label=dict(enumerate(CATEGORIES)), label2id={c: i for i, c in enumerate(CATEGORIES)})
        norm = [normalize_text(t) or "。" for t in texts]
        Y = np.array([[c in set(ls) for c in CATEGORIES] for ls in labels], dtype=np.float32)
        rng = np.random.RandomState(seed)
        order = rng.permutation(len(texts))
        n_cal = int(len(texts) * calib_fraction) if len(texts) >= 40 else 0
        cal_idx, tr_idx = order[:n_cal], order[n_cal:]
        clf = cls(model, tok, max_length=max_length)
        opt = torch.optim.AdamW(model.parameters(), lr=lr)
        accepts = clf._accepts()
        for _epoch in range(epochs):
            model.train()
            perm = rng.permutation(tr_idx)
            for b in range(0, len(perm), batch_size):
                bi = perm[b:b + batch_size]
                enc = tok([norm[i] for i in bi], padding=True, truncation=True, max_length=max_length,
                          return_tensors="pt")
                if "token_type_ids" not in accepts:
                    enc.pop("token_type_ids", None)
                loss = model(**enc, labels=torch.tensor(Y[bi])).loss
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        if n_cal:
            z = clf.decision([texts[i] for i in cal_idx])
            clf.platt = _platt_fit(z, Y[cal_idx].astype(int))
            probs = _sigmoid(z * clf.platt[:, 0] + clf.platt[:, 1])
            clf.threshold = choose_threshold(probs, Y[cal_idx].astype(int))
        clf.meta = {"base": str(base), "epochs": epochs, "n_train": len(tr_idx), "n_calibration": n_cal}
        return clf
