"""Throughput of normalize + segment + facts on one core, in characters per second.

    .venv/bin/python benchmarks/facts_speed.py [--repeat N] [FILES...]

Without files it reads the seed reports and the labelled training paragraphs from
../shared/corpus (each paragraph as a small document) and the repo's own samples. Reading
(ingest) is outside the measure: the documents are built once, then each run starts from
the reader's blocks. The jieba dictionary is loaded before timing (a once-per-process cost).
The process is pinned to one core; the headline is characters per CPU second (process time),
which other jobs on a shared machine do not distort; wall-clock figures are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportmine.document import Block, Document, Page  # noqa: E402
from reportmine.facts import extract_facts  # noqa: E402
from reportmine.text.normalize import normalize  # noqa: E402
from reportmine.text.segment import segment, tokenizer  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"


def _documents(files: list[str]) -> list[Document]:
    from reportmine.ingest import read_document

    docs = []
    paths = [Path(f) for f in files] or sorted((SHARED / "seeds").glob("*.txt"))
    for p in paths:
        docs.append(read_document(p))
    train = SHARED / "train" / "paragraphs.jsonl"
    if not files and train.exists():
        texts = [json.loads(l)["text"] for l in train.read_text(encoding="utf-8").splitlines() if l.strip()]
        # the paragraphs of one training document make one document
        for i in range(0, len(texts), 20):
            blocks = [Block(page=1, text=t) for t in texts[i:i + 20]]
            docs.append(Document(source=f"train-{i}", sha256="0" * 64, kind="txt",
                                 pages=[Page(number=1, blocks=blocks)]))
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
        except OSError:
            pass
    docs = _documents(args.files)
    tokenizer()  # dictionary load, outside the measure
    warm = docs[0].model_copy(deep=True)
    extract_facts(segment(normalize(warm)))
    chars = 0
    facts = 0
    stages = ("normalize", "segment", "facts")
    cpu = dict.fromkeys(stages, 0.0)  # process CPU time: what one core spends, whatever the load
    wall = dict.fromkeys(stages, 0.0)
    from reportmine.facts import metric

    for _ in range(args.repeat):
        metric._tag.cache_clear()  # every repeat sees the clauses for the first time
        for d in docs:
            doc = d.model_copy(deep=True)
            for name, fn in zip(stages, (normalize, segment, extract_facts)):
                c0, w0 = time.process_time(), time.perf_counter()
                doc = fn(doc)
                cpu[name] += time.process_time() - c0
                wall[name] += time.perf_counter() - w0
            chars += len(doc.text)
            facts += len(doc.facts)
    for k in stages:
        print(f"{k:10} cpu {cpu[k]:7.3f} s {chars / cpu[k]:12,.0f} chars/s   wall {wall[k]:7.3f} s")
    print(f"documents {len(docs)} x {args.repeat}  chars {chars:,}  facts {facts:,}")
    print(f"normalize+segment+facts {chars / sum(wall.values()):,.0f} chars/s wall, "
          f"{chars / sum(cpu.values()):,.0f} chars per CPU second on one core")
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall figures suffer under load)")


if __name__ == "__main__":
    main()
