"""Upload (as jobs), list, read and delete documents."""

from __future__ import annotations

from typing import List, Optional

from fastapi.concurrency import run_in_threadpool
from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile, status

from api.deps import principal, settings, staff, store
from reportmine.config import Settings
from reportmine.store import jobs
from reportmine.store.auth import Principal
from reportmine.store.repository import Store
from reportmine.store.sources import expand_bytes

router = APIRouter(tags=["documents"])


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = await upload.read(1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise HTTPException(413,
                                f"{upload.filename}: larger than the limit of {limit} bytes")
        chunks.append(chunk)


@router.post("/documents", status_code=status.HTTP_202_ACCEPTED)
async def upload_documents(
    request: Request,
    files: List[UploadFile] = File(..., description="One or many files, or zip archives of them."),
    org: Optional[str] = Form(None, description="Owning unit (staff/admin only; a unit token always owns its uploads)."),
    who: Principal = Depends(principal), st: Store = Depends(store), cfg: Settings = Depends(settings),
) -> dict:
    """Queue every file (and every member of a zip) as an ingestion job: 202 with job ids.
    The same bytes already stored give a finished job pointing at the stored document."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > cfg.max_upload_bytes * max(1, len(files)) + 1_000_000:
        raise HTTPException(413, "upload larger than the limit")
    owner = who.org if who.role == "unit" else (org or None)

    def queue(data: bytes, name: str) -> list[dict]:  # unzipping and writing: off the event loop
        done = []
        for item in expand_bytes(data, name, cfg):
            if item.error:
                done.append(jobs.failed_job(st, item.name, f"{item.name}: {item.error}", who.tenant, owner, who.name))
            else:
                done.append(jobs.submit(st, item.data, item.name, who.tenant, owner, who.name))
        return done

    out = []
    for upload in files:
        name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1] or "upload"
        data = await _read_limited(upload, cfg.max_upload_bytes)
        out.extend(await run_in_threadpool(queue, data, name))
    return {"jobs": out}


@router.get("/documents")
def list_documents(
    year: Optional[int] = None, org: Optional[str] = Query(None, description="Org contains this"),
    q: Optional[str] = Query(None, description="Documents with a paragraph containing these words"),
    limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
    who: Principal = Depends(principal), st: Store = Depends(store),
) -> dict:
    return st.list_documents(who.scope, year=year, org=org, q=q, limit=limit, offset=offset)


@router.get("/documents/{ref}")
def get_document(ref: str, who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    """A document (by id or sha256) with its text, sections, paragraphs and facts."""
    doc = st.get_document(ref, who.scope)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    return doc


@router.delete("/documents/{ref}")
def delete_document(ref: str, who: Principal = Depends(staff), st: Store = Depends(store)) -> dict:
    doc = st.get_document(ref, who.scope)
    if doc is None or not st.delete_document(doc["id"], who.scope):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    st.audit(who.tenant, who.name, "delete", f"document:{doc['id']}", {"sha256": doc["document"]})
    return {"deleted": doc["id"]}
