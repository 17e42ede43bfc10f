"""Paragraph and section classification into training, democratic_management, welfare,
innovation and other (definitions: corpora/categories.md).

- ``get_classifier()``: the shipped model in ``models/`` (override the folder with
  ``REPORTMINE_MODEL_DIR``), or a transformer from a local Hugging Face checkpoint when
  ``REPORTMINE_MODEL`` points at one; the lexicon baseline, with a warning, when neither is
  there. ``predict(texts)`` returns ``{"category", "labels", "scores"}`` per text, scores
  being calibrated per-category probabilities.
- ``classify_document(doc)``: fills every paragraph's category/labels/scores and every
  section's category, using the section (heading plus paragraphs) as context.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from reportmine.classify.features import CATEGORIES, normalize_text

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
MANIFEST = "model.json"

# How much a body paragraph's probabilities move toward its section's. Chosen on the held-out
# split (benchmarks/classify_compare.py, tables in models/MODEL_CARD.md): 0.3 was the best of
# 0/0.15/0.3/0.5 there for paragraphs read alone; after the context layer the held-out figure
# is flat in it (0.916–0.919); the seeds, read through the pipeline, are measured only. Headings always
# take their section's category, and a section's category comes from its heading and its
# paragraphs together. ``classify_document(doc, nudge=0)`` turns the nudge off.
SECTION_NUDGE = 0.3
# Weight of the heading against the mean of the section's paragraphs.
HEADING_WEIGHT = 0.5

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def model_dir() -> Path:
    return Path(os.environ.get("REPORTMINE_MODEL_DIR") or DEFAULT_MODEL_DIR)


def load_model(directory: Path):
    """The model a folder holds, as its ``model.json`` names it."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    kind = manifest.get("kind")
    if kind == "linear":
        from reportmine.classify.context import ContextModel
        from reportmine.classify.linear import LinearModel

        model = LinearModel.load(directory)
        model.context = ContextModel.load(directory)  # fitted on this base model's probabilities only
        base = (model.context.meta or {}).get("base_model") if model.context is not None else None
        if base is not None and base != model.fingerprint():
            log.warning("the context layer in %s was fitted on another base model (a training run writing "
                        "the folder?); paragraphs are read alone until it is retrained", directory)
            model.context = None
        return model
    if kind == "charcnn":
        from reportmine.classify.neural import CharCNNClassifier

        return CharCNNClassifier.load(directory)
    if kind == "transformer":
        from reportmine.classify.neural import TransformerClassifier

        return TransformerClassifier.load(directory)
    raise ValueError(f"unknown model kind {kind!r} in {directory / MANIFEST}")


def get_classifier():
    """The classifier to use, cached per configuration."""
    hf = os.environ.get("REPORTMINE_MODEL")
    key = ("hf", hf, str(model_dir())) if hf else ("dir", str(model_dir()))
    with _lock:
        if key in _cache:
            return _cache[key]
        clf = None
        if hf:
            try:
                from reportmine.classify.neural import TransformerClassifier

                clf = TransformerClassifier.from_checkpoint(Path(hf))
            except Exception as exc:  # missing torch/transformers, not a checkpoint …
                log.warning("cannot use REPORTMINE_MODEL=%s (%s); using the shipped model", hf, exc)
        if clf is None:
            d = model_dir()
            try:
                clf = load_model(d)
            except FileNotFoundError:
                log.warning("no trained classifier in %s (run `reportmine train`); using the lexicon baseline", d)
            except Exception as exc:  # a broken model file must not stop the pipeline
                log.warning("could not load the classifier in %s (%s); using the lexicon baseline", d, exc)
        if clf is None:
            from reportmine.classify.lexicon import LexiconClassifier

            clf = LexiconClassifier()
        _cache[key] = clf
        return clf


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def predict_proba(clf, texts: list[str]) -> np.ndarray:
    """Per-category probabilities (n × 5) from any classifier."""
    if not texts:
        return np.zeros((0, len(CATEGORIES)))
    if hasattr(clf, "predict_proba"):
        return np.asarray(clf.predict_proba(texts), dtype=float)
    rows = clf.predict(texts)
    return np.array([[r["scores"].get(c, 0.0) for c in CATEGORIES] for r in rows], dtype=float)


