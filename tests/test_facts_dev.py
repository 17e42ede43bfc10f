"""The extractor against hand-judged facts in paragraphs of other reports (not the seeds).

The gold is corpora/facts_dev/train_dev.jsonl (ids, surfaces and values only); the paragraph
texts come from ../shared/corpus/train/paragraphs.jsonl, so the test skips without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportmine.facts import find_facts

ROOT = Path(__file__).parents[1]
TRAIN = ROOT.parent / "shared" / "corpus" / "train" / "paragraphs.jsonl"
DEV = ROOT / "corpora" / "facts_dev" / "train_dev.jsonl"


def score() -> dict:
    texts = {}
    for line in TRAIN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            texts[o["id"]] = o["text"]
    n_req = n_pred = tp_pred = tp_req = qual_ok = qual_n = 0
    misses, extras = [], []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = texts[row["id"]]
        gold = [dict(surface=g[0], value=float(g[1]), unit=g[2], qualifier=g[3],
                     required=g[4] if len(g) > 4 else True) for g in row["facts"]]
        pred = find_facts(text)
        used = set()
        for p in pred:
            surface = text[p["start"]:p["end"]]
            match = next((i for i, g in enumerate(gold) if i not in used and g["unit"] == p["unit"]
                          and abs(g["value"] - p["value"]) < 1e-6 and g["surface"] in surface + text[p["start"] - 2:p["end"]]), None)
            n_pred += 1
            if match is None:
                extras.append((row["id"], surface))
                continue
            used.add(match)
            tp_pred += 1
            qual_n += 1
            qual_ok += gold[match]["qualifier"] == p["qualifier"]
        for i, g in enumerate(gold):
            if g["required"]:
                n_req += 1
                tp_req += i in used
                if i not in used:
                    misses.append((row["id"], g["surface"]))
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_req / n_req if n_req else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "qualifier": qual_ok / qual_n if qual_n else 0.0, "misses": misses, "extras": extras}


@pytest.mark.skipif(not TRAIN.exists(), reason="../shared/corpus/train/paragraphs.jsonl is not present")
def test_dev_gold_on_other_reports():
    s = score()
    assert s["f1"] >= 0.93, s
    assert s["precision"] >= 0.95, s
    assert s["qualifier"] >= 0.95, s


if __name__ == "__main__":  # pragma: no cover
    print(score())
