"""an index on documents' unit names, so a unit-name filter scans names, not document rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_tenant_org", "documents", ["tenant", "org"])


def downgrade() -> None:
    op.drop_index("ix_documents_tenant_org", table_name="documents")
