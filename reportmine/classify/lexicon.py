"""Lexicon baseline: weighted cue terms per category (corpora/categories_lexicon.json).

Scores are a softmax over summed term weights (plus a small prior for ``other``), so they
are probabilities of a kind but are not calibrated on data; the trained models are.
"""

from __future__ import annotations

import numpy as np

from reportmine.classify.features import CATEGORIES, LexiconMatcher, load_lexicon, normalize_text


class LexiconClassifier:
    name = "lexicon"

    def __init__(self, lexicon: dict[str, dict[str, float]] | None = None, other_prior: float = 1.0,
                 second_ratio: float = 0.6):
        self.matcher = LexiconMatcher(lexicon if lexicon is not None else load_lexicon())
        self.other_prior = other_prior
        self.second_ratio = second_ratio

    def raw_scores(self, text: str) -> np.ndarray:
        s = normalize_text(text)
        v = np.zeros(len(CATEGORIES))
        for _t, cat, w in self.matcher.hits(s):
            v[CATEGORIES.index(cat)] += w
        v[CATEGORIES.index("other")] += self.other_prior
        return v

    def predict(self, texts: list[str]) -> list[dict]:
        out = []
        for t in texts:
            v = self.raw_scores(t)
            e = np.exp(v - v.max())
            p = e / e.sum()
            top = int(np.argmax(v))
            labels = [CATEGORIES[top]]
            for j, c in enumerate(CATEGORIES):
                if j != top and c != "other" and v[j] >= 2 and v[j] >= self.second_ratio * v[top]:
                    labels.append(c)
            out.append({"category": CATEGORIES[top], "labels": labels,
                        "scores": {c: round(float(p[j]), 4) for j, c in enumerate(CATEGORIES)}})
        return out
