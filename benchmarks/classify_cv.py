#!/usr/bin/env python3
"""Choose the classifier's settings by cross-validation over the real training paragraphs.

    .venv/bin/python benchmarks/classify_cv.py [--folds 5] [--seed 0] [--configs NAME,...]

Every configuration is fitted ``--folds`` times on the real paragraphs of all but one group of
documents (grouped k-fold over ``doc``, groups shuffled with the seed) plus our written
paragraphs (``corpora/train_extra.jsonl``), and measured on the left-out real documents; the
fixed held-out split (``corpora/splits/train_heldout.json``) is measured as well. The figures
are pooled macro-F1 over all out-of-fold predictions (as ``rmscore.py`` computes it) and the
mean and spread over folds. The seeds gold is deliberately not read here: settings are chosen
on these figures only. Results go to ``models/cv.md`` (``--no-write`` to skip).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportmine.classify import data  # noqa: E402
from reportmine.classify.train import DEFAULT_C, fit_linear, per_class  # noqa: E402

CONFIGS: dict[str, dict] = {
    "global threshold, C=30": {"thresholds": "global", "C": 30.0},
    "per-class thresholds, C=30": {"thresholds": "per_class", "C": 30.0},
    "per-class thresholds, C=10": {"thresholds": "per_class", "C": 10.0},
    "per-class thresholds, C=100": {"thresholds": "per_class", "C": 100.0},
    "per-class thresholds, C=30, no written paragraphs": {"thresholds": "per_class", "C": 30.0, "_no_extra": True},
    "per-class thresholds, C=30, written paragraphs weight 0.5": {"thresholds": "per_class", "C": 30.0,
                                                                   "_extra_weight": 0.5},
    "per-class thresholds, C=30, char 1–4-grams": {"thresholds": "per_class", "C": 30.0, "ngram": (1, 4)},
}


def folds_of(docs: list[str], k: int, seed: int) -> list[set[str]]:
    uniq = sorted(set(docs))
    rng = np.random.RandomState(seed)
    perm = list(rng.permutation(uniq))
    return [set(perm[i::k]) for i in range(k)]


def evaluate(cfg: dict, real, extra, held_docs, k: int, seed: int) -> dict:
    cfg = dict(cfg)
    no_extra = cfg.pop("_no_extra", False)
    w = cfg.pop("_extra_weight", None)
    ex = [] if no_extra else extra
    if w is not None:
        ex = [dataclasses.replace(e, weight=w) for e in ex]
    rows, golds, fold_f1 = [], [], []
    for test_docs in folds_of([e.doc for e in real], k, seed):
        tr = [e for e in real if e.doc not in test_docs]
        te = [e for e in real if e.doc in test_docs]
        m = fit_linear(tr + ex, seed, **cfg)
        pr = m.predict([e.text for e in te])
        rows += pr
        golds += [e.labels for e in te]
        fold_f1.append(per_class(pr, [e.labels for e in te])["macro_f1"])
    tr = [e for e in real if e.doc not in held_docs]
    te = [e for e in real if e.doc in held_docs]
    m = fit_linear(tr + ex, seed, **cfg)
    held = per_class(m.predict([e.text for e in te]), [e.labels for e in te])
    pooled = per_class(rows, golds)
    return {"cv": pooled["macro_f1"], "cv_mean": float(np.mean(fold_f1)), "cv_sd": float(np.std(fold_f1)),
            "cv_per_class": pooled, "heldout": held["macro_f1"], "heldout_per_class": held,
            "threshold": m.meta.get("threshold")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--configs", default="", help="names separated by '|' (default: all)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    real = data.load_real()
    extra = data.load_extra()
    held_docs = data.load_split(real)
    names = [n for n in CONFIGS if not args.configs or n in args.configs.split("|")]
    lines = ["## Settings chosen by cross-validation",
             "",
             f"{args.folds}-fold cross-validation grouped by document over the {len(real)} real training paragraphs "
             f"({len({e.doc for e in real})} documents), {len(extra)} written paragraphs added to every training fold; "
             "pooled macro-F1 over the out-of-fold predictions, mean ± sd over folds, and the fixed held-out split. "
             f"The seeds gold is not used. Produced by `.venv/bin/python benchmarks/classify_cv.py --seed {args.seed}`.",
             "",
             "| configuration | CV macro-F1 (pooled) | CV mean ± sd | held-out macro-F1 | CV F1 training / democratic / welfare / innovation / other |",
             "|---|---|---|---|---|"]
    for name in names:
        t = time.perf_counter()
        r = evaluate(CONFIGS[name], real, extra, held_docs, args.folds, args.seed)
        pc = r["cv_per_class"]
        per = " / ".join(f"{pc[c]['f1']:.3f}" for c in ("training", "democratic_management", "welfare",
                                                        "innovation", "other"))
        print(f"{name:55} CV {r['cv']:.3f} ({r['cv_mean']:.3f}±{r['cv_sd']:.3f})  held-out {r['heldout']:.3f}  "
              f"[{per}]  thr {r['threshold']}  ({time.perf_counter() - t:.0f} s)", flush=True)
        lines.append(f"| {name} | {r['cv']:.3f} | {r['cv_mean']:.3f} ± {r['cv_sd']:.3f} | {r['heldout']:.3f} | {per} |")
    table = "\n".join(lines) + "\n"
    print()
    print(table)
    if not args.no_write:
        (ROOT / "models" / "cv.md").write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
