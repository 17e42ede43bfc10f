"""Who am I, and (admin) users and the audit log of the admin's tenant."""

from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from api.deps import admin, principal, store
from reportmine.store.auth import Principal, add_user, list_users
from reportmine.store.repository import QueryError, Store

router = APIRouter(tags=["users"])


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "staff", "unit"]
    org: Optional[str] = Field(None, max_length=300)


@router.get("/me")
def me(who: Principal = Depends(principal)) -> dict:
    return {"name": who.name, "role": who.role, "tenant": who.tenant, "org": who.org}


@router.get("/users")
def users(who: Principal = Depends(admin), st: Store = Depends(store)) -> dict:
    return {"users": list_users(st, who.tenant)}


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, who: Principal = Depends(admin), st: Store = Depends(store)) -> dict:
    """Create a user in the admin's own tenant; the token is in this answer only."""
    try:
        return add_user(st, body.name, body.role, org=body.org, tenant=who.tenant, who=who.name)
    except QueryError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))


@router.get("/audit")
def audit(limit: int = Query(100, ge=1, le=1000), who: Principal = Depends(admin), st: Store = Depends(store)) -> dict:
    return {"audit": st.audit_log(who.tenant, limit)}
