"""Text normalisation and feature extraction shared by every classifier.

Everything that turns a paragraph into model input lives here, so that training and
inference see the same features:

- ``normalize_text``: NFKC, traditional → simplified, every whitespace removed (the
  newspaper seeds put spaces between characters and break lines mid-sentence), Markdown
  marks dropped, digits folded to ``0`` (numbers say little about the category).
- ``Featurizer``: character 1–3-grams, words from a jieba tokenizer built on the model's
  own small dictionary (fast to load, same segmentation at training and inference time),
  and one ``L:<category>`` token per lexicon hit (``corpora/categories_lexicon.json``).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPORA = REPO_ROOT / "corpora"
LEXICON_PATH = CORPORA / "categories_lexicon.json"
CATEGORIES: tuple[str, ...] = ("training", "democratic_management", "welfare", "innovation", "other")

_DROP = re.compile(r"[\s#*_`>|]+")
# pinyin glosses some converted documents carry after each character: 領(lǐng)導(dǎo)
_PINYIN = re.compile(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[)）]")
_DIGITS = re.compile(r"\d+(?:[.．]\d+)?")


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - opencc is a dependency; be lenient anyway
        log.warning("opencc unavailable: traditional characters are not converted")
        return None


def normalize_text(text: str) -> str:
    """The form every classifier sees: no whitespace at all, simplified, digits → 0."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _PINYIN.sub("", s)
    cc = _t2s()
    if cc is not None:
        s = cc.convert(s)
    s = _DROP.sub("", s)
    s = _DIGITS.sub("0", s)
    return s


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> dict[str, dict[str, float]]:
    p = Path(path) if path else LEXICON_PATH
    data = json.loads(p.read_text(encoding="utf-8"))
    return {c: {normalize_text(t): float(w) for t, w in data.get(c, {}).items()} for c in CATEGORIES}


class LexiconMatcher:
    """Forward maximum matching of terms in normalised text, with a prefix set so that each
    position costs a lookup or two (this is the hot loop of inference)."""

    def __init__(self, lexicon: dict[str, dict[str, float]], words: list[str] | None = None):
        self.terms: dict[str, list[tuple[str, float]]] = {}
        for cat, terms in lexicon.items():
            for t, w in terms.items():
                if t:
                    self.terms.setdefault(t, []).append((cat, w))
        self.vocab: set[str] = set(self.terms) | {w for w in (words or []) if len(w) > 1}
        self.prefixes = {t[:k] for t in self.vocab for k in range(1, len(t) + 1)}

    def match(self, s: str) -> list[tuple[int, str]]:
        """(start, term) for each non-overlapping longest match, left to right."""
        out = []
        i, n = 0, len(s)
        prefixes, vocab = self.prefixes, self.vocab
        while i < n:
            best = 0
            k = 1
            while i + k <= n and s[i:i + k] in prefixes:
                if s[i:i + k] in vocab:
                    best = k
                k += 1
            if best > 1 or (best == 1 and s[i] in self.terms):
                out.append((i, s[i:i + best]))
                i += best
            else:
                i += 1
        return out

    def hits(self, s: str) -> list[tuple[str, str, float]]:
        """(term, category, weight) for each lexicon term among the matches."""
        terms = self.terms
        return [(t, cat, w) for _i, t in self.match(s) if t in terms for cat, w in terms[t]]


class WordTokenizer:
    """jieba with its full dictionary: used at training time to find the model's words."""

    def __init__(self):
        import jieba

        self._tok = jieba.Tokenizer()
        jieba.setLogLevel(logging.WARNING)
        self._tok.initialize()

    def cut(self, s: str) -> list[str]:
        return [w for w in self._tok.lcut(s, HMM=False) if len(w) > 1]


class Featurizer:
    """Turns normalised text into a list of string features (a bag).

    Character n-grams; ``w:<word>`` for the words of the model's vocabulary (found by jieba on
    the training texts, see ``build_vocabulary_words``) matched by forward maximum matching,
    which segments the same way at training and inference time and is fast; ``L:<category>``
    per lexicon hit (weight 2 counts twice); ``H:<category>`` for hits in the first 24
    characters, where a paragraph's heading usually stands.
    """

    def __init__(self, words: list[str] | None = None, ngram: tuple[int, int] = (1, 3),
                 lexicon: dict[str, dict[str, float]] | None = None):
        self.ngram = ngram
        self.words = words
        self.matcher = LexiconMatcher(lexicon if lexicon is not None else load_lexicon(), words)
        self.use_words = bool(words)

    def __call__(self, s: str) -> list[str]:
        feats: list[str] = []
        lo, hi = self.ngram
        n = len(s)
        for k in range(lo, hi + 1):
            feats.extend([s[i:i + k] for i in range(n - k + 1)])
        terms = self.matcher.terms
        for i, t in self.matcher.match(s):
            if self.use_words and len(t) > 1:
                feats.append("w:" + t)
            if t in terms:
                for cat, w in terms[t]:
                    feats.extend(["L:" + cat] * int(w))
                    if i < 24:
                        feats.append("H:" + cat)
        return feats


def build_vocabulary_words(texts: list[str], lexicon: dict[str, dict[str, float]], min_df: int = 2) -> list[str]:
    """Words jieba (full dictionary) finds in at least ``min_df`` texts, plus lexicon terms."""
    from collections import Counter

    tok = WordTokenizer()
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(tok.cut(t)))
    words = {w for w, c in df.items() if c >= min_df and not w.isdigit() and len(w) <= 8}
    for terms in lexicon.values():
        words.update(t for t in terms if len(t) > 1)
    return sorted(words)
