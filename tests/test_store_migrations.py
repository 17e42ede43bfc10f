"""Alembic owns the schema: migrations build exactly the models, and go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from reportmine.store import Store
from reportmine.store.migrate import alembic_config, current_revision, head_revision
from reportmine.store.schema import Base


def test_open_applies_migrations_and_models_match(store):
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the full-text index (FTS5 tables, the tsvector column) lives outside the models
    diffs = [d for d in diffs if "paragraphs_fts" not in str(d) and "tsv" not in str(d)]
    assert diffs == []


def test_downgrade_and_upgrade_again(tmp_path, doc_factory):
    url = f"sqlite:///{tmp_path}/m.db"
    st = Store(url)
    st.add_document(doc_factory(["职工培训"], source="m.txt"))
    st.close()
    cfg = alembic_config(url)
    command.downgrade(cfg, "base")
    st = Store(url, migrate=False)
    assert "documents" not in inspect(st.engine).get_table_names()
    st.close()
    st = Store(url)  # opening migrates again
    assert {"documents", "facts", "jobs", "users", "paragraphs_fts"} <= set(inspect(st.engine).get_table_names())
    assert st.add_document(doc_factory(["职工培训"], source="m.txt"))[1]
    assert st.search("培训")
    st.close()


def test_sqlite_store_runs_in_wal_mode(tmp_path):
    st = Store(f"sqlite:///{tmp_path}/w.db")
    with st.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    st.close()
