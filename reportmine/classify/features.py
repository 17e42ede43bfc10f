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
import os
import re
import tempfile
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
    """Finds lexicon terms in normalised text (longest match wins at each position)."""

    def __init__(self, lexicon: dict[str, dict[str, float]]):
        self.terms: dict[str, list[tuple[str, float]]] = {}
        for cat, terms in lexicon.items():
            for t, w in terms.items():
                if t:
                    self.terms.setdefault(t, []).append((cat, w))
        self.maxlen = max((len(t) for t in self.terms), default=1)

    def hits(self, s: str) -> list[tuple[str, str, float]]:
        """(term, category, weight) for each non-overlapping longest match."""
        out = []
        i, n = 0, len(s)
        terms = self.terms
        while i < n:
            for L in range(min(self.maxlen, n - i), 0, -1):
                t = s[i:i + L]
                if t in terms:
                    for cat, w in terms[t]:
                        out.append((t, cat, w))
                    i += L
                    break
            else:
                i += 1
        return out


class WordTokenizer:
    """A jieba tokenizer on a given word list (no HMM), or the default jieba one."""

    def __init__(self, words: list[str] | None = None):
        import jieba

        if words is None:
            self._tok = jieba.Tokenizer()
        else:
            fd, path = tempfile.mkstemp(suffix=".txt", prefix="rm_words_")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for w in words:
                    f.write(f"{w} 10\n")
            self._tok = jieba.Tokenizer(dictionary=path)
            self._tok.tmp_dir = tempfile.gettempdir()
            self._path = path
        jieba_logger = logging.getLogger("jieba")
        level = jieba_logger.level
        jieba.setLogLevel(logging.WARNING)
        try:
            self._tok.initialize()
        finally:
            jieba_logger.setLevel(level)
        if words is not None:
            try:
                os.unlink(self._path)
            except OSError:
                pass

    def cut(self, s: str) -> list[str]:
        return [w for w in self._tok.lcut(s, HMM=False) if len(w) > 1]


class Featurizer:
    """Turns normalised text into a list of string features (a bag)."""

    def __init__(self, words: list[str] | None = None, ngram: tuple[int, int] = (1, 3),
                 lexicon: dict[str, dict[str, float]] | None = None):
        self.ngram = ngram
        self.words = words
        self.tokenizer = WordTokenizer(words) if words else None
        self.matcher = LexiconMatcher(lexicon if lexicon is not None else load_lexicon())

    def __call__(self, s: str) -> list[str]:
        feats: list[str] = []
        lo, hi = self.ngram
        n = len(s)
        for k in range(lo, hi + 1):
            feats.extend(s[i:i + k] for i in range(n - k + 1))
        if self.tokenizer is not None:
            feats.extend("w:" + w for w in self.tokenizer.cut(s))
        for _t, cat, w in self.matcher.hits(s):
            feats.extend(["L:" + cat] * int(w))
        # the opening of a paragraph is often its heading: mark its lexicon hits
        for _t, cat, _w in self.matcher.hits(s[:24]):
            feats.append("H:" + cat)
        return feats


def build_vocabulary_words(texts: list[str], lexicon: dict[str, dict[str, float]], min_df: int = 2) -> list[str]:
    """Words jieba (full dictionary) finds in at least ``min_df`` texts, plus lexicon terms."""
    from collections import Counter

    tok = WordTokenizer(None)
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(tok.cut(t)))
    words = {w for w, c in df.items() if c >= min_df and not w.isdigit() and len(w) <= 8}
    for terms in lexicon.values():
        words.update(t for t in terms if len(t) > 1)
    return sorted(words)
