"""Linear classifier: TF-IDF over character n-grams, jieba words and lexicon hits, one-vs-rest
logistic regression, Platt-calibrated on out-of-fold scores, per-category label thresholds chosen on
the same out-of-fold scores.

Training uses scikit-learn; the model is exported to a small ``.npz`` (vocabulary, idf,
weights, calibration) and inference is plain numpy/scipy, so loading is fast and needs no
pickles.
"""

from __future__ import annotations

import json
import logging
import time
from itertools import repeat
from pathlib import Path

import numpy as np

from reportmine.classify.features import CATEGORIES, Featurizer, build_vocabulary_words, load_lexicon, normalize_text

log = logging.getLogger(__name__)

MODEL_FILE = "linear.npz"
BAG_STRIDE = 1009  # seed offset between the fold assignments of a bag


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def thresholds_of(threshold) -> np.ndarray:
    """A global threshold or one per category → an array of 5 thresholds."""
    t = np.asarray(threshold, dtype=float).ravel()
    if t.size == 1:
        return np.full(len(CATEGORIES), float(t[0]))
    if t.size != len(CATEGORIES):
        raise ValueError(f"expected 1 or {len(CATEGORIES)} thresholds, got {t.size}")
    return t


def decide(probs: np.ndarray, threshold, evidence: np.ndarray | None = None) -> list[dict]:
    """Probabilities (n × 5) → contract rows: top category plus every label whose probability
    reaches its threshold (one global threshold or one per category, in CATEGORIES order).

    ``evidence``: the paragraphs' own probabilities when ``probs`` were read with their context
    or section; a second label then needs them to reach the threshold too, so that the topic of
    the document around a line (a 主送 or 主题词 line of a training plan) becomes its category only
    when the line says nothing, never an extra label on a line that says something else."""
    th = thresholds_of(threshold)
    ev = probs if evidence is None else np.minimum(probs, evidence)
    out = []
    for row, own in zip(probs, ev):
        top = int(np.argmax(row))
        labels = [c for j, c in enumerate(CATEGORIES) if j == top or own[j] >= th[j]]
        if "other" in labels and len(labels) > 1 and CATEGORIES[top] != "other":
            labels.remove("other")  # "other" beside a real category only when it is the top one
        out.append({"category": CATEGORIES[top], "labels": labels,
                    "scores": {c: round(float(row[j]), 4) for j, c in enumerate(CATEGORIES)}})
    return out


