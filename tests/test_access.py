"""Who sees what, on every route: anonymous, unit A, unit B, staff, admin, another tenant."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from conftest import REPORT_A, REPORT_B, Api
from reportmine.store.auth import hash_token
from reportmine.store.schema import UserRow

PUBLIC = {"/health", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc"}


def _route_table(routes, prefix=""):
    """Every (path, methods) the app serves, through included routers."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from _route_table(inner.routes, prefix + getattr(r, "prefix", ""))
        elif hasattr(r, "path"):
            yield prefix + r.path, set(getattr(r, "methods", None) or ())


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
def world(settings_env):
    a = Api(settings_env)
    ja = a.upload({"a.txt": REPORT_A.encode()}, who="unit_a")[0]
    jb = a.upload({"b.txt": REPORT_B.encode()}, who="unit_b", org="丰台区第一医院")[0]  # org ignored for units
    jo = a.upload({"o.txt": REPORT_A.encode()}, who="other")[0]
    a.run_jobs()
    a.jobs = {"a": ja["id"], "b": jb["id"], "o": jo["id"]}
    from reportmine.store.jobs import get_job
    from reportmine.store import Scope

    a.docs = {"a": get_job(a.store, ja["id"], Scope("default"))["document_id"],
              "b": get_job(a.store, jb["id"], Scope("default"))["document_id"],
              "o": get_job(a.store, jo["id"], Scope("other-federation"))["document_id"]}
    yield a
    a.close()


def test_every_route_needs_a_token(world):
    spec = world.app.openapi()["paths"]
    checked = 0
    for path, ops in spec.items():
        if path in PUBLIC:
            continue
        for method in ops:
            r = world.client.request(method.upper(), _fill(path))
            assert r.status_code == 401, (method, path, r.status_code)
            bad = world.client.request(method.upper(), _fill(path), headers={"Authorization": "Bearer nope"})
            assert bad.status_code == 401, (method, path, bad.status_code)
            checked += 1
    assert checked >= 14
    # routes outside the spec (the web page) answer a stranger with 401, 403 (CSRF) or the login page
    for path, methods in _route_table(world.app.routes):
        if path in spec or path in PUBLIC or path.startswith(("/static", "/web/login")):
            continue
        for method in methods - {"HEAD"}:
            r = world.client.request(method, _fill(path), follow_redirects=False)
            assert r.status_code in (401, 403) or (r.status_code in (302, 303, 307)
                                                   and r.headers["location"].startswith("/web/login")), \
                (method, path, r.status_code)
            checked += 1
    assert world.client.get("/health").status_code == 200
    assert world.client.get("/openapi.json").status_code == 200


VISIBLE = {"admin": {"a.txt", "b.txt"}, "staff": {"a.txt", "b.txt"}, "unit_a": {"a.txt"},
           "unit_b": {"b.txt"}, "other": {"o.txt"}}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_reads_are_scoped(world, who):
    want = VISIBLE[who]
    assert {d["source"] for d in world.get("/documents", who).json()["items"]} == want
    assert {f["source"] for f in world.get("/facts", who, params={"limit": 1000}).json()["items"]} == want
    assert {h["source"] for h in world.get("/search", who, params={"q": "工会", "limit": 100}).json()["hits"]} == want
    rows = csv.DictReader(io.StringIO(world.get("/facts.csv", who).content.decode("utf-8-sig")))
    assert {r["source"] for r in rows} == want
    agg = world.get("/facts/aggregate", who, params={"group_by": "org"}).json()
    assert sum(g["count"] for g in agg["groups"]) == world.get("/facts", who).json()["total"]
    assert {j["name"] for j in world.get("/jobs", who).json()["jobs"]} == want
    for key, name in (("a", "a.txt"), ("b", "b.txt"), ("o", "o.txt")):
        doc = world.get(f"/documents/{world.docs[key]}", who)
        assert doc.status_code == (200 if name in want else 404), (who, name)
        job = world.get(f"/jobs/{world.jobs[key]}", who)
        assert job.status_code == (200 if name in want else 404), (who, name)
        facts = world.get("/facts", who, params={"document": str(world.docs[key])}).json()["total"]
        assert (facts > 0) == (name in want)


@pytest.mark.parametrize("who", list(VISIBLE))
def test_corrections_are_scoped(world, who):
    doc = world.get(f"/documents/{world.docs['a']}", "admin").json()
    para, fact = doc["paragraphs"][1], doc["facts"][0]
    ok = "a.txt" in VISIBLE[who]
    r = world.post("/corrections", who, json={"paragraph_id": para["id"], "field": "category", "new": "other"})
    assert r.status_code == (201 if ok else 404)
    r = world.post("/corrections", who, json={"fact_id": fact["id"], "field": "unit", "new": "人"})
    assert r.status_code == (201 if ok else 404)
    seen = world.get("/corrections", who).json()["corrections"]
    assert (len(seen) == 2) == ok


