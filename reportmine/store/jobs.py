"""Ingestion jobs: a queue kept in the database, run in-process or on Celery workers.

``submit`` stores the uploaded bytes in a ``jobs`` row (or answers at once with the stored
document when the same bytes are already there). ``run_job`` claims a job, runs the
pipeline and, in ONE transaction, stores the document and marks the job done: a worker
killed at any moment leaves either nothing or the whole document, and the job is claimed
again (a stale lease in-process, a redelivered message on Celery with acks-late) and finds
the document already stored instead of storing it twice.

The embedded default (``JobRunner``) is a thread in the API process polling the queue; at
start-up it takes back jobs that a dead process on this host left running, so a restart
resumes them. With ``REPORTMINE_BROKER=redis://…`` the API only enqueues job ids and
``reportmine.store.celery_app`` workers run the same ``run_job``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from typing import Callable

from sqlalchemy import or_, select, update

from reportmine.store.repository import Scope, Store, iso
from reportmine.store.schema import AuditRow, DocumentRow, JobRow, utcnow

log = logging.getLogger("reportmine.jobs")

HOST = socket.gethostname()


def worker_id() -> str:
    return f"{HOST}:{os.getpid()}:{threading.get_ident()}"


_local = threading.local()


def process_document(data: bytes, name: str, progress: Callable[[float], None] | None = None):
    """The pipeline for one file, in this thread's sandboxed reader process when
    ``REPORTMINE_SANDBOX`` is on (the default), so a hostile file costs only its job.
    A seam: tests replace it."""
    from reportmine.config import get_settings
    from reportmine.ingest import ReadOptions

    opts = ReadOptions(max_pages=get_settings().max_pages)
    if progress is not None:  # pages read are most of the work (OCR): 10 % to 80 % of the job
        opts.progress = lambda done, total: progress(0.1 + 0.7 * done / max(total, 1))
    if get_settings().sandbox:
        from reportmine.sandbox import Sandbox

        box = getattr(_local, "sandbox", None)
        if box is None:
            box = _local.sandbox = Sandbox()
        return box.read(data, name, opts)
    from reportmine.pipeline import process_bytes

    return process_bytes(data, name, opts)


def job_out(j: JobRow, scope: Scope | None = None, visible_document: bool = True) -> dict:
    return {"id": j.id, "name": j.name, "sha256": j.sha256, "size": j.size, "state": j.state,
            "progress": round(j.progress, 3), "error": j.error, "attempts": j.attempts,
            "document_id": j.document_id if visible_document else None, "duplicate": j.duplicate,
            "created": iso(j.created), "finished": iso(j.finished_at)}


def submit(store: Store, data: bytes, name: str, tenant: str, owner_org: str | None = None,
           submitted_by: str | None = None, enqueue: bool = True) -> dict:
    """Queue one file; the same bytes already stored (or queued) in the tenant are not queued again."""
    sha = hashlib.sha256(data).hexdigest()
    now = utcnow()
    with store.write() as s:
        doc_id = s.scalar(select(DocumentRow.id).where(DocumentRow.tenant == tenant, DocumentRow.sha256 == sha))
        pending = None
        if doc_id is None:
            pending = s.scalar(select(JobRow).where(JobRow.tenant == tenant, JobRow.sha256 == sha,
                                                    JobRow.state.in_(("queued", "running")))
                               .order_by(JobRow.id).limit(1))
        if pending is not None and pending.owner_org == owner_org:
            job = pending
            new = False
        else:
            job = JobRow(tenant=tenant, owner_org=owner_org, submitted_by=submitted_by, name=name,
                         sha256=sha, size=len(data), created=now,
                         state="done" if doc_id is not None else "queued",
                         progress=1.0 if doc_id is not None else 0.0, document_id=doc_id,
                         duplicate=doc_id is not None, finished_at=now if doc_id is not None else None,
                         payload=None if doc_id is not None else data)
            s.add(job)
            new = doc_id is None
        s.add(AuditRow(tenant=tenant, who=submitted_by, action="upload", target=name,
                       detail={"sha256": sha, "bytes": len(data)}, created=now))
        s.flush()
        out = job_out(job)
    if new and enqueue:
        _enqueue(out["id"])
    return out


def failed_job(store: Store, name: str, error: str, tenant: str, owner_org: str | None = None,
               submitted_by: str | None = None) -> dict:
    """Record a refused input (e.g. a bad zip member) as a failed job, so the uploader sees why."""
    with store.write() as s:
        job = JobRow(tenant=tenant, owner_org=owner_org, submitted_by=submitted_by, name=name, sha256="",
                     size=0, state="failed", error=error, progress=1.0, created=utcnow(), finished_at=utcnow())
        s.add(job)
        s.flush()
        return job_out(job)


def get_job(store: Store, job_id: int, scope: Scope) -> dict | None:
    with store.read() as s:
        j = s.scalar(select(JobRow).where(JobRow.id == job_id, *scope.rows(JobRow)))
        if j is None:
            return None
        visible = True
        if j.document_id is not None and scope.org is not None:
            visible = s.scalar(select(DocumentRow.id).where(DocumentRow.id == j.document_id,
                                                            *scope.documents())) is not None
        return job_out(j, visible_document=visible)


def list_jobs(store: Store, scope: Scope, limit: int = 50) -> list[dict]:
    with store.read() as s:
        rows = s.scalars(select(JobRow).where(*scope.rows(JobRow)).order_by(JobRow.id.desc()).limit(limit)).all()
        return [job_out(j, visible_document=scope.org is None) for j in rows]


def _enqueue(job_id: int) -> None:
    from reportmine.config import get_settings

    if get_settings().broker:
        from reportmine.store.celery_app import ingest_job

        ingest_job.delay(job_id)
    else:
        _wake.set()


def claim(store: Store, job_id: int, worker: str, lease: float, force: bool = False) -> bool:
    """Take a job: queued, or running under an expired lease (``force``: any unfinished job,
    for a Celery redelivery, which means its previous worker died)."""
    now = utcnow()
    states = [JobRow.state == "queued",
              (JobRow.state == "running") & (JobRow.claimed_at < now - timedelta(seconds=lease))]
    if force:
        states.append(JobRow.state == "running")
    with store.write() as s:
        res = s.execute(update(JobRow).where(JobRow.id == job_id, or_(*states))
                        .values(state="running", claimed_at=now, worker=worker, attempts=JobRow.attempts + 1,
                                progress=0.05))
        return res.rowcount == 1


def next_job(store: Store, lease: float) -> int | None:
    now = utcnow()
    with store.read() as s:
        return s.scalar(select(JobRow.id).where(or_(
            JobRow.state == "queued",
            (JobRow.state == "running") & (JobRow.claimed_at < now - timedelta(seconds=lease))))
            .order_by(JobRow.id).limit(1))


def _set_progress(store: Store, job_id: int, value: float) -> None:
    with store.write() as s:
        s.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "running")
                  .values(progress=min(max(value, 0.0), 0.99)))


def run_job(store: Store, job_id: int, worker: str | None = None, force: bool = False) -> dict | None:
    """Claim and run one job; returns its final state, or None if someone else has it."""
    from reportmine.config import get_settings
    from reportmine.ingest import ReadError

    settings = get_settings()
    worker = worker or worker_id()
    if not claim(store, job_id, worker, settings.job_lease_seconds, force=force):
        return None
    with store.read() as s:
        j = s.get(JobRow, job_id)
        data, name, tenant, org, who, attempts = j.payload, j.name, j.tenant, j.owner_org, j.submitted_by, j.attempts
        sha = j.sha256
        if data is None and j.payload_path:
            with open(j.payload_path, "rb") as fh:
                data = fh.read()
    existing = store.find_document(sha, tenant)
    if existing is not None:
        return _finish(store, job_id, existing, duplicate=True)
    last = [0.0]

    def progress(v: float):
        if v - last[0] >= 0.1:
            last[0] = v
            _set_progress(store, job_id, v)

    try:
        doc = process_document(data, name, progress)
        doc.source = name
        doc.sha256 = sha
        _set_progress(store, job_id, 0.9)
        with store.write() as s:
            doc_id, created = store.add_document(doc, tenant, org, uploaded_by=who, session=s, data=data)
            _mark_done(s, job_id, doc_id, duplicate=not created)
    except ReadError as exc:
        return _fail(store, job_id, str(exc))
    except Exception as exc:  # noqa: BLE001 - a job must end in a state, never vanish
        from sqlalchemy.exc import IntegrityError

        if isinstance(exc, IntegrityError):  # a concurrent worker stored the same bytes
            existing = store.find_document(sha, tenant)
            if existing is not None:
                return _finish(store, job_id, existing, duplicate=True)
        from reportmine.store.repository import _is_disk_full

        if _is_disk_full(exc):  # retrying cannot help; nothing of the document was kept
            log.error("job %s (%s): the store's disk is full", job_id, name)
            return _fail(store, job_id, f"{name}: the store's disk is full; the document was not stored")
        log.exception("job %s (%s) failed on attempt %s", job_id, name, attempts)
        if attempts < settings.job_max_attempts and not isinstance(exc, (MemoryError, RecursionError)):
            with store.write() as s:
                s.execute(update(JobRow).where(JobRow.id == job_id)
                          .values(state="queued", error=f"{type(exc).__name__}: {exc}", claimed_at=None))
            return get_job(store, job_id, Scope(tenant, None))
        return _fail(store, job_id, f"{name}: {type(exc).__name__}: {exc}")
    return get_job(store, job_id, Scope(tenant, None))


def _mark_done(s, job_id: int, doc_id: int, duplicate: bool) -> None:
    s.execute(update(JobRow).where(JobRow.id == job_id).values(
        state="done", progress=1.0, document_id=doc_id, duplicate=duplicate, payload=None,
        error=None, finished_at=utcnow()))


def _finish(store: Store, job_id: int, doc_id: int, duplicate: bool) -> dict | None:
    with store.write() as s:
        _mark_done(s, job_id, doc_id, duplicate)
        tenant = s.get(JobRow, job_id).tenant
    return get_job(store, job_id, Scope(tenant, None))


def _fail(store: Store, job_id: int, error: str) -> dict | None:
    with store.write() as s:
        s.execute(update(JobRow).where(JobRow.id == job_id).values(
            state="failed", error=error, progress=1.0, payload=None, finished_at=utcnow()))
        tenant = s.get(JobRow, job_id).tenant
    return get_job(store, job_id, Scope(tenant, None))


def recover(store: Store) -> int:
    """Requeue jobs left running by processes on this host that no longer exist."""
    n = 0
    with store.write() as s:
        for j in s.scalars(select(JobRow).where(JobRow.state == "running")):
            host, _, rest = (j.worker or "").partition(":")
            pid = rest.split(":", 1)[0]
            if host != HOST or not pid.isdigit():
                continue
            alive = True
            if int(pid) != os.getpid():
                try:
                    os.kill(int(pid), 0)
                except ProcessLookupError:
                    alive = False
                except PermissionError:
                    pass
            else:
                alive = False  # this process just started: nothing of ours is running yet
            if not alive:
                j.state, j.claimed_at = "queued", None
                n += 1
    return n


_wake = threading.Event()


class JobRunner:
    """Background threads running queued jobs in this process (the embedded default)."""

    def __init__(self, store: Store, threads: int = 1, poll: float = 0.5):
        self.store = store
        self.poll = poll
        self.count = threads
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "JobRunner":
        recover(self.store)
        for i in range(self.count):
            t = threading.Thread(target=self._loop, name=f"reportmine-jobs-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _loop(self) -> None:
        from reportmine.config import get_settings

        lease = get_settings().job_lease_seconds
        while not self._stop.is_set():
            try:
                job_id = next_job(self.store, lease)
                if job_id is None:
                    _wake.wait(self.poll)
                    _wake.clear()
                    continue
                run_job(self.store, job_id)
            except Exception:  # noqa: BLE001 - keep the runner alive (e.g. the DB restarting)
                log.exception("job runner error; retrying")
                time.sleep(min(self.poll * 4, 5))

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        _wake.set()
        for t in self._threads:
            t.join(timeout)


def drain(store: Store, limit: int = 1000) -> int:
    """Run queued jobs in this thread until none is left (CLI, tests)."""
    from reportmine.config import get_settings

    n = 0
    while n < limit:
        job_id = next_job(store, get_settings().job_lease_seconds)
        if job_id is None:
            return n
        run_job(store, job_id)
        n += 1
    return n
