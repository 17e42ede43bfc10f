"""A disk that fills up mid-batch fails the document with a clear error and leaves the
store consistent: no half-written document, the earlier ones intact (a small tmpfs)."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "corpora" / "samples" / "2023_hongshan_hospital.txt").read_text(encoding="utf-8")


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.slow
def test_full_disk_fails_cleanly_and_keeps_the_store_consistent(small_disk, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(12):  # each report holds ~150 KB of text: the 3 MB disk fills part way
        body = "\n\n".join(SAMPLE.replace("150余名", f"{100 + i * 7 + k}名") for k in range(40))
        (batch / f"r{i:02d}.txt").write_text(f"第{i}号单位\n\n" + body, encoding="utf-8")
    db = small_disk / "store.db"
    env = dict(os.environ, REPORTMINE_DB=f"sqlite:///{db}", REPORTMINE_SANDBOX="0")
    proc = subprocess.run([sys.executable, "-m", "reportmine.cli", "ingest", str(batch)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    full = [l for l in proc.stderr.splitlines() if "disk is full; the document was not stored" in l]
    assert full, proc.stderr[-1500:]
    assert all(l.startswith(str(batch)) for l in full)  # names the file it could not store
    con = sqlite3.connect(db)
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        docs = con.execute("select id, fact_count from documents").fetchall()
        assert docs, "nothing was stored before the disk filled"
        for doc_id, fact_count in docs:
            n = con.execute("select count(*) from facts where document_id = ?", (doc_id,)).fetchone()[0]
            assert n == fact_count, f"document {doc_id} is half-written"
        assert len(docs) < 12
    finally:
        con.close()