class LinearModel:
    name = "linear"
    context = None  # the context layer (context.ContextModel) stored beside it, if any

    def __init__(self, vocab: list[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 platt: np.ndarray, threshold, words: list[str], meta: dict | None = None):
        self.vocab = vocab
        self.index = {f: i for i, f in enumerate(vocab)}
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)  # n_features × 5
        self.intercept = intercept.astype(np.float32)
        self.platt = platt.astype(np.float64)  # 5 × 2 (a, b), or K × 5 × 2 for a bag of calibrations
        # one extra-label threshold per category (older files hold a single global one)
        self.threshold = thresholds_of(threshold)
        self.words = words
        self.meta = meta or {}
        self.featurizer = Featurizer(words=words)

    # ------------------------------------------------------------------ inference
    def _matrix(self, norm_texts: list[str]):
        """Sublinear TF-IDF rows, l2-normalised, exactly as TfidfVectorizer computes them."""
        from scipy.sparse import csr_matrix

        get = self.index.get
        feats, lengths = [], []
        for s in norm_texts:
            f = self.featurizer(s)
            feats.extend(f)
            lengths.append(len(f))
        # unknown features map to -1 and are dropped; the lookups run in C (map over dict.get)
        cols = np.fromiter(map(get, feats, repeat(-1, len(feats))), dtype=np.int64, count=len(feats))
        rows = np.repeat(np.arange(len(norm_texts), dtype=np.int64), lengths)
        keep = cols >= 0
        cols, rows = cols[keep], rows[keep]
        n = len(norm_texts)
        X = csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(n, len(self.vocab)))
        X.sum_duplicates()
        X.data = (1.0 + np.log(X.data)) * self.idf[X.indices]
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        X.data /= np.repeat(norms, np.diff(X.indptr)).astype(np.float32)
        return X

    def decision(self, texts: list[str]) -> np.ndarray:
        X = self._matrix([normalize_text(t) for t in texts])
        return np.asarray(X @ self.coef) + self.intercept

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        z = self.decision(texts)
        return calibrate(z, self.platt)

    def predict(self, texts: list[str]) -> list[dict]:
        if not texts:
            return []
        return decide(self.predict_proba(texts), self.threshold)

    # ------------------------------------------------------------------ persistence
    def fingerprint(self) -> str:
        """A digest of the stored weights: a context layer records the base model it was fitted
        on, so a folder caught half-rewritten by a training run is never read as one model."""
        import hashlib

        h = hashlib.sha256()
        for a in (np.asarray(self.coef).astype(np.float16), np.asarray(self.intercept, dtype=float),
                  np.asarray(self.platt, dtype=float)):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()[:16]

    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        with open(path, "wb") as f:
            np.savez_compressed(
                f, vocab=np.array("\x1f".join(self.vocab)), words=np.array("\x1f".join(self.words)),
                idf=self.idf, coef=self.coef.astype(np.float16), intercept=self.intercept, platt=self.platt,
                threshold=np.asarray(self.threshold, dtype=float), meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
            )
        return path

    @classmethod
    def load(cls, directory: Path) -> "LinearModel":
        t = time.perf_counter()
        with np.load(Path(directory) / MODEL_FILE, allow_pickle=False) as z:
            m = cls(vocab=str(z["vocab"]).split("\x1f"), idf=z["idf"], coef=z["coef"].astype(np.float32),
                    intercept=z["intercept"], platt=z["platt"], threshold=z["threshold"],
                    words=[w for w in str(z["words"]).split("\x1f") if w], meta=json.loads(str(z["meta"])))
        log.debug("linear model loaded in %.3f s", time.perf_counter() - t)
        return m

    # ------------------------------------------------------------------ training
    @classmethod
    def fit(cls, texts: list[str], labels: list[list[str]], groups: list[str], weights: list[float] | None = None,
            seed: int = 0, C: float = 8.0, folds: int = 5, ngram: tuple[int, int] = (1, 3),
            use_words: bool = True, use_lexicon: bool = True, meta: dict | None = None,
            tune_mask: list[bool] | None = None, thresholds: str = "per_class",
            class_weight: str | None = "balanced", bag: int = 1) -> "LinearModel":
        """Train; ``tune_mask`` marks the rows (real paragraphs) the calibration and the
        label thresholds are chosen on — written examples are easy and would flatter them.
        ``thresholds``: ``"per_class"`` (one extra-label threshold per category) or ``"global"``.
        ``bag``: number of calibrations, each fitted on the out-of-fold scores of another seeded
        fold assignment; probabilities are their mean (the weights are the same for every fold
        assignment, the calibration is what depends on which documents shared a fold)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        lexicon = load_lexicon() if use_lexicon else {c: {} for c in CATEGORIES}
        norm = [normalize_text(t) for t in texts]
        words = build_vocabulary_words(norm, lexicon) if use_words else None
        feat = Featurizer(words=words, ngram=ngram, lexicon=lexicon)
        Y = np.array([[c in set(ls) for c in CATEGORIES] for ls in labels], dtype=int)
        w = np.asarray(weights if weights is not None else [1.0] * len(texts), dtype=float)
        groups = np.asarray(groups)

        def vectorizer():
            return TfidfVectorizer(analyzer=feat, sublinear_tf=True, min_df=2, dtype=np.float32)

        def train(Xtr, Ytr, wtr):
            coefs, bs = [], []
            for j in range(len(CATEGORIES)):
                if Ytr[:, j].min() == Ytr[:, j].max():
                    coefs.append(np.zeros(Xtr.shape[1]))
                    bs.append(10.0 if Ytr[0, j] else -10.0)
                    continue
                lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, random_state=seed)
                lr.fit(Xtr, Ytr[:, j], sample_weight=wtr)
                coefs.append(lr.coef_[0])
                bs.append(lr.intercept_[0])
            return np.array(coefs).T, np.array(bs)

        n_groups = len(set(groups.tolist()))
        k = min(folds, n_groups)
        uniq = np.array(sorted(set(groups.tolist())))
        tm = np.asarray(tune_mask if tune_mask is not None else [True] * len(texts), dtype=bool)
        platts, member_probs = [], []
        for m in range(max(1, bag)):
            # out-of-fold decision values for calibration and the label threshold; groups
            # shuffled deterministically so folds do not follow document order
            rng = np.random.RandomState(seed + BAG_STRIDE * m)
            perm = {g: i for i, g in enumerate(rng.permutation(uniq))}
            gid = np.array([perm[g] for g in groups])
            oof = np.zeros(Y.shape, dtype=float)
            for tr, te in GroupKFold(n_splits=k).split(norm, Y, gid):
                vec = vectorizer()
                Xtr = vec.fit_transform([norm[i] for i in tr])
                W, b = train(Xtr, Y[tr], w[tr])
                oof[te] = np.asarray(vec.transform([norm[i] for i in te]) @ W) + b
            platt = np.zeros((len(CATEGORIES), 2))
            for j in range(len(CATEGORIES)):
                cal = LogisticRegression(C=100.0, max_iter=1000)
                if Y[tm, j].min() == Y[tm, j].max():
                    platt[j] = 1.0, 0.0
                    continue
                cal.fit(oof[tm][:, [j]], Y[tm, j], sample_weight=w[tm])
                # a non-positive slope means the out-of-fold scores say nothing: keep the raw scores
                platt[j] = (cal.coef_[0][0], cal.intercept_[0]) if cal.coef_[0][0] > 0 else (1.0, 0.0)
            platts.append(platt)
            member_probs.append(calibrate(oof, platt))
        platt = platts[0] if len(platts) == 1 else np.stack(platts)
        probs = np.mean(member_probs, axis=0)
        threshold = choose_threshold(probs[tm], Y[tm])
        if thresholds == "per_class":
            threshold = choose_class_thresholds(probs[tm], Y[tm], start=threshold)
        elif thresholds != "global":
            raise ValueError(f"thresholds must be 'per_class' or 'global', not {thresholds!r}")

        vec = vectorizer()
        X = vec.fit_transform(norm)
        W, b = train(X, Y, w)
        vocab = [None] * len(vec.vocabulary_)
        for f, i in vec.vocabulary_.items():
            vocab[i] = f
        meta = dict(meta or {})
        meta.update({"C": C, "ngram": list(ngram), "class_weight": class_weight, "thresholds": thresholds,
                     "threshold": {c: round(float(t), 2) for c, t in zip(CATEGORIES, thresholds_of(threshold))}, "n_train": len(texts),
                     "oof_macro_f1": round(macro_f1(decide(probs[tm], threshold), Y[tm]), 4), "seed": seed,
                     "calibrations": len(platts)})
        return cls(vocab=vocab, idf=vec.idf_, coef=W, intercept=b, platt=platt,
                   threshold=threshold, words=words or [], meta=meta)


def calibrate(z: np.ndarray, platt: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from decision values: one Platt pair per category (5 × 2), or
    the mean over a bag of them (K × 5 × 2)."""
    platt = np.asarray(platt, dtype=float)
    return np.mean([_sigmoid(z * p[:, 0] + p[:, 1]) for p in platt.reshape(-1, *platt.shape[-2:])], axis=0)


