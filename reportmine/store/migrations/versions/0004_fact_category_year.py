"""an index for grouping one category's facts by year without sorting them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facts_category_year", "facts", ["tenant", "category", "year", "unit", "value"])


def downgrade() -> None:
    op.drop_index("ix_facts_category_year", table_name="facts")
