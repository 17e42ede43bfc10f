"""full-text index over paragraph search tokens

SQLite: an FTS5 table with external content on ``paragraphs.tokens`` kept in step by
triggers (so the index is written in the same transaction as the paragraph). PostgreSQL: a
generated ``tsvector`` column with the ``simple`` configuration over the same tokens and a
GIN index. Both index jieba's search-mode tokens, so both answer the same queries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE paragraphs_fts USING fts5(tokens, content='paragraphs', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER paragraphs_fts_ai AFTER INSERT ON paragraphs BEGIN "
    "INSERT INTO paragraphs_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER paragraphs_fts_ad AFTER DELETE ON paragraphs BEGIN "
    "INSERT INTO paragraphs_fts(paragraphs_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER paragraphs_fts_au AFTER UPDATE OF tokens ON paragraphs BEGIN "
    "INSERT INTO paragraphs_fts(paragraphs_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO paragraphs_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS paragraphs_fts_au",
    "DROP TRIGGER IF EXISTS paragraphs_fts_ad",
    "DROP TRIGGER IF EXISTS paragraphs_fts_ai",
    "DROP TABLE IF EXISTS paragraphs_fts",
]
PG_UP = [
    "ALTER TABLE paragraphs ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX ix_paragraphs_tsv ON paragraphs USING gin (tsv)",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_paragraphs_tsv", "ALTER TABLE paragraphs DROP COLUMN IF EXISTS tsv"]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(PG_UP)
    else:
        raise NotImplementedError(f"no full-text index for the {dialect} backend")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else PG_DOWN)
