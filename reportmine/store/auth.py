"""Users and API tokens. A token is shown once; the store keeps only its sha256.

Roles: ``admin`` and ``staff`` see their whole tenant (federation), ``unit`` only the
documents its own org uploaded. Nothing crosses tenants.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reportmine.store.repository import DEFAULT_TENANT, QueryError, Scope, Store
from reportmine.store.schema import AuditRow, UserRow, utcnow

ROLES = ("admin", "staff", "unit")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: the identity every route and store call is checked against."""

    name: str
    role: str
    tenant: str = DEFAULT_TENANT
    org: str | None = None
    user_id: int | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.tenant, self.org if self.role == "unit" else None)

    @property
    def can_upload(self) -> bool:
        return self.role in ROLES

    @property
    def can_correct(self) -> bool:
        return self.role in ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


ANONYMOUS = Principal(name="anonymous", role="staff", tenant=DEFAULT_TENANT)


def add_user(store: Store, name: str, role: str, org: str | None = None,
             tenant: str | None = None, who: str | None = None) -> dict:
    """Create a user and return it with its token (the only time the token is seen)."""
    tenant = tenant or DEFAULT_TENANT
    if role not in ROLES:
        raise QueryError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "unit" and not org:
        raise QueryError("a unit user needs --org (the organisation whose documents it sees)")
    token = "rm_" + secrets.token_urlsafe(32)
    try:
        with store.write() as s:
            row = UserRow(name=name, role=role, org=org, tenant=tenant, token_hash=hash_token(token),
                          created=utcnow())
            s.add(row)
            s.add(AuditRow(tenant=tenant, who=who, action="user_add", target=f"user:{name}",
                           detail={"role": role, "org": org}, created=utcnow()))
    except IntegrityError:
        raise QueryError(f"a user named {name!r} already exists in tenant {tenant!r}") from None
    return {"name": name, "role": role, "org": org, "tenant": tenant, "token": token}


def principal_for_token(store: Store, token: str) -> Principal | None:
    if not token:
        return None
    with store.read() as s:
        u = s.scalar(select(UserRow).where(UserRow.token_hash == hash_token(token), UserRow.active.is_(True)))
        if u is None:
            return None
        return Principal(name=u.name, role=u.role, tenant=u.tenant, org=u.org, user_id=u.id)


def list_users(store: Store, tenant: str) -> list[dict]:
    with store.read() as s:
        return [{"name": u.name, "role": u.role, "org": u.org, "tenant": u.tenant, "active": u.active}
                for u in s.scalars(select(UserRow).where(UserRow.tenant == tenant).order_by(UserRow.id))]
