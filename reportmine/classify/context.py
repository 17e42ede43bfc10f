"""Document context for paragraph classification.

A paragraph cut short by a column break, a headline or a photo caption says little alone
("，做到不漏一人。", "成绩记入个人档案"); the paragraphs around it say what it is about.
``ContextModel`` is a small stacked layer (stacked sequential learning) over the calibrated
probabilities of the base classifier: for each paragraph it sees its own log-odds, the
probabilities of its near neighbours and of a wider window on both sides, how short it is,
whether it is a numbered heading and whether its predecessor stopped mid-sentence; one
logistic regression per category turns that into the final probabilities. It is fitted on
out-of-fold base probabilities of real documents, in their order, and of the same documents
cut into fragments the way newspaper columns cut them (``fragments``), so it learns how far to
trust the neighbours of a short piece.

Paragraphs are read as *streams*: runs of consecutive paragraphs of one document. A caller that
knows the documents says so (``docs``); a stream of unknown origin (``reportmine classify``
without ``doc`` keys) is checked first: paragraphs of documents in their order agree with their
neighbours far more than the same paragraphs in random order do (``coherence``), and
paragraphs of one topic agree with any neighbour (``adjacency``). The context weight ramps from
0 to 1 between levels measured at training time, so a shuffled batch of unrelated paragraphs
is classified paragraph by paragraph.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np

from reportmine.classify.features import CATEGORIES

CONTEXT_FILE = "context.npz"
NEAR = 2  # neighbours on each side for the near window (weights 1/d)
FAR = 10  # neighbours on each side for the wide windows (weights 0.8^d)
FAR_DECAY = 0.8
SHORT_SCALE = 30.0  # characters: shortness = 1 / (1 + len / 30)
MIN_STREAM = 6  # streams of unknown origin shorter than this get no context (no coherence signal)
# gate levels when a model file holds none; `reportmine train` measures its own (_gate_levels)
DEFAULT_GATE = {"coherence_lo": 1.4, "coherence_hi": 1.5, "adjacency_lo": 0.6, "adjacency_hi": 0.7}

_SPACE = re.compile(r"\s+")
_END = re.compile(r"[。！？；.!?;：:…”」』）)]\s*$")
_SENTENCE = re.compile(r"(?<=[。！？；!?;])")

FEATURE_NAMES = (
    [f"own_logit:{c}" for c in CATEGORIES]
    + [f"near:{c}" for c in CATEGORIES] + [f"near*short:{c}" for c in CATEGORIES]
    + [f"both_sides:{c}" for c in CATEGORIES] + [f"both_sides*short:{c}" for c in CATEGORIES]
    + ["short", "heading", "no_final_mark"] + [f"heading*near:{c}" for c in CATEGORIES]
    + ["continues"] + [f"continues*previous:{c}" for c in CATEGORIES]
)


def text_length(text: str) -> int:
    return len(_SPACE.sub("", text or ""))


def _heading_flags(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from reportmine.sections import heading_of

    head = np.array([heading_of(t) is not None for t in texts], dtype=float)
    noend = np.array([bool(t.strip()) and not _END.search(t) for t in texts], dtype=float)
    return head, noend


def _side(Ps: np.ndarray, w: np.ndarray, dists: range, weight, sign: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums (m × 5) and weights (m) of the neighbours at the given distances on one
    side (sign -1: before, +1: after) of every position of a stream."""
    m = len(Ps)
    num = np.zeros_like(Ps)
    den = np.zeros(m)
    for d in dists:
        if d >= m:
            break
        wt = w * weight(d)
        if sign < 0:  # position a takes a - d
            num[d:] += wt[:-d, None] * Ps[:-d]
            den[d:] += wt[:-d]
        else:  # position a takes a + d
            num[:-d] += wt[d:, None] * Ps[d:]
            den[:-d] += wt[d:]
    return num, den


