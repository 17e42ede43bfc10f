from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import text

from api.deps import store
from reportmine.store.repository import Store

router = APIRouter(tags=["health"])


@router.get("/health")
def health(st: Store = Depends(store)) -> dict:
    """Liveness and a round trip to the database (no authentication)."""
    with st.read() as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok", "db": st.dialect}
