"""Celery workers for ingestion at scale: ``REPORTMINE_BROKER=redis://127.0.0.1:6379/0``.

    celery -A reportmine.store.celery_app worker -Q reportmine --concurrency 2

The task only carries a job id; the bytes and the state live in the store's ``jobs`` table,
so the worker runs exactly the code the embedded runner runs. ``acks_late`` with
``reject_on_worker_lost``: a worker killed mid-job leaves the message unacknowledged and
another worker takes it; the job then finds the document already stored (one transaction
per document) or stores it once.
"""

from __future__ import annotations

from celery import Celery

from reportmine.config import get_settings

app = Celery("reportmine", broker=get_settings().broker or "redis://127.0.0.1:6379/0")
app.conf.update(
    task_default_queue=get_settings().celery_queue,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": get_settings().celery_visibility_timeout},
)


@app.task(name="reportmine.ingest_job", acks_late=True, reject_on_worker_lost=True,
          autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def ingest_job(job_id: int) -> str:
    from reportmine.store.jobs import run_job
    from reportmine.store.repository import get_store

    # Celery hands a message out again only when its worker died or its lease ran out, so
    # an unfinished job is taken over; storing the document twice is prevented by sha256
    result = run_job(get_store(), job_id, force=True)
    return result["state"] if result else "taken"