def features(P: np.ndarray, texts: list[str], streams: list[list[int]]) -> np.ndarray:
    """The stacked layer's input for every paragraph (rows in the order of ``P``)."""
    n = len(P)
    Pc = np.clip(P, 1e-4, 1 - 1e-4)
    own = np.log(Pc / (1 - Pc))
    lengths = np.array([text_length(t) for t in texts], dtype=float)
    near = P.copy()
    both = P.copy()
    near_w = lambda d: 1.0 / d  # noqa: E731
    far_w = lambda d: FAR_DECAY ** d  # noqa: E731
    for idx in streams:
        idx = np.asarray(idx, dtype=int)
        Ps = P[idx]
        w = np.log1p(lengths[idx])  # a longer neighbour says more
        nb, db = _side(Ps, w, range(1, NEAR + 1), near_w, -1)
        na, da = _side(Ps, w, range(1, NEAR + 1), near_w, +1)
        den = db + da
        ok = den > 0
        near[idx[ok]] = (nb + na)[ok] / den[ok, None]
        nl, dl = _side(Ps, w, range(1, FAR + 1), far_w, -1)
        nr, dr = _side(Ps, w, range(1, FAR + 1), far_w, +1)
        left = np.divide(nl, dl[:, None], out=np.zeros_like(nl), where=dl[:, None] > 0)
        right = np.divide(nr, dr[:, None], out=np.zeros_like(nr), where=dr[:, None] > 0)
        has_l, has_r = dl > 0, dr > 0
        b = both[idx]
        two = has_l & has_r
        b[two] = np.sqrt(left[two] * right[two])  # high only where both sides agree
        b[has_l & ~has_r] = left[has_l & ~has_r]
        b[has_r & ~has_l] = right[has_r & ~has_l]
        both[idx] = b
    short = (1.0 / (1.0 + lengths / SHORT_SCALE))[:, None]
    head, noend = _heading_flags(texts)
    # a paragraph whose predecessor stops mid-sentence (no final mark, not a heading) is most
    # likely the rest of it, cut by a column or page break
    cont = np.zeros(n)
    prev = P.copy()
    for idx in streams:
        for a in range(1, len(idx)):
            i, j = idx[a], idx[a - 1]
            if noend[j] and not head[j] and lengths[j] > 0:
                cont[i] = 1.0
                prev[i] = P[j]
    X = np.hstack([own, near, near * short, both, both * short, short, head[:, None], noend[:, None],
                   head[:, None] * near, cont[:, None], cont[:, None] * prev])
    assert X.shape == (n, len(FEATURE_NAMES))
    return X


def streams_of(docs: list | None, n: int) -> list[list[int]]:
    """Runs of consecutive paragraphs with the same document key (None: one stream)."""
    if docs is None:
        return [list(range(n))] if n else []
    out: list[list[int]] = []
    last = object()
    for i, d in enumerate(docs):
        if not out or d != last:
            out.append([])
        out[-1].append(i)
        last = d
    return out


def _unit(P: np.ndarray) -> np.ndarray:
    return P / np.clip(P.sum(axis=1, keepdims=True), 1e-9, None)


def adjacency(P: np.ndarray) -> float:
    """Mean agreement of neighbouring paragraphs' category distributions (0–1)."""
    if len(P) < 2:
        return 0.0
    Q = _unit(P)
    return float((Q[1:] * Q[:-1]).sum(axis=1).mean())


def coherence(P: np.ndarray) -> float:
    """How much more neighbours agree than random pairs of the same paragraphs (1 ≈ random order)."""
    if len(P) < 3:
        return 1.0
    Q = _unit(P)
    S = Q @ Q.T
    n = len(Q)
    pairs = float((S.sum() - np.trace(S)) / (n * (n - 1)))
    return adjacency(P) / pairs if pairs > 0 else 1.0


def _ramp(x: float, lo: float, hi: float) -> float:
    if hi <= lo:
        return float(x >= hi)
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


