"""`reportmine extract --json` and `classify` keep the shapes of ../shared/CONTRACT.md."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = sorted((SHARED / "corpus" / "seeds").glob("*.txt"))
SAMPLES = sorted((ROOT / "corpora" / "samples").glob("*.txt"))
CATS = {"training", "democratic_management", "welfare", "innovation", "other"}
QUALS = {"exact", "more_than", "nearly", "about", "less_than"}


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "reportmine.cli", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def check_document(d: dict, source: str):
    assert d["source"] == source
    assert len(d["sha256"]) == 64
    assert d["kind"] in {"pdf", "scanned_pdf", "image", "docx", "doc", "txt", "html"}
    assert isinstance(d["pages"], int) and d["pages"] >= 1
    text = d["text"]
    assert text
    for s in d["sections"]:
        assert set(s) >= {"heading", "level", "category", "start", "end", "page"}
        assert s["category"] in CATS and 0 <= s["start"] < s["end"] <= len(text)
    for p in d["paragraphs"]:
        assert p["category"] in CATS and set(p["labels"]) <= CATS and p["category"] in p["labels"]
        assert 0 <= p["start"] < p["end"] <= len(text)
    for f in d["facts"]:
        assert text[f["start"]:f["end"]] == f["surface"], f
        assert f["qualifier"] in QUALS and f["category"] in CATS
        assert isinstance(f["value"], (int, float)) and f["unit"]
        assert f["year"] is None or 1949 <= f["year"] <= 2100


@pytest.mark.skipif(not SEEDS, reason="../shared/corpus/seeds is not beside the repo")
def test_extract_seeds_follows_the_contract():
    proc = cli("extract", *SEEDS, "--json")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    assert len(lines) == len(SEEDS)
    for d, path in zip(lines, SEEDS):
        check_document(d, str(path))
    assert sum(len(d["facts"]) for d in lines) >= 40


def test_extract_reports_a_bad_file_and_goes_on(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    proc = cli("extract", bad, SAMPLES[0], empty, "--json")
    assert proc.returncode != 0
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    assert [d["source"] for d in lines] == [str(SAMPLES[0])]
    check_document(lines[0], str(SAMPLES[0]))
    errors = [l for l in proc.stderr.splitlines() if l.strip()]
    assert any("broken.pdf" in l for l in errors) and any("empty.txt" in l and "empty" in l for l in errors)


def test_sample_report_gives_year_org_and_training_facts():
    proc = cli("extract", SAMPLES[1] if "2023_hongshan" in SAMPLES[1].name else SAMPLES[0], "--json")
    d = json.loads(proc.stdout.splitlines()[0])
    check_document(d, d["source"])
    assert any(f["category"] == "training" for f in d["facts"])


def test_classify_reads_jsonl_and_answers_in_order():
    rows = ["全年组织岗位练兵18场，参训职工1260人次。", "召开第五届职工代表大会第二次会议，审议通过工作报告。",
            "春节期间走访慰问困难职工63户，发放慰问金12.6万元。", "建成职工创新工作室1个，收集合理化建议近200条。"]
    stdin = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in rows)
    proc = cli("classify", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(l) for l in proc.stdout.splitlines()]
    assert len(out) == len(rows)
    for o in out:
        assert o["category"] in CATS and o["category"] in o["labels"]
        assert set(o["scores"]) == CATS and all(0.0 <= v <= 1.0 for v in o["scores"].values())
    assert [o["category"] for o in out] == ["training", "democratic_management", "welfare", "innovation"]
