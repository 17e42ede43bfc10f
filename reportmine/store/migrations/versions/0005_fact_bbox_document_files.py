"""fact boxes on their page and the source files of PDF and image documents

``facts.bbox``: the fact's boxes ``[[x0, y0, x1, y1], ...]`` on its page (NULL where the
source has no geometry). ``document_files``: the uploaded bytes of a PDF or image document,
one row per document, deleted with it, so a fact's page can be rendered with its box.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("facts", sa.Column("bbox", sa.JSON(), nullable=True))
    op.create_table(
        "document_files",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_files")
    with op.batch_alter_table("facts") as batch:
        batch.drop_column("bbox")
