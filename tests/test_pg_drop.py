"""A PostgreSQL connection dropped in the middle of a job: the job is retried and the
document stored once (the server really terminates the backends)."""

import pytest
from sqlalchemy import func, select, text

from conftest import PG_DEFAULT, REPORT_A, PgSchema, pg_admin_connect, pg_available
from reportmine.store import jobs
from reportmine.store.schema import DocumentRow, FactRow

pytestmark = pytest.mark.skipif(not pg_available(), reason="no PostgreSQL server on 127.0.0.1:5432")


def _terminate(app_name: str) -> int:
    with pg_admin_connect(PG_DEFAULT) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = %s AND pid <> pg_backend_pid()", (app_name,)).fetchall()
    return len(rows)


@pytest.fixture
def pg_store(monkeypatch):
    from reportmine.config import reset_settings
    from reportmine.store.repository import Store

    schema = PgSchema(PG_DEFAULT)
    app_name = schema.name
    url = f"{schema.url}&application_name={app_name}"
    monkeypatch.setenv("REPORTMINE_SANDBOX", "0")
    reset_settings()
    st = Store(url)
    yield st, app_name
    st.close()
    schema.drop()
    reset_settings()


@pytest.mark.parametrize("when", ["while reading", "while writing"])
def test_dropped_connection_is_retried(pg_store, monkeypatch, when):
    st, app_name = pg_store
    job = jobs.submit(st, REPORT_A.encode(), "a.txt", "default", enqueue=False)
    real_process = jobs.process_document
    real_add = st.add_document
    dropped = []

    def process_then_drop(data, name, progress=None):
        doc = real_process(data, name, progress)
        if when == "while reading" and not dropped:
            dropped.append(_terminate(app_name))
        return doc

    def add_after_drop(doc, *a, **kw):
        if when == "while writing" and not dropped:
            session = kw.get("session")
            if session is not None:
                session.execute(text("SELECT 1"))  # the transaction holds its connection now
            dropped.append(_terminate(app_name))  # and the server kills it mid-transaction
        return real_add(doc, *a, **kw)

    monkeypatch.setattr(jobs, "process_document", process_then_drop)
    monkeypatch.setattr(st, "add_document", add_after_drop)
    jobs.drain(st)
    assert dropped and dropped[0] >= 1, "no backend was terminated"
    done = jobs.get_job(st, job["id"], jobs.Scope("default", None))
    assert done["state"] == "done", done
    if when == "while writing":
        assert done["attempts"] >= 2, "the write did not fail and retry"
    with st.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(DocumentRow)) == 1
        facts = conn.scalar(select(func.count()).select_from(FactRow))
    assert facts > 0