def test_admin_only_routes(world):
    for who in ("staff", "unit_a", "other"):
        assert world.get("/users", who).status_code == 403
        assert world.get("/audit", who).status_code == 403
        assert world.post("/users", who, json={"name": "x", "role": "admin"}).status_code == 403
    users = world.get("/users", "admin").json()["users"]
    assert {u["name"] for u in users} == {"admin", "staff", "unit_a", "unit_b"}  # not the other tenant's
    made = world.post("/users", "admin", json={"name": "unit_c", "role": "unit", "org": "某单位"})
    assert made.status_code == 201
    token = made.json()["token"]
    me = world.client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"name": "unit_c", "role": "unit", "tenant": "default", "org": "某单位"}
    assert world.client.get("/documents", headers={"Authorization": f"Bearer {token}"}).json()["total"] == 0
    actions = {a["action"] for a in world.get("/audit", "admin").json()["audit"]}
    assert {"upload", "user_add"} <= actions


def test_unit_upload_belongs_to_its_org(world):
    doc = world.get(f"/documents/{world.docs['b']}", "staff").json()
    assert doc["owner_org"] == "丰台区妇幼保健院"
    assert world.get(f"/documents/{world.docs['a']}", "staff").json()["owner_org"] == "丰台区第一医院"


def test_units_cannot_delete_and_staff_only_in_their_tenant(world):
    assert world.client.delete(f"/documents/{world.docs['a']}", headers=world.h("unit_a")).status_code == 403
    assert world.client.delete(f"/documents/{world.docs['a']}", headers=world.h("other")).status_code == 404
    assert world.client.delete(f"/documents/{world.docs['a']}", headers=world.h("staff")).status_code == 200
    assert world.get(f"/documents/{world.docs['o']}", "other").status_code == 200


def test_tokens_are_stored_hashed(world):
    with world.store.read() as s:
        hashes = set(s.scalars(select(UserRow.token_hash)))
    for token in world.tokens.values():
        assert token not in hashes and hash_token(token) in hashes


def test_anonymous_only_with_the_switch(settings_env):
    off = Api(settings_env)
    try:
        assert off.client.get("/documents").status_code == 401
        off.upload({"a.txt": REPORT_A.encode()}, who="staff")
        off.upload({"o.txt": REPORT_B.encode()}, who="other")
        off.run_jobs()
    finally:
        off.close()
    on = Api(settings_env, anonymous=True, make_users=False)
    try:
        r = on.client.get("/documents")
        assert r.status_code == 200 and {d["source"] for d in r.json()["items"]} == {"a.txt"}
        assert on.client.get("/me").json()["role"] == "staff"
        assert on.client.get("/users").status_code == 403
        assert on.client.get("/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    finally:
        on.close()


def test_cookie_sign_in_reads_but_changes_only_with_the_csrf_header(world):
    from api.deps import CSRF_COOKIE, TOKEN_COOKIE

    c = world.client
    c.cookies.set(TOKEN_COOKIE, world.tokens["staff"])
    try:
        assert c.get("/documents").json()["total"] == 2
        doc = c.get(f"/documents/{world.docs['a']}").json()
        body = {"paragraph_id": doc["paragraphs"][1]["id"], "field": "category", "new": "other"}
        assert c.post("/corrections", json=body).status_code == 403
        c.cookies.set(CSRF_COOKIE, "k" * 20)
        assert c.post("/corrections", json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
        assert c.post("/corrections", json=body, headers={"X-CSRF-Token": "k" * 20}).status_code == 201
    finally:
        c.cookies.clear()


@pytest.fixture
def pdf_world(settings_env):
    """PDFs (their files kept, facts with boxes) of unit A, unit B and another tenant."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
    import make_ingest as mk

    a = Api(settings_env)
    a.upload({"a.pdf": mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[:4])}, who="unit_a")
    a.upload({"b.pdf": mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[4:])}, who="unit_b")
    a.upload({"o.pdf": mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[:4])}, who="other")
    a.run_jobs()
    a.pdf_docs = {}
    for who, name in (("unit_a", "a.pdf"), ("unit_b", "b.pdf"), ("other", "o.pdf")):
        d = next(d for d in a.get("/documents", who).json()["items"] if d["source"] == name)
        a.pdf_docs[name] = a.get(f"/documents/{d['id']}", who).json()
    yield a
    a.close()


PDF_VISIBLE = {"admin": {"a.pdf", "b.pdf"}, "staff": {"a.pdf", "b.pdf"}, "unit_a": {"a.pdf"},
               "unit_b": {"b.pdf"}, "other": {"o.pdf"}}


def test_page_images_are_scoped(pdf_world):
    """``/facts/{id}/image`` and ``/documents/{ref}/pages/{n}/image`` as reading the document."""
    for name, doc in pdf_world.pdf_docs.items():
        fact = next(f for f in doc["facts"] if f.get("bbox"))
        paths = [f"/facts/{fact['id']}/image", f"/documents/{doc['id']}/pages/1/image",
                 f"/documents/{doc['document']}/pages/1/image"]
        for who, visible in PDF_VISIBLE.items():
            for path in paths:
                r = pdf_world.get(path, who)
                assert r.status_code == (200 if name in visible else 404), (who, name, path, r.status_code)
                if r.status_code == 200:
                    assert r.headers["content-type"] == "image/png"
        for path in paths:
            assert pdf_world.client.get(path).status_code == 401
    on = Api(pdf_world.settings.db, anonymous=True, make_users=False)
    try:  # anonymous acts as staff of the tenant default, only with the switch
        for name, doc in pdf_world.pdf_docs.items():
            r = on.client.get(f"/documents/{doc['id']}/pages/1/image")
            assert r.status_code == (200 if name in PDF_VISIBLE["staff"] else 404), name
    finally:
        on.close()
