"""The store's tables (SQLAlchemy 2.0). Alembic owns the schema: change a model here, then
add a revision under ``migrations/versions`` (``scripts/new-migration.sh`` autogenerates one).

Every row that a query filters on carries its ``tenant`` and ``owner_org`` (the org of the
unit that uploaded it, or NULL for the federation's own documents), so access checks are
plain indexed predicates and never a join. Facts also carry their effective ``year`` and
``org`` (the fact's own, else the document's) and ids into the small ``metrics`` and ``orgs``
tables, so ``metric__contains`` and ``org__contains`` scan a few thousand names instead of
millions of facts.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Org(Base):
    __tablename__ = "orgs"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_orgs_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)


class Metric(Base):
    __tablename__ = "metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500), nullable=False, unique=True)


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("tenant", "sha256", name="uq_documents_tenant_sha256"),
        Index("ix_documents_tenant_owner", "tenant", "owner_org"),
        Index("ix_documents_tenant_year", "tenant", "year"),
        Index("ix_documents_tenant_org", "tenant", "org"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    pages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str | None] = mapped_column(Text)
    org: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    fact_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class PageRow(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[float | None] = mapped_column(Float)
    height: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="text")


class SectionRow(Base):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    idx: Mapped[int] = mapped_column(Integer, nullable=False)
    heading: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    page: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="other")
    parent: Mapped[int | None] = mapped_column(Integer)


class ParagraphRow(Base):
    __tablename__ = "paragraphs"
    __table_args__ = (Index("ix_paragraphs_tenant_owner", "tenant", "owner_org"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(300))
    idx: Mapped[int] = mapped_column(Integer, nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    page: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="other")
    labels: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    section: Mapped[int | None] = mapped_column(Integer)
    is_heading: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # space-separated jieba search tokens: the full-text index (FTS5 / tsvector) is built on it
    tokens: Mapped[str] = mapped_column(Text, nullable=False, default="")


class FactRow(Base):
    __tablename__ = "facts"
    __table_args__ = (
        # covering indexes for the filters and groupings the API offers (migration 0003);
        # paragraph_id last, for the keyword check of ``q`` beside other filters (0007)
        Index("ix_facts_category_org", "tenant", "category", "org_id", "year", "unit", "value", "paragraph_id"),
        Index("ix_facts_category_year", "tenant", "category", "year", "unit", "value", "paragraph_id"),
        Index("ix_facts_metric_unit", "tenant", "metric_id", "unit", "value", "paragraph_id"),
        Index("ix_facts_org_year", "tenant", "org_id", "year", "unit", "value", "paragraph_id"),
        Index("ix_facts_year_unit", "tenant", "year", "unit", "value"),
        Index("ix_facts_unit_value", "tenant", "unit", "value"),
        Index("ix_facts_tenant_owner", "tenant", "owner_org"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraphs.id", ondelete="CASCADE"), index=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(300))
    idx: Mapped[int] = mapped_column(Integer, nullable=False)
    surface: Mapped[str] = mapped_column(String(200), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    value_max: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    qualifier: Mapped[str] = mapped_column(String(20), nullable=False, default="exact")
    metric: Mapped[str | None] = mapped_column(String(500))
    metric_id: Mapped[int | None] = mapped_column(ForeignKey("metrics.id"))
    year: Mapped[int | None] = mapped_column(Integer)  # the fact's year, else the document's
    org: Mapped[str | None] = mapped_column(String(300))  # the fact's org, else the document's
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    fact_year: Mapped[int | None] = mapped_column(Integer)  # as the extractor found them
    fact_org: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="other")
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    page: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # the fact's boxes on its page, [[x0, y0, x1, y1], ...] in PDF points or image pixels
    # (top-left origin); NULL where the source has no page geometry (DOCX, TXT) (migration 0005)
    bbox: Mapped[list | None] = mapped_column(JSON)


class DocumentFileRow(Base):
    """The uploaded bytes of a PDF or image document, kept so its pages can be drawn again
    (``GET /facts/{id}/image``); written in the document's transaction, gone with it."""

    __tablename__ = "document_files"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class JobRow(Base):
    """An ingestion job: the queue lives in the database, so a restart resumes it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_created", "state", "created"),
                      Index("ix_jobs_tenant_owner", "tenant", "owner_org"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(300))
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")  # queued running done failed
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    payload_path: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    duplicate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    worker: Mapped[str | None] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CorrectionRow(Base):
    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_tenant", "tenant", "created"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(300))
    target: Mapped[str] = mapped_column(String(20), nullable=False)  # paragraph | fact
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraphs.id", ondelete="SET NULL"))
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(40), nullable=False)
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the paragraph (or fact surface)
    who: Mapped[str | None] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_users_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)  # admin staff unit
    org: Mapped[str | None] = mapped_column(String(300))
    tenant: Mapped[str] = mapped_column(String(100), nullable=False, default="default")
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_tenant_created", "tenant", "created"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), nullable=False)
    who: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), nullable=False)  # upload correct export user_add ...
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
