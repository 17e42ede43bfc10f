from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api.deps import principal, store
from reportmine.store import jobs
from reportmine.store.auth import Principal
from reportmine.store.repository import Store

router = APIRouter(tags=["jobs"])


@router.get("/jobs")
def list_jobs(limit: int = Query(50, ge=1, le=500), who: Principal = Depends(principal),
              st: Store = Depends(store)) -> dict:
    return {"jobs": jobs.list_jobs(st, who.scope, limit)}


@router.get("/jobs/{job_id}")
def get_job(job_id: int, who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    """State (queued, running, done, failed), progress 0–1, error, and the document when done."""
    job = jobs.get_job(st, job_id, who.scope) if 0 < job_id < 2**62 else None
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such job")
    return job
