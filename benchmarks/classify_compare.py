#!/usr/bin/env python3
"""Compare classifiers on the same fixed split and write the table to models/benchmark.md.

    .venv/bin/python benchmarks/classify_compare.py [--no-neural] [--seed 0] [--no-write]

Every trained model is fitted on the training part of corpora/splits/train_heldout.json plus
corpora/train_extra.jsonl and measured on the held-out documents. The seeds gold
(../shared/gold over ../shared/corpus/seeds) is measured too, never tuned on. Throughput is
measured on one thread (OMP/MKL/OpenBLAS limited to 1) over 2,000 paragraphs; load time is
the time to read the saved model from disk.

A second experiment measures the section context of ``classify_document``: the held-out
documents are rebuilt with their headings as sections (a paragraph whose first line is a
heading opens a section) and the body paragraphs are classified with and without the nudge
toward their section.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportmine.classify import data  # noqa: E402
from reportmine.classify.features import CATEGORIES, normalize_text  # noqa: E402
from reportmine.classify.lexicon import LexiconClassifier  # noqa: E402
from reportmine.classify.linear import LinearModel, _sigmoid, choose_threshold, decide  # noqa: E402
from reportmine.classify import classify_paragraphs  # noqa: E402
from reportmine.classify.context import ContextModel  # noqa: E402
from reportmine.classify.train import BAG, DEFAULT_C, _fitter, fit_context_bag, fit_linear, per_class  # noqa: E402

SHARED = ROOT.parent / "shared"


def seed_paragraphs() -> list[tuple[str, list[str]]]:
    """The seeds gold paragraphs, rebuilt exactly as rmscore.py does."""
    tools = SHARED / "tools"
    if not (tools / "rmscore.py").exists() or not (SHARED / "gold").exists():
        return []
    sys.path.insert(0, str(tools))
    import rmscore

    args = argparse.Namespace(jsonl=None, gold=str(SHARED / "gold"), corpus=str(SHARED / "corpus" / "seeds"))
    return [(t, sorted(l)) for t, l in rmscore.gold_paragraphs(args)]


class PlainCharLR:
    """The reference: character 1–3-gram TF-IDF + logistic regression, real training part only."""

    name = "char 1–3-gram TF-IDF + LR, balanced (reference)"

    def __init__(self, examples, seed=0):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        X = self.vec.fit_transform([e.text for e in examples])
        Y = np.array([[c in e.labels for c in CATEGORIES] for e in examples], dtype=int)
        self.lrs = [LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed).fit(X, Y[:, j])
                    for j in range(5)]

    def predict_proba(self, texts):
        X = self.vec.transform(texts)
        return np.stack([lr.predict_proba(X)[:, 1] for lr in self.lrs], axis=1)

    def predict(self, texts):
        return decide(self.predict_proba(texts), 0.5)


class Ensemble:
    name = "linear + char-CNN (mean of probabilities)"

    def __init__(self, a, b, threshold):
        self.a, self.b, self.threshold = a, b, threshold

    def predict_proba(self, texts):
        return (self.a.predict_proba(texts) + self.b.predict_proba(texts)) / 2

    def predict(self, texts):
        return decide(self.predict_proba(texts), self.threshold)


class _Stream:
    """predict() through the context layer: the texts as one stream."""

    def __init__(self, clf):
        self.clf = clf

    def predict(self, texts):
        return classify_paragraphs(texts, None, clf=self.clf)


class _LinearWithContext:
    @staticmethod
    def load(directory):
        m = LinearModel.load(directory)
        m.context = ContextModel.load(directory)
        return m


def throughput(clf, texts: list[str], n: int = 2000) -> float:
    """Paragraphs per second of CPU time of this process (one thread), so that a busy machine
    does not distort it; wall time on an idle core is about the same."""
    batch = (texts * (n // max(1, len(texts)) + 1))[:n]
    clf.predict(batch[:50])
    t = time.process_time()
    for b in range(0, n, 256):
        clf.predict(batch[b:b + 256])
    return n / max(1e-9, time.process_time() - t)


def load_seconds(cls, directory: Path) -> float:
    t = time.process_time()
    cls.load(directory)
    return time.process_time() - t


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# ------------------------------------------------------------------ section context experiment
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十]+)")


def rebuild_documents(examples: list[data.Example]):
    """Held-out docs as Documents: first-line headings open sections, bodies are paragraphs."""
    from reportmine.document import Document, Paragraph, Section

    by_doc: dict[str, list[data.Example]] = {}
    for e in examples:
        by_doc.setdefault(e.doc, []).append(e)
    docs, golds = [], []
    for doc_id, exs in by_doc.items():
        text, paras, sections, gold = "", [], [], []
        current = None
        for e in exs:
            first, _, rest = e.text.partition("\n")
            if rest.strip() and len(first.strip()) <= 40 and _HEADING.match(first):
                level = 1 if re.match(r"^\s*[一二三四五六七八九十]+[、.．]", first) else 2
                parent = None
                if level == 2:
                    parent = next((j for j in range(len(sections) - 1, -1, -1) if sections[j].level == 1), None)
                start = len(text)
                text += first.strip() + "\n"
                sections.append(Section(heading=first.strip(), level=level, start=start, end=start))
                current = len(sections) - 1
                paras.append(Paragraph(start=start, end=len(text) - 1, section=current, is_heading=True))
                gold.append(None)
                body = rest.strip()
            else:
                body = e.text.strip()
            start = len(text)
            text += body + "\n"
            paras.append(Paragraph(start=start, end=len(text) - 1, section=current))
            gold.append(e.labels)
            if current is not None:
                sections[current].end = len(text)
        docs.append(Document(source=doc_id, sha256="0" * 64, kind="txt", text=text, paragraphs=paras,
                             sections=sections))
        golds.append(gold)
    return docs, golds


def section_experiment(model_dir: Path, held: list[data.Example]) -> list[tuple[str, float, float, int]]:
    import reportmine.classify as C

    os.environ["REPORTMINE_MODEL_DIR"] = str(model_dir)
    C.clear_cache()
    out = []
    for context, nudge in [(c, n) for c in (False, True) for n in (0.0, 0.15, 0.3, 0.5)]:
        docs, golds = rebuild_documents(held)
        rows, gs, rows_in, gs_in = [], [], [], []
        for d, g in zip(docs, golds):
            C.classify_document(d, nudge=nudge, context=context)
            for p, labels in zip(d.paragraphs, g):
                if labels is None:
                    continue
                r = {"category": p.category, "labels": list(p.labels)}
                rows.append(r)
                gs.append(labels)
                if p.section is not None:
                    rows_in.append(r)
                    gs_in.append(labels)
        out.append((f"{'context' if context else 'alone'} {nudge:.2f}", per_class(rows, gs)["macro_f1"],
                    per_class(rows_in, gs_in)["macro_f1"], len(rows_in)))
    return out


def seeds_pipeline_experiment(model_dir: Path) -> list[tuple[str, float, float, int]]:
    """The seeds through the real pipeline (normalize → segment → sections → classify_document):
    each gold paragraph is scored by the document paragraph its opening falls in."""
    import glob
    import unicodedata

    import reportmine.classify as C

    try:
        from reportmine.pipeline import process_path
    except ImportError:
        return []

    def norm_map(s):
        chars, idx = [], []
        for i, ch in enumerate(s):
            c = unicodedata.normalize("NFKC", ch)
            if c and not c.isspace():
                chars.append(c[0])
                idx.append(i)
        return "".join(chars), idx

    os.environ["REPORTMINE_MODEL_DIR"] = str(model_dir)
    C.clear_cache()
    docs, items = {}, []
    for g in sorted(glob.glob(str(SHARED / "gold" / "*.json"))):
        gold = json.loads(Path(g).read_text(encoding="utf-8"))
        src = SHARED / "corpus" / "seeds" / f"{gold['doc']}.txt"
        if not src.exists():
            continue
        d = process_path(src, stages=("normalize", "segment", "sections"))
        nt, idx = norm_map(d.text)
        at = 0
        for p in gold["paragraphs"]:
            key = norm_map(p["text"])[0][:10]
            k = nt.find(key, at)
            k = nt.find(key) if k < 0 else k
            if k < 0:
                continue
            at = k + 1
            pos = idx[k]
            pi = next((i for i, q in enumerate(d.paragraphs) if q.start <= pos < max(q.end, q.start + 1)), None)
            if pi is not None:
                items.append((gold["doc"], pi, sorted(p["labels"])))
        docs[gold["doc"]] = d
    out = []
    for context, nudge in [(c, n) for c in (False, True) for n in (0.0, 0.15, 0.3, 0.5, 0.7)]:
        for d in docs.values():
            C.classify_document(d, nudge=nudge, context=context)
        rows = [{"category": docs[doc].paragraphs[pi].category, "labels": list(docs[doc].paragraphs[pi].labels)}
                for doc, pi, _ in items]
        inside = [i for i, (doc, pi, _) in enumerate(items) if docs[doc].paragraphs[pi].section is not None]
        out.append((f"{'context' if context else 'alone'} {nudge:.2f}", per_class(rows, [g for _, _, g in items])["macro_f1"],
                    per_class([rows[i] for i in inside], [items[i][2] for i in inside])["macro_f1"], len(inside)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-neural", action="store_true", help="skip the torch char-CNN")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--no-write", action="store_true", help="do not write models/benchmark.md")
    args = ap.parse_args()

    real = data.load_real()
    train_part, held = data.split_real(real)
    extra = data.load_extra()
    seeds = seed_paragraphs()
    held_texts, held_gold = [e.text for e in held], [e.labels for e in held]
    tmp = Path(tempfile.mkdtemp(prefix="rm_bench_"))

    results = []

    def measure(name, clf, fit_s=None, directory=None, cls=None, needs_torch=False):
        t = time.perf_counter()
        h = per_class(clf.predict(held_texts), held_gold)
        s = per_class(clf.predict([t_ for t_, _ in seeds]), [g for _, g in seeds]) if seeds else None
        pps = throughput(clf, held_texts)
        row = {"name": name, "heldout": h["macro_f1"], "heldout_top1": h["top1_in_gold"],
               "seeds": s["macro_f1"] if s else None, "per_class": h, "pps": round(pps),
               "fit_s": round(fit_s, 1) if fit_s is not None else None,
               "load_s": round(load_seconds(cls, directory), 3) if directory else None,
               "size_mb": round(dir_size(directory) / 1e6, 2) if directory else None, "torch": needs_torch}
        results.append(row)
        seeds_s = "–" if row["seeds"] is None else f"{row['seeds']:.3f}"
        print(f"{name:48} held-out {row['heldout']:.3f}  seeds {seeds_s}  {row['pps']} para/s "
              f"({time.perf_counter() - t:.1f} s)", flush=True)
        return row

    measure("lexicon baseline", LexiconClassifier())

    t = time.perf_counter()
    ref = PlainCharLR(train_part, args.seed)
    measure(PlainCharLR.name, ref, time.perf_counter() - t)

    t = time.perf_counter()
    lin_nolex = fit_linear(train_part + extra, args.seed, use_lexicon=False)
    measure("linear, without lexicon features", lin_nolex, time.perf_counter() - t)

    t = time.perf_counter()
    lin_real = fit_linear(train_part, args.seed)
    measure("linear, without our written paragraphs", lin_real, time.perf_counter() - t)

    t = time.perf_counter()
    lin = fit_linear(train_part + extra, args.seed, C=DEFAULT_C, bag=BAG)
    fit_s = time.perf_counter() - t
    lin_dir = tmp / "linear"
    lin.save(lin_dir)
    (lin_dir / "model.json").write_text(json.dumps({"kind": "linear"}), encoding="utf-8")
    measure("linear: char 1–3-grams + jieba words + lexicon, each paragraph alone", lin, fit_s, lin_dir, LinearModel)

    # the context layer over the same base model: fitted on out-of-fold base probabilities of
    # the training part's documents; held-out documents read as documents, the seeds as one
    # stream with no document keys (as rmscore.py sends them), gated by its coherence
    t = time.perf_counter()
    lin.context = fit_context_bag(train_part, extra, _fitter("linear"), args.seed, lin.threshold)
    ctx_fit_s = time.perf_counter() - t
    lin.context.save(lin_dir)
    held_docs = [e.doc for e in held]
    t = time.perf_counter()
    h = per_class(classify_paragraphs(held_texts, held_docs, clf=lin), held_gold)
    s_ = per_class(classify_paragraphs([t_ for t_, _ in seeds], None, clf=lin), [g for _, g in seeds]) if seeds else None
    pps = throughput(_Stream(lin), held_texts)
    row = {"name": "linear + context layer (shipped)", "heldout": h["macro_f1"], "heldout_top1": h["top1_in_gold"],
           "seeds": s_["macro_f1"] if s_ else None, "per_class": h, "pps": round(pps), "fit_s": round(fit_s + ctx_fit_s, 1),
           "load_s": round(load_seconds(_LinearWithContext, lin_dir), 3), "size_mb": round(dir_size(lin_dir) / 1e6, 2),
           "torch": False}
    results.append(row)
    print(f"{row['name']:48} held-out {row['heldout']:.3f}  seeds {row['seeds'] if row['seeds'] is None else round(row['seeds'], 3)}  "
          f"{row['pps']} para/s ({time.perf_counter() - t:.1f} s)", flush=True)

    cnn = None
    if not args.no_neural:
        try:
            import torch

            torch.set_num_threads(1)
            from reportmine.classify.neural import CharCNNClassifier
        except ImportError:
            print("torch not installed: neural model skipped", file=sys.stderr)
        else:
            t = time.perf_counter()
            ex = train_part + extra
            cnn = CharCNNClassifier.fit([e.text for e in ex], [e.labels for e in ex], [e.doc for e in ex],
                                        seed=args.seed, epochs=args.epochs, tune_mask=[e.source != "extra" for e in ex])
            fit_s = time.perf_counter() - t
            cnn_dir = tmp / "charcnn"
            cnn.save(cnn_dir)
            measure(f"char-CNN (torch-trained, numpy inference, {args.epochs} epochs)", cnn, fit_s, cnn_dir,
                    CharCNNClassifier, needs_torch=True)
            measure(Ensemble.name, Ensemble(lin, cnn, lin.threshold))

    ctx = section_experiment(lin_dir, held)
    for name, f_all, f_in, n in ctx:
        print(f"section context {name}: held-out macro-F1 {f_all:.3f} (paragraphs inside a section {f_in:.3f}, n={n})")
    ctx_seeds = seeds_pipeline_experiment(lin_dir) if seeds else []
    for name, f_all, f_in, n in ctx_seeds:
        print(f"section context {name}: seeds through the pipeline macro-F1 {f_all:.3f} (inside sections {f_in:.3f}, n={n})")

    lines = [
        "## Comparison on the fixed split",
        "",
        f"Fitted on the training part of `corpora/splits/train_heldout.json` ({len(train_part)} real paragraphs) "
        f"+ {len(extra)} written paragraphs (`corpora/train_extra.jsonl`) unless noted; held-out: "
        f"{len(held)} paragraphs of {len({e.doc for e in held})} documents. Seeds: the {len(seeds)} gold "
        "paragraphs of ../shared/gold (measured only, never tuned on). Throughput and load time in CPU seconds of one thread. "
        f"Produced by `.venv/bin/python benchmarks/classify_compare.py --seed {args.seed}`.",
        "",
        "| approach | held-out macro-F1 | held-out top-1 | seeds macro-F1 | paragraphs/s | load s | size MB | fit s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        fmt = lambda v, f="{:.3f}": "–" if v is None else f.format(v)  # noqa: E731
        lines.append(f"| {r['name']} | {fmt(r['heldout'])} | {fmt(r['heldout_top1'])} | {fmt(r['seeds'])} | "
                     f"{r['pps']} | {fmt(r['load_s'])} | {fmt(r['size_mb'], '{:.2f}')} | {fmt(r['fit_s'], '{:.1f}')} |")
    lines += ["", "Section context (`classify_document`, held-out documents rebuilt with their headings as "
              "sections; the heading paragraphs themselves are not scored):", "",
              "| paragraphs | nudge toward its section | held-out macro-F1 | inside sections | n inside |", "|---|---|---|---|---|"]
    for name, f_all, f_in, n in ctx:
        lines.append(f"| {name.split()[0]} | {name.split()[1]} | {f_all:.3f} | {f_in:.3f} | {n} |")
    if ctx_seeds:
        lines += ["", "The same on the seeds, read through the pipeline (normalize → segment → sections → "
                  "classify_document; each gold paragraph scored by the document paragraph it opens in; "
                  "measured, not tuned on):", "",
                  "| paragraphs | nudge | seeds macro-F1 | inside sections | n inside |", "|---|---|---|---|---|"]
        for name, f_all, f_in, n in ctx_seeds:
            lines.append(f"| {name.split()[0]} | {name.split()[1]} | {f_all:.3f} | {f_in:.3f} | {n} |")
    table = "\n".join(lines) + "\n"
    print()
    print(table)
    if not args.no_write:
        out = ROOT / "models" / "benchmark.md"
        out.write_text(table, encoding="utf-8")
        (ROOT / "models" / "benchmark.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n",
                                                        encoding="utf-8")
        print(f"written {out}")


if __name__ == "__main__":
    main()
