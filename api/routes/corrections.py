from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from api.deps import principal, store
from reportmine.store.auth import Principal
from reportmine.store.repository import QueryError, Store

router = APIRouter(tags=["corrections"])


class CorrectionIn(BaseModel):
    paragraph_id: Optional[int] = None
    fact_id: Optional[int] = None
    field: Literal["category", "labels", "value", "unit", "qualifier", "metric", "year", "org"] = "category"
    new: Any = None


@router.post("/corrections", status_code=status.HTTP_201_CREATED)
def add_correction(body: CorrectionIn, who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    """Correct a paragraph's category/labels or a fact's field; who, when, old and new are kept
    (the classifier learns from paragraph corrections)."""
    try:
        out = st.add_correction(who.scope, who.name, paragraph_id=body.paragraph_id, fact_id=body.fact_id,
                                field=body.field, new=body.new)
    except QueryError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))
    if out is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such paragraph or fact")
    return out


@router.get("/corrections")
def list_corrections(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
                     who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    return {"corrections": st.list_corrections(who.scope, limit, offset)}
