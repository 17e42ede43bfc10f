"""The store: documents, facts and full text in SQLite or PostgreSQL, behind ``Store``.

``schema`` (tables), ``migrations`` (Alembic, applied on open), ``repository`` (``Store``),
``search`` (full text per backend), ``jobs`` (ingestion queue), ``auth`` (users, tokens).
"""

from reportmine.store.repository import DEFAULT_TENANT, QueryError, Scope, Store, get_store

__all__ = ["Store", "Scope", "QueryError", "DEFAULT_TENANT", "get_store"]
