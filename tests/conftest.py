"""Store fixtures: a fresh, migrated store per test, on SQLite or on PostgreSQL.

With ``REPORTMINE_TEST_DB=postgresql+psycopg://user@host:port/db`` every store test runs
on that server, in a schema of its own made for this test session (so parallel runs do
not clash) and emptied between tests; otherwise each test gets its own SQLite file copied
from one migrated template.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TEST_DB = os.environ.get("REPORTMINE_TEST_DB", "")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def pg_admin_connect(base: str):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(base)
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
                           password=u.password, dbname=u.database, autocommit=True, connect_timeout=3)


def pg_available(base: str = PG_DEFAULT) -> bool:
    try:
        pg_admin_connect(base).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means: no server here
        return False


class PgSchema:
    """A schema of its own on a PostgreSQL server, dropped at the end."""

    def __init__(self, base: str):
        self.base = base
        self.name = f"rmtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with pg_admin_connect(base) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        self.url = pg_schema_url(base, self.name)

    def truncate(self):
        with pg_admin_connect(self.base) as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> "
                                "'alembic_version'", (self.name,)).fetchall()
            if rows:
                names = ", ".join(f'"{self.name}"."{r[0]}"' for r in rows)
                conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    def drop(self):
        with pg_admin_connect(self.base) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


@pytest.fixture(scope="session")
def _store_template(tmp_path_factory):
    """SQLite: one migrated database file to copy; PostgreSQL: one migrated schema."""
    from reportmine.store.repository import Store

    if TEST_DB.startswith("postgresql"):
        schema = PgSchema(TEST_DB)
        Store(schema.url).close()
        yield schema
        schema.drop()
        return
    path = tmp_path_factory.mktemp("store-template") / "template.db"
    st = Store(f"sqlite:///{path}")
    with st.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    st.close()
    yield path


@pytest.fixture
def store_url(_store_template, tmp_path) -> str:
    if isinstance(_store_template, PgSchema):
        _store_template.truncate()
        return _store_template.url
    target = tmp_path / "reportmine.db"
    shutil.copy(_store_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def store(store_url):
    from reportmine.store.repository import Store

    st = Store(store_url)
    yield st
    st.close()


@pytest.fixture
def settings_env(monkeypatch, store_url):
    """Point REPORTMINE_DB at the test store and forget cached settings (and stores)."""
    from reportmine.config import reset_settings
    from reportmine.store import repository

    monkeypatch.setenv("REPORTMINE_DB", store_url)
    monkeypatch.setenv("REPORTMINE_SANDBOX", "0")
    monkeypatch.delenv("REPORTMINE_ANONYMOUS", raising=False)
    monkeypatch.delenv("REPORTMINE_BROKER", raising=False)
    reset_settings()
    saved = dict(repository._stores)
    repository._stores.clear()
    yield store_url
    for st in repository._stores.values():
        st.close()
    repository._stores.clear()
    repository._stores.update(saved)
    reset_settings()


def make_doc(paragraphs, facts=(), *, source="doc.txt", org=None, year=None, kind="txt"):
    """A processed ``Document`` built by hand: ``paragraphs`` are ``(text, category)``
    pairs (or plain text: other); ``facts`` are dicts with at least ``surface``, ``value``,
    ``unit`` and ``paragraph`` (the index of the paragraph whose text holds the surface)."""
    from reportmine.document import Block, Document, Fact, Page, Paragraph

    texts, cats = [], []
    for p in paragraphs:
        t, c = (p, "other") if isinstance(p, str) else p
        texts.append(t)
        cats.append(c)
    text = "\n".join(texts)
    paras, pos = [], 0
    for t, c in zip(texts, cats):
        paras.append(Paragraph(start=pos, end=pos + len(t), category=c, labels=[c], page=1))
        pos += len(t) + 1
    out_facts = []
    for f in facts:
        f = dict(f)
        pi = f.pop("paragraph")
        p = paras[pi]
        at = text.index(f["surface"], p.start, p.end)
        f.setdefault("category", p.category)
        out_facts.append(Fact(start=at, end=at + len(f["surface"]), paragraph=pi, page=1, **f))
    data = (source + "\x00" + text).encode("utf-8")
    return Document(source=source, sha256=hashlib.sha256(data).hexdigest(), kind=kind, text=text,
                    raw_text=text, pages=[Page(number=1, blocks=[Block(page=1, text=text, start=0, end=len(text))])],
                    paragraphs=paras, facts=out_facts, org=org, year=year)


@pytest.fixture
def doc_factory():
    return make_doc


def sample_docs():
    """Four small summaries of two units over two years (written for these tests)."""
    a23 = make_doc([
        ("北京市丰台区第一医院工会2023年工作总结", "other"),
        ("全年组织职工技能竞赛12场，参赛职工达360余人，覆盖全院各科室。", "training"),
        ("开展送温暖活动，慰问困难职工45户，发放慰问金8.5万元。", "welfare"),
        ("召开职代会2次，审议通过职工提案23件。", "democratic_management"),
    ], [
        {"surface": "12场", "value": 12, "unit": "场", "metric": "职工技能竞赛", "paragraph": 1},
        {"surface": "360余人", "value": 360, "unit": "人", "qualifier": "more_than", "metric": "参赛职工", "paragraph": 1},
        {"surface": "45户", "value": 45, "unit": "户", "metric": "慰问困难职工", "paragraph": 2},
        {"surface": "8.5万元", "value": 85000, "unit": "元", "metric": "发放慰问金", "paragraph": 2},
        {"surface": "2次", "value": 2, "unit": "次", "metric": "召开职代会", "paragraph": 3},
        {"surface": "23件", "value": 23, "unit": "件", "metric": "职工提案", "paragraph": 3},
    ], source="a2023.txt", org="丰台区第一医院", year=2023)
    a22 = make_doc([
        ("丰台区第一医院工会2022年度工作总结", "other"),
        ("举办业务培训班6期，培训工会干部150人次。", "training"),
        ("春节期间慰问一线职工300人，送温暖资金12万元。", "welfare"),
    ], [
        {"surface": "6期", "value": 6, "unit": "期", "metric": "业务培训班", "paragraph": 1},
        {"surface": "150人次", "value": 150, "unit": "人次", "metric": "培训工会干部", "paragraph": 1},
        {"surface": "300人", "value": 300, "unit": "人", "metric": "慰问一线职工", "paragraph": 2},
        {"surface": "12万元", "value": 120000, "unit": "元", "metric": "送温暖资金", "paragraph": 2},
    ], source="a2022.txt", org="丰台区第一医院", year=2022)
    b23 = make_doc([
        ("丰台区妇幼保健院工会2023年工作总结", "other"),
        ("新建职工创新工作室3个，完成技术革新项目17项。", "innovation"),
        ("组织岗位练兵和技能竞赛，参加职工80人。", "training"),
        ("会员大会选举产生新一届工会委员会。", "democratic_management"),
    ], [
        {"surface": "3个", "value": 3, "unit": "个", "metric": "职工创新工作室", "paragraph": 1},
        {"surface": "17项", "value": 17, "unit": "项", "metric": "技术革新项目", "paragraph": 1},
        {"surface": "80人", "value": 80, "unit": "人", "metric": "参加职工", "paragraph": 2},
    ], source="b2023.txt", org="丰台区妇幼保健院", year=2023)
    c23 = make_doc([
        ("某区总工会2023年工作要点", "other"),
        ("全年培训职工2400人次，其中技能竞赛培训约500人。", "training"),
    ], [
        {"surface": "2400人次", "value": 2400, "unit": "人次", "metric": "培训职工", "paragraph": 1},
        {"surface": "约500人", "value": 500, "unit": "人", "qualifier": "about", "metric": "技能竞赛培训", "paragraph": 1},
    ], source="c2023.txt", org=None, year=2023)
    return [a23, a22, b23, c23]


@pytest.fixture
def samples():
    return sample_docs()


@pytest.fixture
def filled(store, samples):
    """The store with the four samples: a23, a22 owned by unit A, b23 by unit B, c23 by the federation."""
    owners = ["丰台区第一医院", "丰台区第一医院", "丰台区妇幼保健院", None]
    for d, o in zip(samples, owners):
        store.add_document(d, "default", o)
    return store


class Api:
    """A TestClient over a fresh store, with one token per role (two tenants, two units)."""

    ROLES = {
        "admin": ("admin", None, "default"),
        "staff": ("staff", None, "default"),
        "unit_a": ("unit", "丰台区第一医院", "default"),
        "unit_b": ("unit", "丰台区妇幼保健院", "default"),
        "other": ("staff", None, "other-federation"),
    }

    def __init__(self, store_url: str, anonymous: bool = False, make_users: bool = True, **settings):
        from fastapi.testclient import TestClient

        from api.main import create_app
        from reportmine.config import Settings
        from reportmine.store import Store
        from reportmine.store.auth import add_user

        self.settings = Settings(db=store_url, anonymous=anonymous, sandbox=False, **settings)
        self.store = Store(store_url)
        self.app = create_app(self.settings, store=self.store, run_jobs=False)
        self.client = TestClient(self.app)
        self.tokens = {}
        for name, (role, org, tenant) in self.ROLES.items() if make_users else ():
            self.tokens[name] = add_user(self.store, name, role, org=org, tenant=tenant)["token"]

    def h(self, who: str | None) -> dict:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path, who="staff", **kw):
        return self.client.get(path, headers=self.h(who), **kw)

    def post(self, path, who="staff", **kw):
        return self.client.post(path, headers=self.h(who), **kw)

    def upload(self, files: dict[str, bytes], who="staff", org=None):
        r = self.post("/documents", who, files=[("files", (n, b)) for n, b in files.items()],
                      data={"org": org} if org else None)
        assert r.status_code == 202, r.text
        return r.json()["jobs"]

    def run_jobs(self):
        from reportmine.store.jobs import drain

        return drain(self.store)

    def close(self):
        self.client.close()
        self.store.close()


@pytest.fixture
def api(settings_env):
    a = Api(settings_env)
    yield a
    a.close()


# A short summary in the style of the real ones (written for these tests).
REPORT_A = """北京市丰台区第一医院工会2023年工作总结

一、加强职工教育培训
全年举办业务培训班8期，参加培训的工会干部和职工共计420人次。组织职工技能竞赛5场，参赛职工达160余人。

二、关心职工生活
开展送温暖活动，走访慰问困难职工36户，发放慰问金7.2万元。组织职工健康体检1200人。

三、推进民主管理
召开职代会2次，收集职工提案18件，办结率100%。
"""

REPORT_B = """丰台区妇幼保健院工会2023年度工作总结

一、职工创新
新建职工创新工作室2个，完成技术革新项目11项，获得国家专利3项。

二、教育培训
组织岗位练兵活动，培训青年职工260人次。
"""


@pytest.fixture
def fresh_classifier(monkeypatch):
    """The shipped classifier, loaded afresh: no REPORTMINE_MODEL(_DIR) from the environment
    and an empty model cache before and after the test."""
    import reportmine.classify as C

    monkeypatch.delenv("REPORTMINE_MODEL", raising=False)
    monkeypatch.delenv("REPORTMINE_MODEL_DIR", raising=False)
    C.clear_cache()
    yield
    C.clear_cache()
