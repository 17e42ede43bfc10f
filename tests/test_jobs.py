"""Ingestion jobs: the queue in the database, retries, restarts and killed workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import REPORT_A, REPORT_B
from reportmine.ingest import ReadError
from reportmine.store import Scope, jobs
from reportmine.store.schema import DocumentRow, FactRow, JobRow, ParagraphRow

ROOT = Path(__file__).resolve().parents[1]


def _counts(store):
    with store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (DocumentRow, ParagraphRow, FactRow))


def _job(store, job_id):
    return jobs.get_job(store, job_id, Scope("default"))


def test_submit_run_and_dedup(store, settings_env):
    job = jobs.submit(store, REPORT_A.encode(), "a.txt", "default")
    assert job["state"] == "queued"
    done = jobs.run_job(store, job["id"])
    assert done["state"] == "done" and done["progress"] == 1 and done["document_id"]
    with store.read() as s:
        assert s.get(JobRow, job["id"]).payload is None  # the bytes are not kept after the job
    again = jobs.submit(store, REPORT_A.encode(), "copy.txt", "default")
    assert again["state"] == "done" and again["duplicate"] and again["document_id"] == done["document_id"]
    assert jobs.run_job(store, job["id"]) is None  # a finished job is not run twice
    assert _counts(store)[0] == 1
    # the same bytes queued twice before any worker ran: one job
    j1 = jobs.submit(store, REPORT_B.encode(), "b.txt", "default", enqueue=False)
    j2 = jobs.submit(store, REPORT_B.encode(), "b2.txt", "default", enqueue=False)
    assert j1["id"] == j2["id"]


def test_unreadable_file_fails_the_job_and_stores_nothing(store, settings_env):
    job = jobs.submit(store, b"", "empty.txt", "default")
    out = jobs.run_job(store, job["id"])
    assert out["state"] == "failed" and out["error"] == "empty.txt: empty file"
    assert _counts(store) == (0, 0, 0)


def test_transient_error_is_retried(store, settings_env, monkeypatch):
    real = jobs.process_document
    calls = []

    def flaky(data, name, progress=None):
        calls.append(name)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return real(data, name, progress)

    monkeypatch.setattr(jobs, "process_document", flaky)
    job = jobs.submit(store, REPORT_A.encode(), "a.txt", "default")
    first = jobs.run_job(store, job["id"])
    assert first["state"] == "queued" and "database went away" in first["error"]
    assert jobs.drain(store) == 1
    final = _job(store, job["id"])
    assert final["state"] == "done" and final["attempts"] == 2 and final["error"] is None


def test_attempts_are_bounded(store, settings_env, monkeypatch):
    def broken(data, name, progress=None):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(jobs, "process_document", broken)
    job = jobs.submit(store, REPORT_A.encode(), "a.txt", "default")
    jobs.drain(store)
    out = _job(store, job["id"])
    assert out["state"] == "failed" and out["attempts"] == 3 and "parser bug" in out["error"]
    assert _counts(store) == (0, 0, 0)


def test_one_job_is_claimed_by_one_worker(store, settings_env, monkeypatch):
    real = jobs.process_document

    def slow(data, name, progress=None):
        time.sleep(0.3)
        return real(data, name, progress)

    monkeypatch.setattr(jobs, "process_document", slow)
    job = jobs.submit(store, REPORT_A.encode(), "a.txt", "default")
    results = []
    threads = [threading.Thread(target=lambda: results.append(jobs.run_job(store, job["id"]))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r is None for r in results) == [False, True, True]
    assert _counts(store)[0] == 1


def test_a_restart_resumes_queued_jobs(store, settings_env):
    ids = [jobs.submit(store, t.encode(), n, "default", enqueue=False)["id"]
           for n, t in (("a.txt", REPORT_A), ("b.txt", REPORT_B))]
    runner = jobs.JobRunner(store, threads=1, poll=0.05).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_job(store, i)["state"] != "done" for i in ids):
            time.sleep(0.05)
    finally:
        runner.stop()
    assert [_job(store, i)["state"] for i in ids] == ["done", "done"]


KILLED_WORKER = textwrap.dedent("""
    import sys, time
    from reportmine.store import jobs
    from reportmine.store.repository import Store
    real = jobs.process_document
    def slow(data, name, progress=None):
        open(sys.argv[2], "w").close()          # tell the test we are inside the job
        time.sleep(float(sys.argv[3]))
        return real(data, name, progress)
    jobs.process_document = slow
    jobs.drain(Store(sys.argv[1]))
""")


def _start_worker(url, flag, delay):
    env = dict(os.environ, REPORTMINE_DB=url, REPORTMINE_SANDBOX="0", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", KILLED_WORKER, url, str(flag), str(delay)], env=env, cwd=ROOT)


def test_worker_killed_mid_job_loses_and_duplicates_nothing(store, settings_env, tmp_path):
    job = jobs.submit(store, REPORT_A.encode(), "a.txt", "default", enqueue=False)
    flag = tmp_path / "inside"
    proc = _start_worker(settings_env, flag, 30)
    deadline = time.monotonic() + 30
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the worker never started the job"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert _job(store, job["id"])["state"] == "running"
    assert _counts(store) == (0, 0, 0)
    assert jobs.recover(store) == 1  # its process is gone: back in the queue
    jobs.drain(store)
    out = _job(store, job["id"])
    assert out["state"] == "done" and out["attempts"] == 2
    n_facts = _counts(store)[2]
    # stored exactly once, with the facts a clean run stores
    fresh = jobs.process_document(REPORT_A.encode(), "a.txt")
    assert _counts(store) == (1, len(fresh.paragraphs), len(fresh.facts)) and n_facts == len(fresh.facts)


@pytest.mark.slow
def test_repeated_kills_at_random_moments(store, settings_env, tmp_path):
    import random

    rnd = random.Random(7)
    texts = [REPORT_A.replace("2023", str(2000 + i)) for i in range(6)] + \
            [REPORT_B.replace("2023", str(2000 + i)) for i in range(6)]
    for i, t in enumerate(texts):
        jobs.submit(store, t.encode(), f"r{i}.txt", "default", enqueue=False)
    kills = 0
    for round_ in range(8):
        proc = _start_worker(settings_env, tmp_path / f"f{round_}", 0.02)
        time.sleep(rnd.uniform(0.8, 2.0))  # start-up (imports) takes most of a second
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(10)
        jobs.recover(store)
    jobs.drain(store)
    with store.read() as s:
        states = list(s.scalars(select(JobRow.state)))
        shas = list(s.scalars(select(DocumentRow.sha256)))
    assert states == ["done"] * len(texts) and len(shas) == len(set(shas)) == len(texts)
    expect = sum(len(jobs.process_document(t.encode(), "x.txt").facts) for t in texts)
    assert _counts(store)[2] == expect
    assert kills >= 1


def test_sandboxed_job_reports_pages_read(settings_env, monkeypatch):
    """With the reader in its sandbox process (the default) the job still sees pages go by."""
    sys.path.insert(0, str(Path(__file__).parent / "data"))
    import make_ingest as mk

    from reportmine.config import reset_settings

    monkeypatch.setenv("REPORTMINE_SANDBOX", "1")
    reset_settings()
    seen: list[float] = []
    try:
        doc = jobs.process_document(mk.two_column_pdf(pages=3), "three.pdf", seen.append)
    finally:
        box = getattr(jobs._local, "sandbox", None)
        if box is not None:
            box.close()
            jobs._local.sandbox = None
    assert doc.page_count == 3
    assert len(seen) >= 3 and seen == sorted(seen) and 0.1 < seen[-1] <= 0.8
