"""SIGKILL in the middle of `reportmine ingest`, again and again: every document ends up
stored once, with all its facts, and nothing half-written (SQLite in WAL mode, one
transaction per document)."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "corpora" / "samples").glob("*.txt"))


def make_batch(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    out = []
    for i in range(n):
        body = texts[i % len(texts)].replace("2023年", f"{2015 + i % 9}年", 1)
        path = folder / f"unit_{i:03d}.txt"
        path.write_text(f"第{i + 1}号单位报送\n\n" + body + f"\n\n全年新发展会员{10 + i}人。\n", encoding="utf-8")
        out.append(path)
    return out


def check_store(db: Path, expect_docs: int | None = None) -> int:
    con = sqlite3.connect(db)
    try:
        docs = con.execute("select id, sha256, fact_count from documents").fetchall()
        assert len({sha for _, sha, _ in docs}) == len(docs), "a document was stored twice"
        for doc_id, _, fact_count in docs:
            n_facts = con.execute("select count(*) from facts where document_id = ?", (doc_id,)).fetchone()[0]
            n_paras = con.execute("select count(*) from paragraphs where document_id = ?", (doc_id,)).fetchone()[0]
            assert n_facts == fact_count and fact_count > 0, f"document {doc_id} is half-written"
            assert n_paras > 0, f"document {doc_id} has no paragraphs"
        orphans = con.execute("select count(*) from facts where document_id not in (select id from documents)").fetchone()[0]
        assert orphans == 0
        if expect_docs is not None:
            assert len(docs) == expect_docs
        return len(docs)
    finally:
        con.close()


@pytest.mark.slow
def test_twenty_kills_lose_and_duplicate_nothing(tmp_path):
    files = make_batch(tmp_path / "batch", 300)
    db = tmp_path / "store.db"
    env = dict(os.environ, REPORTMINE_DB=f"sqlite:///{db}")
    cmd = [sys.executable, "-m", "reportmine.cli", "ingest", str(tmp_path / "batch")]
    rng = random.Random(20)
    kills = 0
    for _ in range(40):
        if kills >= 20:
            break
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(rng.uniform(0.8, 3.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its reader worker, mid-write
            kills += 1
        proc.wait()
        if db.exists():
            check_store(db)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert kills >= 5, f"the batch finished before it could be killed often enough ({kills} kills)"
    check_store(db, expect_docs=len(files))
    # the same facts as one clean run
    clean_db = tmp_path / "clean.db"
    subprocess.run(cmd, env=dict(env, REPORTMINE_DB=f"sqlite:///{clean_db}"), capture_output=True, timeout=600)
    q = "select d.sha256, count(f.id) from documents d left join facts f on f.document_id = d.id group by d.sha256"
    a = dict(sqlite3.connect(db).execute(q).fetchall())
    b = dict(sqlite3.connect(clean_db).execute(q).fetchall())
    assert a == b
