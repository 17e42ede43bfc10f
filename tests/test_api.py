"""The API end to end: upload (jobs), documents, facts, aggregates, exports, search."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest

from conftest import REPORT_A, REPORT_B, Api


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return buf.getvalue()


def test_upload_runs_jobs_and_stores_documents(api):
    jobs = api.upload({"a.txt": REPORT_A.encode("utf-8"),
                       "batch.zip": _zip({"b.txt": REPORT_B.encode("gb18030"), "empty.txt": b""}),
                       "junk.pdf": b"%PDF-1.7\n1 0 obj\n<<"})
    assert [j["name"] for j in jobs] == ["a.txt", "batch.zip/b.txt", "batch.zip/empty.txt", "junk.pdf"]
    assert all(j["state"] == "queued" for j in jobs)
    api.run_jobs()
    states = {j["name"]: api.get(f"/jobs/{j['id']}").json() for j in jobs}
    assert states["a.txt"]["state"] == "done" and states["a.txt"]["progress"] == 1
    assert states["batch.zip/b.txt"]["state"] == "done"
    for bad in ("batch.zip/empty.txt", "junk.pdf"):
        assert states[bad]["state"] == "failed" and states[bad]["error"].startswith(bad + ": ")
    docs = api.get("/documents").json()
    assert docs["total"] == 2 and {d["source"] for d in docs["items"]} == {"a.txt", "batch.zip/b.txt"}
    doc = api.get(f"/documents/{states['a.txt']['document_id']}").json()
    assert doc["text"].startswith("北京市丰台区第一医院工会") and doc["paragraphs"] and doc["sections"]
    for f in doc["facts"]:
        assert doc["text"][f["start"]:f["end"]] == f["surface"]
    assert api.get(f"/documents/{doc['document']}").json()["id"] == doc["id"]


def test_reupload_returns_the_stored_document(api):
    first = api.upload({"a.txt": REPORT_A.encode()})[0]
    api.run_jobs()
    doc_id = api.get(f"/jobs/{first['id']}").json()["document_id"]
    again = api.upload({"renamed.txt": REPORT_A.encode()})[0]
    assert again["state"] == "done" and again["duplicate"] and again["document_id"] == doc_id
    assert api.get("/documents").json()["total"] == 1


def test_queries_over_uploaded_reports(api):
    api.upload({"a.txt": REPORT_A.encode(), "b.txt": REPORT_B.encode()})
    api.run_jobs()
    facts = api.get("/facts", params={"limit": 1000}).json()
    assert facts["total"] >= 8, facts
    people = api.get("/facts", params={"unit": "人次", "value__gte": 300, "limit": 1000}).json()["items"]
    assert people and all(f["unit"] == "人次" and f["value"] >= 300 for f in people)
    assert 420 in [f["value"] for f in people]
    q = api.get("/facts", params={"q": "慰问", "facet": "all"}).json()
    assert q["items"] and all(f["source"] == "a.txt" for f in q["items"])
    assert {"category", "year", "org", "unit"} <= set(q["facets"])
    srt = [f["value"] for f in api.get("/facts", params={"sort": "-value", "limit": 5}).json()["items"]]
    assert srt == sorted(srt, reverse=True)
    agg = api.get("/facts/aggregate", params={"group_by": "org,year"}).json()
    assert agg["group_by"] == ["org", "year", "unit"]
    assert sum(g["count"] for g in agg["groups"]) == facts["total"]
    hits = api.get("/search", params={"q": "慰问"}).json()["hits"]
    assert hits and all("慰问" in h["snippet"] for h in hits) and hits[0]["source"] == "a.txt"
    text = api.get(f"/documents/{hits[0]['document']}").json()["text"]
    assert "慰问" in text[hits[0]["start"]:hits[0]["end"]]
    for term in ("培训", "工会", "会"):
        assert api.get("/search", params={"q": term}).json()["hits"], term
    assert api.get("/facts", params={"value__gte": "lots"}).status_code == 422
    assert api.get("/facts", params={"colour": "red"}).status_code == 400
    assert api.get("/facts/aggregate", params={"group_by": "colour"}).status_code == 400
    assert api.get("/documents/999999").status_code == 404


def test_exports_hold_the_same_facts(api):
    api.upload({"a.txt": REPORT_A.encode(), "b.txt": REPORT_B.encode()})
    api.run_jobs()
    want = api.get("/facts", params={"category": "training", "limit": 1000}).json()
    r = api.get("/facts.csv", params={"category": "training"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x["surface"] for x in rows] == [f["surface"] for f in want["items"]]
    from openpyxl import load_workbook

    r = api.get("/facts.xlsx", params={"category": "training"})
    ws = load_workbook(io.BytesIO(r.content)).active
    sheet = list(ws.iter_rows(values_only=True))
    assert sheet[0][0] == "surface" and [x[0] for x in sheet[1:]] == [f["surface"] for f in want["items"]]
    assert [a["action"] for a in api.get("/audit", who="admin").json()["audit"]][:2] == ["export", "export"]


def test_corrections_through_the_api(api):
    api.upload({"a.txt": REPORT_A.encode()})
    api.run_jobs()
    doc = api.get("/documents").json()["items"][0]
    para = next(p for p in api.get(f"/documents/{doc['id']}").json()["paragraphs"] if "慰问" in p["text"])
    r = api.post("/corrections", json={"paragraph_id": para["id"], "field": "category", "new": "innovation"})
    assert r.status_code == 201 and r.json()["new"] == "innovation"
    assert api.get("/corrections").json()["corrections"][0]["paragraph_id"] == para["id"]
    assert api.store.load_corrections()[0]["text"] == para["text"]
    assert api.post("/corrections", json={"paragraph_id": para["id"], "new": "sports"}).status_code == 400
    assert api.post("/corrections", json={"paragraph_id": 10**9, "new": "other"}).status_code == 404


def test_upload_limit_answers_413(settings_env):
    small = Api(settings_env, max_upload_bytes=1000)
    try:
        r = small.post("/documents", files=[("files", ("big.txt", ("职工培训" * 500).encode()))])
        assert r.status_code == 413
        assert small.get("/documents").json()["total"] == 0
    finally:
        small.close()


@pytest.mark.slow
def test_embedded_runner_processes_uploads_in_the_background(settings_env):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from reportmine.config import Settings
    from reportmine.store.auth import add_user
    from reportmine.store import Store

    st = Store(settings_env)
    token = add_user(st, "s", "staff")["token"]
    app = create_app(Settings(db=settings_env, sandbox=False, job_poll_seconds=0.1), store=st, run_jobs=True)
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as c:
        job = c.post("/documents", headers=h, files=[("files", ("a.txt", REPORT_A.encode()))]).json()["jobs"][0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = c.get(f"/jobs/{job['id']}", headers=h).json()
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert state["state"] == "done", state
        assert c.get("/documents", headers=h).json()["total"] == 1
    st.close()
