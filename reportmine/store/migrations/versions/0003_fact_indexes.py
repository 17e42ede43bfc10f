"""covering indexes for fact filters and aggregates

Every filter the API offers (category, org, metric, year, unit, value) and every grouping
of the aggregates is answered from an index that also holds ``value``, so counts, facets
and sums never read the table (measured in benchmarks/store_query.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD = {
    "ix_facts_tenant_category_year": ["tenant", "category", "year"],
    "ix_facts_tenant_unit_value": ["tenant", "unit", "value"],
    "ix_facts_tenant_metric": ["tenant", "metric_id"],
    "ix_facts_tenant_org": ["tenant", "org_id"],
}
NEW = {
    "ix_facts_category_org": ["tenant", "category", "org_id", "year", "unit", "value"],
    "ix_facts_metric_unit": ["tenant", "metric_id", "unit", "value"],
    "ix_facts_org_year": ["tenant", "org_id", "year", "unit", "value"],
    "ix_facts_year_unit": ["tenant", "year", "unit", "value"],
    "ix_facts_unit_value": ["tenant", "unit", "value"],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="facts")
    for name, cols in NEW.items():
        op.create_index(name, "facts", cols)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="facts")
    for name, cols in OLD.items():
        op.create_index(name, "facts", cols)