def fragments(text: str, rng: random.Random) -> list[str]:
    """Cut one paragraph's body into pieces as column layouts and OCR do: runs of 1–3
    sentences, a long run now and then cut mid-sentence. A short first sentence (a heading)
    stays with what follows it: alone it may well belong to another category."""
    sents = [s for s in _SENTENCE.split(text) if s.strip()]
    while len(sents) > 1 and len(sents[0]) < 30:
        sents[:2] = [sents[0] + sents[1]]
    pieces: list[str] = []
    i = 0
    while i < len(sents):
        k = rng.choice((1, 1, 2, 3))
        chunk = "".join(sents[i:i + k])
        i += k
        if len(chunk) > 40 and rng.random() < 0.3:
            cut = rng.randint(len(chunk) // 4, 3 * len(chunk) // 4)
            pieces += [chunk[:cut], chunk[cut:]]
        else:
            pieces.append(chunk)
    return [p for p in pieces if p.strip()]


class ContextModel:
    """One logistic regression per category over ``features``; numpy inference from ``context.npz``.

    A bag of layers (``bag``), each fitted on the out-of-fold probabilities of another fold
    assignment, keeps their weights side by side (K × n_features × 5) and averages their outputs."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, threshold, gate: dict | None = None,
                 meta: dict | None = None):
        from reportmine.classify.linear import thresholds_of

        self.coef = np.asarray(coef, dtype=float)  # n_features × 5, or K × n_features × 5
        self.intercept = np.asarray(intercept, dtype=float)  # 5, or K × 5
        self.threshold = thresholds_of(threshold)
        self.gate_levels = dict(DEFAULT_GATE, **(gate or {}))
        self.meta = meta or {}

    def gate(self, P: np.ndarray) -> float:
        """Context weight for a stream of unknown origin: open when neighbours agree clearly
        more than random pairs of the same paragraphs do (documents in their order), or agree
        so much anyway that reading them together cannot mislead (one topic throughout)."""
        if len(P) < MIN_STREAM:
            return 0.0
        g = self.gate_levels
        return max(_ramp(coherence(P), g["coherence_lo"], g["coherence_hi"]),
                   _ramp(adjacency(P), g["adjacency_lo"], g["adjacency_hi"]))

    def stacked(self, P: np.ndarray, texts: list[str], streams: list[list[int]]) -> np.ndarray:
        X = features(P, texts, streams)
        coefs = self.coef.reshape(-1, *self.coef.shape[-2:])  # one layer is a bag of one
        intercepts = self.intercept.reshape(-1, self.intercept.shape[-1])
        return np.mean([1.0 / (1.0 + np.exp(-(X @ c + b))) for c, b in zip(coefs, intercepts)], axis=0)

    @classmethod
    def bag(cls, members: list["ContextModel"], threshold=None, meta: dict | None = None) -> "ContextModel":
        """One layer that averages ``members``; gate levels are their mean, the label threshold
        their median unless given."""
        if len(members) == 1:
            return members[0]
        gate = {k: round(float(np.mean([m.gate_levels[k] for m in members])), 3) for k in members[0].gate_levels}
        th = np.median([m.threshold for m in members], axis=0) if threshold is None else threshold
        return cls(np.stack([m.coef for m in members]), np.stack([m.intercept for m in members]), th,
                   gate=gate, meta=meta if meta is not None else members[0].meta)

    def apply(self, P: np.ndarray, texts: list[str], docs: list | None = None,
              known: bool | None = None) -> np.ndarray:
        """Final probabilities. ``docs``: a document key per paragraph (consecutive equal keys
        form a stream) or None (one stream). ``known``: the streams are documents for sure
        (the pipeline) → full context; otherwise each stream is weighted by its coherence."""
        return self.apply_weighted(P, texts, docs, known)[0]

    def apply_weighted(self, P: np.ndarray, texts: list[str], docs: list | None = None,
                       known: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``apply`` plus the context weight each paragraph got (0: its own probabilities)."""
        P = np.asarray(P, dtype=float)
        weight = np.zeros(len(P))
        if len(P) == 0:
            return P, weight
        known = docs is not None if known is None else known
        streams = streams_of(docs, len(P))
        S = self.stacked(P, texts, streams)
        if known:
            return S, np.ones(len(P))
        out = P.copy()
        for idx in streams:
            g = self.gate(P[idx])
            if g > 0:
                out[idx] = (1 - g) * P[idx] + g * S[idx]
                weight[idx] = g
        return out, weight

    def decide(self, P: np.ndarray, weight: np.ndarray, base_threshold, own: np.ndarray | None = None) -> list[dict]:
        """Contract rows: a paragraph read with context weight g gets labels at the threshold
        (1 − g) · base + g · context, so a paragraph read alone is decided as the base model
        decides it. ``own``: the paragraphs' base probabilities; a second label needs them too
        (``linear.decide``'s evidence: out-of-fold +0.004 to +0.006 macro-F1)."""
        from reportmine.classify.linear import decide, thresholds_of

        base = thresholds_of(base_threshold)
        rows: list[dict | None] = [None] * len(P)
        for g in np.unique(weight):
            idx = np.flatnonzero(weight == g)
            ev = None if own is None else np.asarray(own)[idx]
            for i, r in zip(idx, decide(P[idx], (1 - g) * base + g * self.threshold, ev)):
                rows[i] = r
        return rows  # type: ignore[return-value]

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path) -> Path:
        path = Path(directory) / CONTEXT_FILE
        with open(path, "wb") as f:
            np.savez_compressed(f, coef=self.coef, intercept=self.intercept, threshold=self.threshold,
                                gate=np.array(json.dumps(self.gate_levels)),
                                features=np.array("\x1f".join(FEATURE_NAMES)),
                                meta=np.array(json.dumps(self.meta, ensure_ascii=False)))
        return path

    @classmethod
    def load(cls, directory: Path) -> "ContextModel | None":
        """The context layer stored beside a model, or None when the folder has none."""
        path = Path(directory) / CONTEXT_FILE
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as z:
            names = str(z["features"]).split("\x1f")
            if names != FEATURE_NAMES:
                raise ValueError(f"{path} was trained on other features; retrain with `reportmine train`")
            return cls(z["coef"], z["intercept"], z["threshold"], gate=json.loads(str(z["gate"])),
                       meta=json.loads(str(z["meta"])))

    # ------------------------------------------------------------------ training
    @classmethod
    def fit(cls, parts: list[tuple[np.ndarray, list[str], list[list[int]], np.ndarray, float]],
            C: float = 1.0, seed: int = 0, threshold=None, gate: dict | None = None,
            meta: dict | None = None) -> "ContextModel":
        """``parts``: (base probabilities, texts, streams, labels n×5, sample weight) per set of
        streams (documents in order, documents run together, fragmented documents …)."""
        from sklearn.linear_model import LogisticRegression

        Xs, Ys, Ws = [], [], []
        for P, texts, streams, Y, weight in parts:
            order = [i for s in streams for i in s]
            X = features(P, texts, streams)[order]
            Xs.append(X)
            Ys.append(np.asarray(Y)[order])
            Ws.append(np.full(len(order), float(weight)))
        X, Y, W = np.vstack(Xs), np.vstack(Ys).astype(int), np.concatenate(Ws)
        coef = np.zeros((X.shape[1], len(CATEGORIES)))
        intercept = np.zeros(len(CATEGORIES))
        for j in range(len(CATEGORIES)):
            if Y[:, j].min() == Y[:, j].max():
                intercept[j] = 10.0 if Y[0, j] else -10.0
                continue
            lr = LogisticRegression(C=C, max_iter=5000, random_state=seed)
            lr.fit(X, Y[:, j], sample_weight=W)
            coef[:, j] = lr.coef_[0]
            intercept[j] = lr.intercept_[0]
        return cls(coef, intercept, 0.5 if threshold is None else threshold, gate=gate, meta=meta)
