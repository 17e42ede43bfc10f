"""The same jobs on a real Celery worker with the Redis broker (acks-late)."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import REPORT_A, REPORT_B
from reportmine.store import Scope, jobs
from reportmine.store.schema import DocumentRow, FactRow

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("REPORTMINE_TEST_BROKER", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - no broker here
        return False


pytestmark = [pytest.mark.slow, pytest.mark.skipif(not _redis_up(), reason=f"no Redis broker at {BROKER}")]


@pytest.fixture
def celery_env(settings_env, monkeypatch):
    from reportmine.config import reset_settings

    queue = f"rmtest-{uuid.uuid4().hex[:10]}"
    env = {"REPORTMINE_BROKER": BROKER, "REPORTMINE_CELERY_QUEUE": queue, "REPORTMINE_SANDBOX": "0"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    import reportmine.store.celery_app as celery_app

    importlib.reload(celery_app)  # bind the app to this broker and queue
    worker_env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reportmine.store.celery_app", "worker", "-Q", queue,
         "--concurrency", "1", "--pool", "prefork", "--loglevel", "warning", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"],
        env=worker_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    import redis

    r = redis.Redis.from_url(BROKER)
    keys = list(r.scan_iter(f"*{queue}*"))
    if keys:
        r.delete(*keys)
    reset_settings()


def _wait(store, job_id, states=("done", "failed"), timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get_job(store, job_id, Scope("default"))
        if job["state"] in states:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


def test_worker_ingests_through_the_broker(store, celery_env):
    ids = [jobs.submit(store, t.encode(), n, "default")["id"] for n, t in (("a.txt", REPORT_A), ("b.txt", REPORT_B))]
    for i in ids:
        assert _wait(store, i)["state"] == "done"
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(DocumentRow)) == 2
    assert store.search("慰问")


def test_killed_worker_child_is_redelivered_and_stored_once(store, celery_env):
    big = (REPORT_A * 150).encode()  # a second or two in the pipeline
    job = jobs.submit(store, big, "big.txt", "default")
    _wait(store, job["id"], states=("running",), timeout=60)
    time.sleep(0.3)
    kids = _children(celery_env.pid)
    assert kids, "no worker child process"
    for pid in kids:
        os.kill(pid, signal.SIGKILL)
    out = _wait(store, job["id"], timeout=90)
    assert out["state"] == "done" and out["attempts"] >= 2
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(DocumentRow)) == 1
        n = s.scalar(select(func.count()).select_from(FactRow))
    assert n == len(jobs.process_document(big, "big.txt").facts)
