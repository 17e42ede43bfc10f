"""Training data: the real labelled paragraphs, our own written ones, the fixed split, corrections."""

from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from reportmine.classify.features import CATEGORIES, CORPORA, REPO_ROOT

log = logging.getLogger(__name__)

SHARED = REPO_ROOT.parent / "shared"
TRAIN_PATH = SHARED / "corpus" / "train" / "paragraphs.jsonl"
EXTRA_PATH = CORPORA / "train_extra.jsonl"
SPLIT_PATH = CORPORA / "splits" / "train_heldout.json"
SPLIT_SEED = 20260
HELDOUT_FRACTION = 0.2


@dataclass
class Example:
    text: str
    labels: list[str]
    doc: str = ""
    id: str = ""
    source: str = "train"  # train | extra | correction
    weight: float = 1.0
    extra: dict = field(default_factory=dict)


def _clean_labels(labels) -> list[str]:
    out = [c for c in CATEGORIES if c in set(labels or [])]
    return out or ["other"]


def read_jsonl(path: Path, source: str) -> list[Example]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        o = json.loads(line)
        out.append(Example(text=o["text"], labels=_clean_labels(o.get("labels")),
                           doc=o.get("doc", f"{source}-{n}"), id=o.get("id", f"{source}-{n}"), source=source))
    return out


def train_path() -> Path:
    return Path(os.environ.get("REPORTMINE_TRAIN_DATA", TRAIN_PATH))


def load_real() -> list[Example]:
    p = train_path()
    if not p.exists():
        raise FileNotFoundError(f"training paragraphs not found at {p} (set REPORTMINE_TRAIN_DATA)")
    return read_jsonl(p, "train")


def load_extra() -> list[Example]:
    return read_jsonl(EXTRA_PATH, "extra") if EXTRA_PATH.exists() else []


def make_split(docs: list[str], seed: int = SPLIT_SEED, fraction: float = HELDOUT_FRACTION) -> list[str]:
    """Held-out document ids: a seeded shuffle of the sorted distinct documents."""
    uniq = sorted(set(docs))
    rng = random.Random(seed)
    rng.shuffle(uniq)
    k = max(1, round(len(uniq) * fraction))
    return sorted(uniq[:k])


def load_split(real: list[Example] | None = None, write: bool = False) -> set[str]:
    """The fixed held-out documents (corpora/splits/train_heldout.json); created once."""
    if SPLIT_PATH.exists():
        return set(json.loads(SPLIT_PATH.read_text(encoding="utf-8"))["heldout_docs"])
    real = real if real is not None else load_real()
    held = make_split([e.doc for e in real])
    if write:
        SPLIT_PATH.parent.mkdir(parents=True, exist_ok=True)
        SPLIT_PATH.write_text(json.dumps({
            "description": "Held-out documents of ../shared/corpus/train/paragraphs.jsonl: split by document, "
                           f"seeded shuffle (seed {SPLIT_SEED}) of the sorted doc ids, {HELDOUT_FRACTION:.0%} held out. "
                           "Never train the benchmark models on these.",
            "seed": SPLIT_SEED, "fraction": HELDOUT_FRACTION, "heldout_docs": held,
        }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return set(held)


def split_real(real: list[Example]) -> tuple[list[Example], list[Example]]:
    held = load_split(real)
    return [e for e in real if e.doc not in held], [e for e in real if e.doc in held]


def corrections_to_examples(rows: list[dict], weight: float = 3.0) -> list[Example]:
    """Human corrections (text, old, new, who, when) → examples labelled with ``new``.

    ``new`` may be a category or a list of labels. The latest correction of a text wins.
    """
    latest: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: str(r.get("when") or "")):
        text = (r.get("text") or "").strip()
        if r.get("target") not in (None, "paragraph") or r.get("field") not in (None, "category", "labels"):
            continue
        if text and r.get("new"):
            latest[text] = r
    out = []
    for i, (text, r) in enumerate(latest.items()):
        new = r["new"]
        if isinstance(new, str):
            new = [c.strip() for c in new.split(",") if c.strip()]  # the store keeps labels as "a,b"
        if not new or any(c not in CATEGORIES for c in new):
            log.warning("correction with unknown category %r ignored", r["new"])
            continue
        labels = _clean_labels(new)
        out.append(Example(text=text, labels=labels, doc=f"correction-{i}", id=f"correction-{i}",
                           source="correction", weight=weight))
    return out


def load_corrections(url: str | None = None, path: str | Path | None = None) -> list[dict]:
    """Corrections ``{text, old, new, who, when}`` from a JSONL file, or from the store named by
    ``url`` / ``REPORTMINE_DB`` (``reportmine.store.get_store(url).load_corrections()``; a
    module-level ``reportmine.store.load_corrections(url)`` is used if the store offers one)."""
    if path:
        return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    try:
        from reportmine import store
    except ImportError as exc:
        raise RuntimeError("reportmine.store is not available; pass --corrections FILE.jsonl") from exc
    url = url or os.environ.get("REPORTMINE_DB")
    fn = getattr(store, "load_corrections", None)
    if fn is not None:
        return list(fn(url))
    get_store = getattr(store, "get_store", None)
    if get_store is None:
        raise RuntimeError("reportmine.store offers no corrections; pass --corrections FILE.jsonl")
    return list(get_store(url).load_corrections())
