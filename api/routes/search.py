from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query

from api.deps import principal, store
from reportmine.document import Category
from reportmine.store.auth import Principal
from reportmine.store.repository import Store

router = APIRouter(tags=["search"])


@router.get("/search")
def search(q: str = Query(..., min_length=1, max_length=200, description="Words to find, all of them"),
           category: Optional[Category] = None, limit: int = Query(20, ge=1, le=200),
           who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    """Paragraphs with every word, best first: document, page, span, category, snippet
    (plain text) and ``highlights`` ([start, end) of the words inside the snippet)."""
    return {"q": q, "hits": st.search(q, who.scope, category=category, limit=limit)}
