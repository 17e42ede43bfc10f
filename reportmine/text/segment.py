"""Chinese word segmentation with jieba and the domain dictionary in ``corpora/``.

One tokenizer is built per process (jieba's dictionary load is the slow part) and shared by
the pipeline (``segment``), full-text indexing (``search_tokens``) and the classifier.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

from reportmine.document import Document, Token

DICTIONARY = Path(__file__).resolve().parents[2] / "corpora" / "dictionary.txt"
_lock = threading.Lock()
logging.getLogger("jieba").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        tok = jieba.Tokenizer()
        tok.initialize()
        if DICTIONARY.exists():
            tok.load_userdict(str(DICTIONARY))
    return tok


def cut(text: str) -> list[str]:
    return [w for w in tokenizer().lcut(text) if w.strip()]


def search_tokens(text: str) -> list[str]:
    """Tokens for a full-text index: jieba's search mode (long words and their parts)."""
    return [w for w in tokenizer().lcut_for_search(text) if w.strip()]


def segment(doc: Document) -> Document:
    """Fill ``doc.tokens`` with word spans over ``doc.text``, paragraph by paragraph."""
    tok = tokenizer()
    tokens: list[Token] = []
    for para in doc.paragraphs:
        piece = doc.text[para.start:para.end]
        for word, s, e in tok.tokenize(piece):
            if word.strip():
                tokens.append(Token(start=para.start + s, end=para.start + e, word=word))
    doc.tokens = tokens
    return doc


@lru_cache(maxsize=1)
def _spacy_zh():
    import spacy

    return spacy.blank("zh")  # the Chinese language defaults; our jieba tokens replace its segmenter


def as_spacy_doc(doc: Document):
    """A spaCy ``Doc`` over the jieba tokens, for components that want one (no model needed)."""
    import spacy
    from spacy.tokens import Doc as SpacyDoc

    words = [t.word for t in doc.tokens]
    spaces = [False] * len(words)
    for i in range(len(doc.tokens) - 1):
        spaces[i] = doc.tokens[i + 1].start > doc.tokens[i].end and doc.text[doc.tokens[i].end] == " "
    return SpacyDoc(_spacy_zh().vocab, words=words, spaces=spaces)