def classify_paragraphs(texts: list[str], docs: list | None = None, clf=None, context: bool = True,
                        known: bool | None = None) -> list[dict]:
    """``{category, labels, scores}`` per paragraph, reading the paragraphs as streams of
    documents when the classifier has a context layer (``context.py``).

    ``docs``: a document key per paragraph (consecutive equal keys are one document) or None
    (the paragraphs are one stream of unknown origin: context is weighted by how coherent the
    stream is). ``context=False`` classifies each paragraph alone."""
    clf = clf or get_classifier()
    probs = predict_proba(clf, texts)
    ctx = getattr(clf, "context", None) if context else None
    if ctx is None or not len(probs):
        return _decide(clf, probs) if len(probs) else []
    final, weight = ctx.apply_weighted(probs, texts, docs, known=known)
    return ctx.decide(final, weight, getattr(clf, "threshold", 0.5), own=probs)


def _decide(clf, probs: np.ndarray) -> list[dict]:
    from reportmine.classify.linear import decide

    return decide(probs, getattr(clf, "threshold", 0.5))


def section_probabilities(head_probs: np.ndarray | None, body_probs: np.ndarray | None) -> np.ndarray:
    """A section's probabilities from its heading and the mean of its paragraphs."""
    parts, weights = [], []
    if head_probs is not None:
        parts.append(head_probs)
        weights.append(HEADING_WEIGHT * (0.5 + float(head_probs.max())))  # a confident heading decides more
    if body_probs is not None and len(body_probs):
        parts.append(body_probs.mean(axis=0))
        weights.append(1.0 - HEADING_WEIGHT)
    if not parts:
        return np.full(len(CATEGORIES), 1.0 / len(CATEGORIES))
    return np.average(np.vstack(parts), axis=0, weights=weights)


def classify_document(doc, nudge: float | None = None, context: bool = True):
    """Fill paragraph and section categories of a Document in place; returns it.

    The paragraphs are read through the context layer as one document in their order
    (``context=False``: each alone), then moved toward their section (``nudge``). Measured on the
    held-out documents and on the seeds through the pipeline (models/benchmark.md), context plus
    the nudge is the best of the combinations tried."""
    clf = get_classifier()
    nudge = SECTION_NUDGE if nudge is None else nudge
    paras = doc.paragraphs
    texts = [doc.text[p.start:p.end] for p in paras]
    own = predict_proba(clf, texts) if texts else np.zeros((0, len(CATEGORIES)))
    probs = own
    ctx = getattr(clf, "context", None) if context else None
    if ctx is not None and len(probs):
        probs = ctx.apply(probs, texts, docs=None, known=True)
    sections = doc.sections
    sec_probs: list[np.ndarray] = []
    if sections:
        head = predict_proba(clf, [s.heading or "" for s in sections])
        members: dict[int, list[int]] = {}
        for i, p in enumerate(paras):
            if p.section is not None and not p.is_heading and normalize_text(texts[i]):
                members.setdefault(p.section, []).append(i)
        # a section's body includes its subsections' paragraphs
        children: dict[int, list[int]] = {}
        for j, s in enumerate(sections):
            if s.parent is not None:
                children.setdefault(s.parent, []).append(j)

        def body(j: int, depth: int = 0) -> list[int]:
            out = list(members.get(j, []))
            if depth < 6:
                for c in children.get(j, []):
                    out.extend(body(c, depth + 1))
            return out

        for j, s in enumerate(sections):
            idx = body(j)
            hp = head[j] if normalize_text(s.heading or "") else None
            sec_probs.append(section_probabilities(hp, probs[idx] if idx else None))
        # a subsection also leans on its parent
        for j, s in enumerate(sections):
            if s.parent is not None and 0 <= s.parent < len(sections):
                sec_probs[j] = 0.7 * sec_probs[j] + 0.3 * sec_probs[s.parent]
        for j, s in enumerate(sections):
            s.category = CATEGORIES[int(np.argmax(sec_probs[j]))]
    final = probs.copy()
    for i, p in enumerate(paras):
        if p.section is not None and 0 <= p.section < len(sec_probs):
            w = 1.0 if p.is_heading else min(max(nudge, 0.0), 1.0)
            final[i] = (1 - w) * probs[i] + w * sec_probs[p.section]
    if ctx is not None:
        from reportmine.classify.linear import decide

        rows = decide(final, ctx.threshold, own) if len(final) else []
    else:
        rows = _decide(clf, final) if len(final) else []
    for p, row in zip(paras, rows):
        p.category = row["category"]
        p.labels = row["labels"]
        p.scores = row["scores"]
    return doc


__all__ = ["get_classifier", "classify_document", "classify_paragraphs", "clear_cache", "load_model", "model_dir", "predict_proba",
           "normalize_text", "CATEGORIES"]