def macro_f1(rows: list[dict], Y: np.ndarray) -> float:
    """Macro-F1 over the categories present in Y, as rmscore.py computes it."""
    f1s = []
    for j, c in enumerate(CATEGORIES):
        pred = np.array([c in r["labels"] for r in rows])
        gold = Y[:, j].astype(bool)
        if not gold.any():
            continue
        tp = (pred & gold).sum()
        p = tp / pred.sum() if pred.sum() else 0.0
        r = tp / gold.sum()
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0


def choose_threshold(probs: np.ndarray, Y: np.ndarray) -> float:
    """The global extra-label threshold with the best out-of-fold macro-F1 (ties → higher)."""
    best, best_t = -1.0, 0.5
    for t in np.arange(0.30, 0.91, 0.05):
        f = macro_f1(decide(probs, float(t)), Y)
        if f > best + 1e-9 or (abs(f - best) <= 1e-9 and t > best_t):
            best, best_t = f, float(round(t, 2))
    return best_t


THRESHOLD_GRID = np.round(np.arange(0.20, 0.951, 0.05), 2)


def choose_class_thresholds(probs: np.ndarray, Y: np.ndarray, start: float = 0.5, rounds: int = 3) -> np.ndarray:
    """One extra-label threshold per category, by coordinate ascent on out-of-fold macro-F1
    from the best global threshold. A category's threshold only moves when the gain is at least
    0.002 (so a tie or a single paragraph's noise leaves it where the global choice put it)."""
    th = thresholds_of(start).copy()
    best = macro_f1(decide(probs, th), Y)
    for _ in range(rounds):
        moved = False
        for j in range(len(CATEGORIES)):
            for t in THRESHOLD_GRID:
                trial = th.copy()
                trial[j] = t
                f = macro_f1(decide(probs, trial), Y)
                if f > best + 0.002:
                    best, th, moved = f, trial, True
        if not moved:
            break
    return th
